"""`make run`'s LocalExecutor (papertrend.local_executor) stops, whatever its workers do.

Airflow's own ``LocalExecutor.end()`` joins its workers with no time limit: one
worker that never takes its shutdown message hangs ``dag.test(use_executor=True)``
for good. A stopped worker (SIGSTOP) is the worst such worker.
"""

from __future__ import annotations

import os
import signal
import time

import pytest


@pytest.fixture
def executor(monkeypatch):
    from papertrend import local_executor

    monkeypatch.setattr(local_executor, "SHUTDOWN_TIMEOUT", 3.0)
    executor = local_executor.BoundedLocalExecutor(parallelism=2)
    executor.start()
    return executor


def test_end_returns_when_every_worker_takes_its_shutdown_message(executor):
    pids = [worker.pid for worker in executor.workers.values()]
    started = time.monotonic()
    executor.end()
    assert time.monotonic() - started < 3.0
    assert not any(_running(pid) for pid in pids)


def test_end_kills_a_worker_that_never_takes_its_shutdown_message(executor):
    pids = [worker.pid for worker in executor.workers.values()]
    os.kill(pids[0], signal.SIGSTOP)

    started = time.monotonic()
    executor.end()

    assert 3.0 <= time.monotonic() - started < 30.0
    assert not any(_running(pid) for pid in pids), "a worker outlived end()"


def _running(pid: int) -> bool:
    """Whether the process still exists (end() reaps what it stops, so no zombie remains)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
