"""Airflow's LocalExecutor with a shutdown that cannot wait forever: what `make run` uses.

``LocalExecutor.end()`` sends each worker its shutdown message and then joins
them with no time limit, reading their last results only afterwards: a worker
that never takes its message (stuck, or blocked writing a result nobody reads)
keeps ``dag.test(use_executor=True)`` from returning at all. Here the workers
get ``SHUTDOWN_TIMEOUT`` seconds between them while their results keep being
read; one still alive then is named in a warning and killed. Its task already
finished (``dag.test()`` ends the executor after the run has ended), so nothing
of the run is lost but that worker's goodbye.

Configured by ``papertrend.local_runs.EXECUTOR_ENV``; imported by Airflow only.
"""

from __future__ import annotations

import time

from airflow.executors.local_executor import LocalExecutor

SHUTDOWN_TIMEOUT = 120.0


class BoundedLocalExecutor(LocalExecutor):
    def end(self) -> None:
        alive = [proc for proc in self.workers.values() if proc.is_alive()]
        for _ in alive:
            self.activity_queue.put(None)
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT
        for proc in alive:
            while proc.is_alive() and time.monotonic() < deadline:
                self._read_results()  # a worker blocked on a full result pipe can then finish
                proc.join(0.2)
        for proc in self.workers.values():
            if proc.is_alive():
                self.log.warning(
                    "LocalExecutor worker pid %d did not stop within %.0f s of its shutdown message; killing it",
                    proc.pid, SHUTDOWN_TIMEOUT,
                )
                proc.kill()
                proc.join(10)
            proc.close()
        self._read_results()
        self.activity_queue.close()
        self.result_queue.close()
