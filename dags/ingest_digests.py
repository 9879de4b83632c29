"""
### ingest_digests

Lands one day's trending-papers digest in the lake.

1. **collect_dumps** (a sensor): the day's dumps in the inbox
   (`$PAPERTREND_DATA_DIR/inbox`, any file with the date as `YYYY-MM-DD` in its
   name); when there is none and the `papertrend_hf_api` connection exists, the
   Hugging Face daily-papers API is fetched into the inbox. No dump yet: it
   looks again every 10 minutes, in reschedule mode (state `up_for_reschedule`,
   no worker slot held in between), so a digest that arrives late is still
   caught. Still none `PAPERTREND_DIGEST_DEADLINE_HOURS` (default 36) after the
   day began: it **fails**, saying so in its log.
2. **refetch_recent_days**: with the `papertrend_hf_api` connection, fetches
   the API's last `upvote_lookback_days` days again (param; default
   `PAPERTREND_UPVOTE_LOOKBACK_DAYS`, 7) into the inbox: upvotes keep moving
   for a week or two after a paper's day, and each fetch is kept as that
   day's upvote observation. A day that fails to fetch is a warning, not a
   failure. Without the connection it does nothing.
3. **land**: parse, stage, validate with Great Expectations, promote the day's
   dumps and the re-fetched ones (a re-fetch whose only change is its upvotes
   says `reobserved`). A dump that
   fails is quarantined with its reason; the lake keeps its previous state for
   that day. Only when a dump was landed, replaced or reobserved does it update the
   `papertrend_lake` asset: when every dump was `unchanged` (already landed) it
   is **skipped**, so no warehouse build is triggered for nothing; when nothing
   landed and some dump was rejected it **fails** (no retry: the same bytes
   would fail again), listing the rejections.
4. **report_rejections**: fails the run, listing every rejection, when some dump
   was rejected. It runs after `land` has announced the lake update, so the
   accepted dumps still reach the warehouse.

The run dated D ingests the digest of day D (override with the `digest_date`
param); the upvotes it lands count as seen on day D. A landed, replaced or
reobserved dump updates the `papertrend_lake` asset, which
triggers `build_warehouse`. One run at a time: the lake has a single writer;
`land` runs in the `papertrend_writer` pool (one slot), shared with the other
DAGs' writing tasks. Every skip or failure states its reason in the task log.

On an `s3://` data root, `land` takes the store's endpoint and credentials from the
`papertrend_s3` connection when it exists, else from the `AWS_*` variables.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, PokeReturnValue, dag, task

from papertrend.assets import LAKE
from papertrend.pools import WRITER_POOL

# How often collect_dumps looks for a late digest. Between looks the sensor is
# rescheduled: it holds no worker slot.
POKE_INTERVAL = timedelta(minutes=10)
# Any one try of a task (one look of the sensor, HTTP fetch included) is killed
# past this: a day's fetch has its own deadline (PAPERTREND_HTTP_DEADLINE_SECONDS,
# default 10 minutes) and a day's landing takes seconds.
TASK_TIMEOUT = timedelta(minutes=30)


@dag(
    dag_id="ingest_digests",
    # Late in the UTC day, when the day's digest has been published.
    schedule=CronTriggerTimetable("0 23 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 7, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "papertrend",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": TASK_TIMEOUT,
    },
    tags=["papertrend", "ingest"],
    doc_md=__doc__,
    params={
        "digest_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Digest day to ingest (YYYY-MM-DD); empty means the run's logical date.",
        ),
        "upvote_lookback_days": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            description="Days before the digest day fetched again from the API to observe their upvotes; "
            "empty means PAPERTREND_UPVOTE_LOOKBACK_DAYS (default 7), 0 none.",
        ),
    },
)
def ingest_digests():
    # The digest deadline (checked on every look) is what ends the wait; the
    # sensor timeout is only a backstop, longer than any sensible deadline.
    @task.sensor(mode="reschedule", poke_interval=POKE_INTERVAL, timeout=timedelta(days=7))
    def collect_dumps(params=None, logical_date=None, task=None) -> PokeReturnValue:
        import logging
        from datetime import datetime, timezone

        from papertrend.pipeline import DigestOverdue, NoDigestYet, collect_dumps_for_day
        from papertrend.sources.connection import http_base_url
        from papertrend.task_outcomes import fail

        day = _digest_day(params, logical_date)
        try:
            dumps = collect_dumps_for_day(day, http_base_url=http_base_url())
        except NoDigestYet as waiting:
            next_look = datetime.now(timezone.utc) + timedelta(seconds=task.poke_interval)
            logging.getLogger("papertrend.dags").info(
                "waiting: %s; next look at %s UTC", waiting, f"{next_look:%H:%M:%S}"
            )
            return PokeReturnValue(is_done=False)
        except DigestOverdue as overdue:
            fail(str(overdue))
        return PokeReturnValue(
            is_done=True, xcom_value={"digest_date": day.isoformat(), "dumps": [str(path) for path in dumps]}
        )

    @task
    def refetch_recent_days(collected: dict, params=None) -> dict[str, str]:
        """The re-fetched dumps of the last days, {path: day}; {} without the HTTP source."""
        from datetime import date

        from papertrend.pipeline import refetch_recent_days as refetch
        from papertrend.sources.connection import http_base_url

        fetched = refetch(
            date.fromisoformat(collected["digest_date"]),
            http_base_url=http_base_url(),
            lookback_days=(params or {}).get("upvote_lookback_days"),
        )
        return {str(path): day.isoformat() for path, day in fetched.items()}

    @task(outlets=[LAKE], pool=WRITER_POOL)
    def land(collected: dict, refetched: dict[str, str]) -> dict:
        """Updates the lake asset only when a dump was landed, replaced or reobserved: a
        skip or a failure emits no asset event, so build_warehouse is not triggered for nothing."""
        from datetime import date
        from pathlib import Path

        from papertrend.ingest import IngestRejected
        from papertrend.pipeline import NothingNew, ingest_batch
        from papertrend.s3_connection import s3_credentials
        from papertrend.task_outcomes import fail, skip

        day = date.fromisoformat(collected["digest_date"])
        try:
            with s3_credentials():
                return ingest_batch(
                    [Path(p) for p in collected["dumps"]], day,
                    refetched={Path(p): date.fromisoformat(d) for p, d in refetched.items()},
                    observed_on=day,
                )
        except NothingNew as nothing_new:
            skip(str(nothing_new))
        except IngestRejected as rejected:  # nothing landed: no lake update to announce
            fail(str(rejected))

    @task(retries=0)  # the same rejected bytes would be rejected again
    def report_rejections(batch: dict) -> None:
        """Runs after the lake update was announced, so accepted dumps still reach
        the warehouse while the run turns red for the rejected ones."""
        from papertrend.ingest import IngestRejected
        from papertrend.pipeline import raise_for_rejections
        from papertrend.task_outcomes import fail

        try:
            raise_for_rejections(batch)
        except IngestRejected as rejected:
            fail(str(rejected))

    collected = collect_dumps()
    report_rejections(land(collected, refetch_recent_days(collected)))


def _digest_day(params, logical_date):
    from datetime import date

    if params and params.get("digest_date"):
        return date.fromisoformat(params["digest_date"])
    return logical_date.date()


ingest_digests()
