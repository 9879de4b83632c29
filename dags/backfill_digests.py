"""
### backfill_digests

Loads history in one go: every inbox dump for the days from `first_day` to
`last_day` is parsed, validated in **one** Great Expectations run and landed,
then `build_warehouse` runs **once** (through the `papertrend_lake` asset),
instead of one full DAG run per day.

With the `papertrend_hf_api` connection, the days without an inbox dump are
fetched from the daily-papers API first, a **month per request series**
(`month=YYYY-MM`), split into one dump per day exactly as a daily fetch writes it.

Trigger it by hand with the two params. The same batch path outside Airflow:
`papertrend backfill FOLDER`. Rejected dumps are quarantined; the accepted days
are landed and announced (the warehouse is rebuilt with them), then
`report_rejections` fails the run listing every rejection. A range whose dumps
were all landed before (`unchanged`) is skipped: nothing is announced, so no
warehouse build is triggered. `ingest_range` runs in the `papertrend_writer`
pool (one slot) with every other task that writes the data root, so a backfill
and a daily ingest take turns (`max_active_runs` only separates runs of one DAG).

On an `s3://` data root, `ingest_range` takes the store's endpoint and credentials from the
`papertrend_s3` connection when it exists, else from the `AWS_*` variables.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from papertrend.assets import LAKE
from papertrend.pools import WRITER_POOL

# A try is killed past this: three years of digests go through the gate in about
# a minute (README, benchmarks); hours mean something hangs.
TASK_TIMEOUT = timedelta(hours=3)


@dag(
    dag_id="backfill_digests",
    schedule=None,
    start_date=pendulum.datetime(2025, 7, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "papertrend",
        "retries": 0,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": TASK_TIMEOUT,
    },
    tags=["papertrend", "ingest", "backfill"],
    doc_md=__doc__,
    params={
        "first_day": Param("2025-07-01", type="string", format="date", description="first digest day"),
        "last_day": Param("2025-07-31", type="string", format="date", description="last digest day"),
    },
)
def backfill_digests():
    @task(outlets=[LAKE], pool=WRITER_POOL)
    def ingest_range(params=None) -> dict:
        """Updates the lake asset only when some dump was landed or replaced."""
        from datetime import date

        from papertrend.ingest import IngestRejected
        from papertrend.pipeline import NothingNew, dumps_between, ingest_batch
        from papertrend.s3_connection import s3_credentials
        from papertrend.sources.connection import http_base_url
        from papertrend.task_outcomes import fail, skip

        first_day, last_day = date.fromisoformat(params["first_day"]), date.fromisoformat(params["last_day"])
        dumps = dumps_between(first_day, last_day, http_base_url=http_base_url())
        if not dumps:
            skip(f"no dumps in the inbox (or from the HTTP source) for {first_day}..{last_day}")
        try:
            with s3_credentials():
                # No single date: each dump's date comes from its own name or `date` field.
                return ingest_batch(dumps, None)
        except NothingNew as nothing_new:
            skip(str(nothing_new))
        except IngestRejected as rejected:  # nothing landed
            fail(str(rejected))

    @task(retries=0)  # the same rejected bytes would be rejected again
    def report_rejections(batch: dict) -> None:
        """Fails the run for the rejected dumps, after the landed days were announced."""
        from papertrend.ingest import IngestRejected
        from papertrend.pipeline import raise_for_rejections
        from papertrend.task_outcomes import fail

        try:
            raise_for_rejections(batch)
        except IngestRejected as rejected:
            fail(str(rejected))

    report_rejections(ingest_range())


backfill_digests()
