"""The pipeline's steps as plain functions, for the DAGs and the CLI.

DAG files stay thin: each task calls one function here. Nothing here imports
Airflow, so every step is testable (and runnable) without it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from papertrend.settings import Settings, get_settings

log = logging.getLogger(__name__)


class NoDigestYet(Exception):
    """No dump for the day has arrived, and its deadline has not passed: try later."""


class DigestOverdue(Exception):
    """No dump for the day arrived before its deadline: someone should look."""


def collect_dumps_for_day(
    day: date,
    *,
    http_base_url: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """The dumps to ingest for ``day``: what is in the inbox, else what the HTTP
    source (when configured) serves for the day, fetched into the inbox first so
    it is archived and ingested like any other dump."""
    from papertrend.sources.inbox import find_dumps_for_date

    settings = settings or get_settings()
    dumps = find_dumps_for_date(settings.inbox_dir, day)
    if not dumps and http_base_url:
        from papertrend.sources.hf_api import fetch_daily_papers

        fetched = fetch_daily_papers(http_base_url, day, settings.inbox_dir)
        dumps = [fetched] if fetched else []
    if dumps:
        return dumps

    deadline = digest_deadline(day, settings)
    where = f"inbox {settings.inbox_dir}" + (f" or {http_base_url}" if http_base_url else "")
    if (now or datetime.now(timezone.utc)) > deadline:
        raise DigestOverdue(f"no digest for {day} in {where}, and its deadline {deadline:%Y-%m-%d %H:%M} UTC has passed")
    raise NoDigestYet(f"no digest for {day} in {where} yet (deadline {deadline:%Y-%m-%d %H:%M} UTC)")


def digest_deadline(day: date, settings: Settings) -> datetime:
    """A day's digest is overdue this many hours after the day began (UTC)."""
    start_of_day = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return start_of_day + timedelta(hours=settings.digest_deadline_hours)


class NothingNew(Exception):
    """Every dump was already landed (unchanged): the lake did not change, so
    there is nothing to announce and no warehouse to rebuild."""


# The ledger statuses that change the lake.
LAKE_CHANGING_STATUSES = ("landed", "replaced", "reobserved")


def refetch_recent_days(
    day: date,
    *,
    http_base_url: str | None,
    settings: Settings | None = None,
    lookback_days: int | None = None,
) -> dict[Path, date]:
    """Fetch the API's ``lookback_days`` days before ``day`` again into the inbox
    (default: the settings' ``upvote_lookback_days``), so that their upvotes,
    which keep moving for a week or two, are observed again; returns each
    dump fetched with its day. Without an HTTP source there is nothing to
    re-fetch. A day that fails to fetch is logged and left out: a missed
    observation loses nothing, and the day's own digest must still land."""
    from papertrend.sources.hf_api import FetchError, fetch_daily_papers

    settings = settings or get_settings()
    lookback_days = settings.upvote_lookback_days if lookback_days is None else lookback_days
    if not http_base_url or lookback_days <= 0:
        log.info("no upvote re-fetch: %s", "no HTTP source" if not http_base_url else "lookback of 0 days")
        return {}
    fetched: dict[Path, date] = {}
    for earlier in (day - timedelta(days=n) for n in range(1, lookback_days + 1)):
        try:
            dump = fetch_daily_papers(http_base_url, earlier, settings.inbox_dir)
        except FetchError as error:
            log.warning("upvote re-fetch of %s failed, its counts are not observed today: %s", earlier, error)
            continue
        if dump:
            fetched[dump] = earlier
    log.info("re-fetched %d of the last %d day(s) to observe their upvotes", len(fetched), lookback_days)
    return fetched


def ingest_batch(
    dumps: list[Path],
    day: date | None,
    settings: Settings | None = None,
    *,
    refetched: Mapping[Path, date] | None = None,
    observed_on: date | None = None,
) -> dict:
    """Ingest through the quality gate and log one line per dump: ``dumps`` for
    ``day`` (None: each dump's own date) and the ``refetched`` dumps of earlier
    days (:func:`refetch_recent_days`), each for its day, their upvotes seen on
    ``observed_on`` (default: today).

    Returns ``{"lines": [...], "changed": [...], "rejected": [reasons]}`` when
    some dump was landed or replaced: the caller announces the lake update (so
    the warehouse is rebuilt with them) and reports any rejections afterwards
    (see :func:`raise_for_rejections`). When nothing changed the lake it raises
    instead, so that nothing is announced: IngestRejected when some dump was
    rejected (listing them), NothingNew when every dump was unchanged."""
    from papertrend.ingest import IngestRejected, ingest_dumps

    digest_dates = {**{dump: day for dump in dumps}, **refetched} if refetched else day
    outcomes = ingest_dumps(
        [*dumps, *(refetched or {})], digest_dates, settings=settings, observed_on=observed_on
    )
    lines = [outcome.summary_line() for outcome in outcomes]
    for line in lines:
        log.info("%s", line)
    changed = [line for outcome, line in zip(outcomes, lines) if outcome.status in LAKE_CHANGING_STATUSES]
    if not changed:
        if any(outcome.rejected for outcome in outcomes):
            raise IngestRejected.from_outcomes(outcomes)
        raise NothingNew(
            f"nothing new: {len(outcomes)} dump(s) unchanged (landed before with the same bytes); "
            "no lake update, so no warehouse build"
        )
    return {"lines": lines, "changed": changed, "rejected": [o.reason for o in outcomes if o.rejected]}


def raise_for_rejections(batch: dict) -> None:
    """Fail loudly, after the accepted dumps were announced, if any dump was rejected."""
    from papertrend.ingest import IngestRejected

    if batch["rejected"]:
        raise IngestRejected(batch["rejected"], total=len(batch["lines"]))


def dumps_between(
    first_day: date,
    last_day: date,
    settings: Settings | None = None,
    *,
    http_base_url: str | None = None,
) -> list[Path]:
    """Every inbox dump for the days in [first_day, last_day], for a backfill.

    With the HTTP source on, the days that have no dump in the inbox are fetched
    first, a month per request series (``fetch_daily_papers_range``), into the
    inbox: one dump per day, as a daily run would fetch it. Days that already
    have a dump keep it (no second dump for a day)."""
    from papertrend.sources.inbox import find_dumps_for_date

    settings = settings or get_settings()
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    missing = [day for day in days if not find_dumps_for_date(settings.inbox_dir, day)]
    if missing and http_base_url:
        _fetch_days_into_inbox(http_base_url, set(missing), settings)
    return [dump for day in days for dump in find_dumps_for_date(settings.inbox_dir, day)]


def _fetch_days_into_inbox(http_base_url: str, days: set[date], settings: Settings) -> None:
    """Fetch the months covering ``days`` into a scratch folder, then move only
    those days' dumps into the inbox (each with one atomic rename)."""
    import os
    import tempfile

    from papertrend.sources.hf_api import fetch_daily_papers_range

    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.inbox_dir, prefix=".fetch-") as scratch:
        fetched = fetch_daily_papers_range(http_base_url, min(days), max(days), Path(scratch))
        wanted = [dump for dump in fetched if date.fromisoformat(dump.name[:10]) in days]
        for dump in wanted:
            os.replace(dump, settings.inbox_dir / dump.name)
    log.info("fetched %d of %d missing day(s) from %s", len(wanted), len(days), http_base_url)


def build_and_publish_warehouse(settings: Settings | None = None, full_refresh: bool = False) -> dict:
    """One `dbt build` for the whole project, then publish; logs dbt's result
    for every model and test (status, rows, seconds) so the task log tells
    what was built. Raises WarehouseBuildError (nothing published) on failure."""
    from papertrend.warehouse import build_warehouse

    report = build_warehouse(settings, full_refresh=full_refresh)
    for node in report.nodes:
        rows = "" if node.rows_affected is None else f"{node.rows_affected} rows"
        log.info("%-10s %-9s %-45s %10s %6.2fs", node.resource_type, node.status, node.name, rows, node.seconds)
    log.info("%s", report.summary())
    return {
        "summary": report.summary(),
        "serving_db_path": str(report.serving_db_path),
        "mart_row_counts": report.mart_row_counts,
        "dbt_build_seconds": report.dbt_build_seconds,
    }


def build_sample_warehouse(data_dir: Path) -> Path:
    """The bundled samples landed and built in ``data_dir`` (as `make run` lands them);
    returns the serving file. For the benchmarks and scripts that need a sample warehouse."""
    import os

    from papertrend.ingest import ingest_or_raise
    from papertrend.settings import SAMPLES_DIR
    from papertrend.warehouse import build_warehouse

    settings = Settings(data_dir=data_dir)
    # dbt's sources read the lake's path from the environment
    os.environ["PAPERTREND_DATA_DIR"] = str(data_dir)
    ingest_or_raise(sorted(SAMPLES_DIR.iterdir()), settings=settings)
    return build_warehouse(settings).serving_db_path
