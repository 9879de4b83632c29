"""Airflow's LocalExecutor with a shutdown that cannot hang: what `make run` uses.

``LocalExecutor.end()`` (Airflow 3.3.2) loses a shutdown message in a race:
it walks its workers and sends one message (``None`` on the shared queue) for
each worker it finds alive, checking each just before its send. An idle worker
takes the first message at once and exits; when the walk reaches that worker it
is no longer alive and gets no message of its own, so one message too few is
sent, the last waiting worker never gets one, and ``end()``'s ``join()`` with no
time limit waits for it forever (seen: ``make run`` stuck for 20 minutes in
``end()``, one worker blocked reading the empty queue, its 31 siblings gone).

Here the live workers are counted first and that many messages sent, so every
worker gets one; the joins share ``SHUTDOWN_TIMEOUT`` seconds while results keep
being read, and a worker still alive then is named in a warning and killed
(its task had ended: ``dag.test()`` ends the executor after the run).

Configured by ``papertrend.local_runs.LOCAL_EXECUTOR_ENV``; imported by Airflow only.
"""

from __future__ import annotations

import time

from airflow.executors.local_executor import LocalExecutor

SHUTDOWN_TIMEOUT = 120.0


class BoundedLocalExecutor(LocalExecutor):
    def end(self) -> None:
        # Count, then send: a worker that takes a message and exits during the
        # sends must not lower the count (see the module docstring).
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
