"""Airflow's Execution API on an inherited listening socket: the child process
that ``papertrend.local_runs.execution_api`` starts for `make run`.

    python -m papertrend.execution_api_server FD

Airflow's configuration (home, metadata database, JWT secret) comes from the
environment the parent set. The server stops on SIGTERM, and on its own when the
parent is gone (a killed `make run` leaves no server behind).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time


def main(fd: int) -> None:
    import uvicorn

    from airflow.api_fastapi.app import create_app

    parent = os.getppid()
    server = uvicorn.Server(uvicorn.Config(create_app(apps="execution"), log_level="warning"))

    def stop_when_orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        server.should_exit = True

    threading.Thread(target=stop_when_orphaned, daemon=True).start()
    server.run(sockets=[socket.socket(fileno=fd)])


if __name__ == "__main__":
    main(int(sys.argv[1]))
