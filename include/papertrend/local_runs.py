"""Real DAG runs on this machine that the Airflow UI can read: what `make run` uses.

``dag.test()`` on its own runs every task inside the calling process: the task
logs go to the terminal only (the UI then finds no log file and asks a log
server that is not there), and the run's start is recorded as its logical
date (a run for 2025-07-01 "took" 514 days). Here every task runs the way a
scheduled one does: ``dag.test(use_executor=True)`` hands it to a
LocalExecutor worker, where Airflow's supervisor runs it in a subprocess and
writes its log under ``[logging] base_log_folder`` by the log filename
template, the very file the UI's log reader opens. The workers report to an
Execution API that a child process serves on a free loopback port while the
runs last (:func:`execution_api`). Each run's start is then set to the wall clock.

With ``PAPERTREND_EXECUTOR=CeleryExecutor`` (the name compose's celery profile
uses) the tasks go to Airflow's CeleryExecutor instead: through the broker of
``[celery] broker_url`` to ``airflow celery worker`` processes started
elsewhere, which report to the Execution API at ``[core] execution_api_server_url``
(served there, so set it to a loopback address and port the workers reach).

Airflow must be configured (``papertrend.airflow_home``) before this module's
functions are called; they import it lazily.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# What the DAG tasks' own reasons are logged under (papertrend.task_outcomes).
REASON_LOGGER = "papertrend.dags"
LAKE_URI = "file:///papertrend/lake/digest_entries"
SERVER_START_TIMEOUT = 120
# Set before airflow is imported. The LocalExecutor forks all its workers at the
# start of every run (Airflow's default parallelism is 32); the DAGs' tasks run
# one after another, so two are plenty. Its shutdown is bounded (papertrend.local_executor).
LOCAL_EXECUTOR_ENV = {
    "AIRFLOW__CORE__EXECUTOR": "papertrend.local_executor.BoundedLocalExecutor",
    "AIRFLOW__CORE__PARALLELISM": "2",
}
CELERY_EXECUTOR_ENV = {"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"}


def executor_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The executor's Airflow settings, from ``PAPERTREND_EXECUTOR`` (default LocalExecutor)."""
    chosen = environ.get("PAPERTREND_EXECUTOR") or "LocalExecutor"
    by_name = {"LocalExecutor": LOCAL_EXECUTOR_ENV, "CeleryExecutor": CELERY_EXECUTOR_ENV}
    if chosen not in by_name:
        raise SystemExit(f"PAPERTREND_EXECUTOR={chosen}: use one of {', '.join(by_name)}")
    return by_name[chosen]


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    state: str
    seconds: float | None
    note: str
    log_path: Path | None


@dataclass(frozen=True)
class RunResult:
    dag_id: str
    run_id: str
    state: str
    seconds: float
    tasks: list[TaskResult] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.state == "success"


@contextmanager
def execution_api() -> Iterator[str]:
    """Serve Airflow's Execution API (what task workers report to) from a child
    process, at ``[core] execution_api_server_url`` when it is set (workers
    started elsewhere know it), else on 127.0.0.1:<free port>; yields its URL.

    A child process, not a thread: the LocalExecutor forks its workers from this
    process, and a fork copies every lock in the state other threads hold it in.
    A server thread that was writing a log line at that moment left the worker a
    log lock that nobody will release; the worker hung on its first log call,
    never read its shutdown message, and ``LocalExecutor.end()`` waited for it
    forever. With the server elsewhere, this process forks with one thread.
    """
    from airflow.configuration import conf

    # The workers' tokens are signed here and checked by the server with this
    # secret: a throwaway one for both (through the environment the child
    # inherits), unless the Airflow home configures its own.
    if not conf.get("api_auth", "jwt_secret", fallback=""):
        os.environ["AIRFLOW__API_AUTH__JWT_SECRET"] = secrets.token_urlsafe(64)
    url = conf.get("core", "execution_api_server_url", fallback="")
    address = urlsplit(url)
    listener = socket.socket()
    listener.bind((address.hostname, address.port) if url else ("127.0.0.1", 0))
    listener.listen(128)
    if not url:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/execution/"
        conf.set("core", "execution_api_server_url", url)

    server = subprocess.Popen(
        [sys.executable, "-m", "papertrend.execution_api_server", str(listener.fileno())],
        pass_fds=[listener.fileno()],
    )
    try:
        _wait_until_healthy(server, url, timeout=SERVER_START_TIMEOUT)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        listener.close()


def _wait_until_healthy(server: subprocess.Popen, url: str, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Execution API exited with {server.returncode}; see the log")
        try:
            if requests.get(url + "health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the Execution API did not answer on {url} within {timeout} s")


def run_dag(dag, logical_date: datetime, conf: dict | None = None) -> RunResult:
    """One run of ``dag``, every task through the executor (inside :func:`execution_api`)."""
    from sqlalchemy import update

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    started = datetime.now(timezone.utc)
    dag_run = dag.test(logical_date=logical_date, run_conf=conf, use_executor=True)
    with create_session() as session:
        # dag.test() records a run's start as its logical date; the UI's duration
        # is end minus start, so give it the wall clock.
        session.execute(
            update(DagRun).where(DagRun.id == dag_run.id).values(start_date=started, queued_at=started)
        )
        instances = {ti.task_id: ti for ti in dag_run.get_task_instances(session=session)}
        tasks = [_task_result(instances[task.task_id], session) for task in dag.topological_sort()]
    ended = dag_run.end_date or datetime.now(timezone.utc)
    seconds = (ended - started).total_seconds()
    return RunResult(dag.dag_id, dag_run.run_id, _plain(dag_run.state), seconds, tasks)


def lake_events() -> int:
    """How many updates the lake asset has had: a build follows only a new one."""
    from sqlalchemy import func, select

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.scalar(
            select(func.count(AssetEvent.id))
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == LAKE_URI)
        )


def task_log_events(ti) -> list[dict[str, Any]]:
    """A task's log as the UI reads it (Airflow's TaskLogReader), one dict per line."""
    from airflow.utils.log.log_reader import TaskLogReader

    if not ti.try_number:
        return []
    stream, _ = TaskLogReader().read_log_chunks(ti, ti.try_number, {})
    return [message.model_dump() for message in stream]


def _task_result(ti, session) -> TaskResult:
    state = _plain(ti.state)
    ran = ti.try_number and ti.start_date and ti.end_date
    seconds = (ti.end_date - ti.start_date).total_seconds() if ran else None
    log_path = _log_path(ti) if ti.try_number else None
    if state == "success":
        note = _summarize(_return_value(ti, session))
    elif ti.try_number:
        note = _reason(task_log_events(ti)) or "see its log"
    else:
        upstream = "an upstream task failed" if state == "upstream_failed" else "its upstream was skipped"
        note = f"not run: {upstream}"
    return TaskResult(ti.task_id, state or "none", seconds, note, log_path)


def _log_path(ti) -> Path | None:
    from airflow.configuration import conf
    from airflow.utils.helpers import log_filename_template_renderer

    path = Path(conf.get("logging", "base_log_folder")) / log_filename_template_renderer()(ti=ti)
    return path if path.is_file() else None


def _return_value(ti, session) -> Any:
    from airflow.models.xcom import XComModel

    row = session.scalars(
        XComModel.get_many(run_id=ti.run_id, key="return_value", dag_ids=ti.dag_id, task_ids=ti.task_id)
    ).first()
    return None if row is None else XComModel.deserialize_value(row)


def _reason(events: list[dict[str, Any]]) -> str | None:
    """The reason a papertrend task gave for its skip or failure, else the last error."""
    ours = [
        str(e["event"])
        for e in events
        if e.get("logger") == REASON_LOGGER and str(e.get("event", "")).startswith(("skipped:", "failed:"))
    ]
    errors = [str(e.get("event")) for e in events if e.get("level") in ("error", "critical")]
    reason = ours[-1] if ours else (errors[-1] if errors else None)
    return None if reason is None else _one_line(reason)


def _summarize(value: Any) -> str:
    """A task's return value in one short line: what the progress line shows."""
    if not isinstance(value, dict):
        return ""
    if "summary" in value:
        return value["summary"].splitlines()[0]
    if "lines" in value:
        return "; ".join(_one_line(line, short_paths=True) for line in value["lines"])
    if "dumps" in value:
        names = ", ".join(Path(dump).name for dump in value["dumps"])
        return f"{len(value['dumps'])} dump(s): {names}"
    return ""


def _one_line(text: str, short_paths: bool = False) -> str:
    """The first line, whitespace collapsed; paths shortened to their file name if asked."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    return re.sub(r"(/[^\s/]+)+/([^\s/]+)", r"\2", first) if short_paths else first


def _plain(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))
