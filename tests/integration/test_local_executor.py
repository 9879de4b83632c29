"""`make run`'s LocalExecutor (papertrend.local_executor) stops, whatever its workers do.

Airflow's own ``LocalExecutor.end()`` joins its workers with no time limit, and
can send one shutdown message too few: one worker that never gets or never takes
its message hangs ``dag.test(use_executor=True)`` for good.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

# Seconds end() gives its workers here: ended sooner means none had to be killed.
KILL_AFTER = 15.0


@pytest.fixture
def executor(monkeypatch):
    from papertrend import local_executor

    monkeypatch.setattr(local_executor, "SHUTDOWN_TIMEOUT", KILL_AFTER)
    executor = local_executor.BoundedLocalExecutor(parallelism=2)
    executor.start()
    time.sleep(1)  # both workers started: the first one forked is reading the queue
    return executor


def test_end_returns_when_every_worker_takes_its_shutdown_message(executor):
    pids = [worker.pid for worker in executor.workers.values()]
    started = time.monotonic()
    executor.end()
    assert time.monotonic() - started < KILL_AFTER
    assert not any(_running(pid) for pid in pids)


def test_every_worker_gets_its_message_when_one_exits_while_end_still_sends(executor):
    """The race that hung `make run`: the worker reading the queue is not the first
    one end() walks to (a worker that ran a task queues up again behind the others),
    and the machine is slow between two sends. Airflow's end() then finds the
    worker that took the first message already gone, sends it none, and waits
    forever for the other one."""
    executor.workers = dict(reversed(list(executor.workers.items())))
    pids = [worker.pid for worker in executor.workers.values()]
    send = executor.activity_queue.put
    executor.activity_queue.put = lambda message: (send(message), time.sleep(1))

    started = time.monotonic()
    executor.end()

    assert time.monotonic() - started < KILL_AFTER, "a worker had to be killed: it got no shutdown message"
    assert not any(_running(pid) for pid in pids)


def test_end_kills_a_worker_that_never_takes_its_shutdown_message(executor):
    pids = [worker.pid for worker in executor.workers.values()]
    os.kill(pids[0], signal.SIGSTOP)

    started = time.monotonic()
    executor.end()

    assert KILL_AFTER <= time.monotonic() - started < KILL_AFTER + 30
    assert not any(_running(pid) for pid in pids), "a worker outlived end()"


def _running(pid: int) -> bool:
    """Whether the process still exists (end() reaps what it stops, so no zombie remains)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
