"""Late digests: ``collect_dumps`` waits for the day's dump until its deadline.

Real ``ingest_digests`` runs with ``dag.test()``. Between two looks the sensor
is ``up_for_reschedule`` (a TaskReschedule row: no worker slot is held), and
``dag.test()`` runs it again once its reschedule date has passed, as the
scheduler would. The poke interval is cut to one second and the deadline set a
few seconds away, so a wait takes seconds instead of hours.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone

import pendulum
import pytest

from tests.conftest import TEXT_SAMPLE, copy_sample

pytestmark = pytest.mark.slow

DAY = pendulum.datetime(2025, 7, 1, tz="UTC")
FAR_FUTURE_HOURS = str(24 * 365 * 100)


@pytest.fixture
def quick_looks(dag_bag, monkeypatch):
    """collect_dumps looks every second instead of every ten minutes."""
    monkeypatch.setattr(dag_bag.get_dag("ingest_digests").get_task("collect_dumps"), "poke_interval", 1.0)


def deadline_in(seconds: float) -> str:
    """PAPERTREND_DIGEST_DEADLINE_HOURS that puts DAY's deadline ``seconds`` from now."""
    return str((datetime.now(timezone.utc) - DAY).total_seconds() / 3600 + seconds / 3600)


def reschedules(run_id: str) -> int:
    """How many times collect_dumps gave its slot back and was rescheduled in this run."""
    from sqlalchemy import func, select

    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.scalar(
            select(func.count(TaskReschedule.id))
            .join(TaskInstance, TaskReschedule.ti_id == TaskInstance.id)
            .where(
                TaskInstance.dag_id == "ingest_digests",
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == "collect_dumps",
            )
        )


@pytest.fixture
def task_log(caplog) -> Callable[[], str]:
    """What the tasks said through papertrend's loggers (dag.test() runs them in this process)."""
    caplog.set_level(logging.INFO, logger="papertrend")
    return lambda: caplog.text


def drop_after_the_first_empty_look(sample, inbox, stop: threading.Event) -> None:
    """The digest arrives while collect_dumps waits: right after its first look
    found nothing and it was rescheduled (whatever the task start-up took)."""
    from sqlalchemy import select

    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session

    looked_at = datetime.now(timezone.utc)
    while not stop.wait(0.2):
        with create_session() as session:
            rescheduled = session.scalar(
                select(TaskReschedule.id)
                .join(TaskInstance, TaskReschedule.ti_id == TaskInstance.id)
                .where(TaskInstance.task_id == "collect_dumps", TaskReschedule.start_date >= looked_at)
                .limit(1)
            )
        if rescheduled:
            copy_sample(sample, inbox)
            return


def test_digest_already_in_the_inbox_is_collected_at_the_first_look(
    papertrend_data_dir, run_dag, quick_looks, monkeypatch
):
    monkeypatch.setenv("PAPERTREND_DIGEST_DEADLINE_HOURS", FAR_FUTURE_HOURS)
    inbox = papertrend_data_dir / "inbox"
    inbox.mkdir()
    copy_sample(TEXT_SAMPLE, inbox)

    outcome = run_dag("ingest_digests", logical_date=DAY)

    assert (outcome.state, outcome.task_states) == (
        "success",
        {
            "collect_dumps": "success",
            "refetch_recent_days": "success",
            "land": "success",
            "report_rejections": "success",
        },
    )
    assert reschedules(outcome.run_id) == 0
    assert (papertrend_data_dir / "lake" / "digest_entries" / "digest_date=2025-07-01").is_dir()


def test_digest_arriving_during_the_wait_is_caught_and_landed(
    papertrend_data_dir, run_dag, quick_looks, monkeypatch, task_log
):
    monkeypatch.setenv("PAPERTREND_DIGEST_DEADLINE_HOURS", FAR_FUTURE_HOURS)
    inbox = papertrend_data_dir / "inbox"
    inbox.mkdir()
    stop = threading.Event()
    arrival = threading.Thread(target=drop_after_the_first_empty_look, args=(TEXT_SAMPLE, inbox, stop))
    arrival.start()
    try:
        outcome = run_dag("ingest_digests", logical_date=DAY)
    finally:
        stop.set()
        arrival.join()

    assert (outcome.state, outcome.task_states) == (
        "success",
        {
            "collect_dumps": "success",
            "refetch_recent_days": "success",
            "land": "success",
            "report_rejections": "success",
        },
    )
    assert reschedules(outcome.run_id) >= 1, "the sensor should have given its slot back while waiting"
    assert (papertrend_data_dir / "lake" / "digest_entries" / "digest_date=2025-07-01").is_dir()
    log = task_log()
    assert "waiting: no digest for 2025-07-01 in inbox" in log, "a look that finds nothing must say why"


def test_digest_that_never_arrives_fails_at_the_deadline_with_the_reason(
    papertrend_data_dir, run_dag, quick_looks, monkeypatch, task_log
):
    monkeypatch.setenv("PAPERTREND_DIGEST_DEADLINE_HOURS", deadline_in(4))
    started = datetime.now(timezone.utc)

    outcome = run_dag("ingest_digests", logical_date=DAY)

    assert (datetime.now(timezone.utc) - started).total_seconds() >= 4, "failed before the deadline"
    assert (outcome.state, outcome.task_states) == (
        "failed",
        {
            "collect_dumps": "failed",
            "refetch_recent_days": "upstream_failed",
            "land": "upstream_failed",
            "report_rejections": "upstream_failed",
        },
    )
    assert reschedules(outcome.run_id) >= 2, "the sensor should have waited, rescheduled, until the deadline"
    assert not (papertrend_data_dir / "lake" / "digest_entries").exists()
    log = task_log()
    assert "failed: no digest for 2025-07-01 in inbox" in log
    assert "has passed" in log


def test_a_day_whose_deadline_passed_long_ago_fails_at_once(papertrend_data_dir, run_dag, monkeypatch, task_log):
    """Re-running an old day with no dump (a typo in the date, a lost file) fails
    at the first look instead of waiting: nothing more will arrive."""
    monkeypatch.delenv("PAPERTREND_DIGEST_DEADLINE_HOURS", raising=False)  # 36 h: 2025-07-01 is long past

    outcome = run_dag("ingest_digests", logical_date=DAY)

    assert (outcome.state, outcome.task_states) == (
        "failed",
        {
            "collect_dumps": "failed",
            "refetch_recent_days": "upstream_failed",
            "land": "upstream_failed",
            "report_rejections": "upstream_failed",
        },
    )
    assert reschedules(outcome.run_id) == 0
    assert "failed: no digest for 2025-07-01 in inbox" in task_log()
