"""The DAGs end to end with ``dag.test()``: inbox or HTTP in, serving file out.

Every test works on a temporary data root and the session's throwaway Airflow
home (SQLite). dbt builds cost ~15 s each, so one published warehouse
(``published_day``) is shared by the tests that only need to look at it or
check that it survives a failure; only the rerun test builds again.

Assets do not chain under ``dag.test()``: a test runs ``build_warehouse``
itself after ``ingest_digests`` and checks the lake asset event that would have
triggered it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pendulum
import pytest

from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE, TEXT_SAMPLE, copy_sample
from tests.integration.conftest import DagRunOutcome, _plain, loopback_json_api

pytestmark = pytest.mark.slow

DAY_1 = pendulum.datetime(2025, 7, 1, tz="UTC")
DAY_2 = pendulum.datetime(2025, 7, 2, tz="UTC")
LAKE_URI = "file:///papertrend/lake/digest_entries"
WAREHOUSE_URI = "file:///papertrend/warehouse/serving/warehouse.duckdb"
MARTS = (
    "papers", "topics", "paper_topics", "paper_links", "digest_appearances", "topic_daily_trends",
    "paper_upvotes_daily",
)


# -- helpers: what an operator would look at ---------------------------------


def lake_snapshot(data_dir: Path) -> dict[str, bytes]:
    """Every file of the landed dataset, by relative path, with its bytes."""
    root = data_dir / "lake" / "digest_entries"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def serving_path(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "serving" / "warehouse.duckdb"


def query(data_dir: Path, sql: str, *params) -> list[tuple]:
    """Ask the serving file, the way a dashboard does: read-only."""
    import duckdb

    with duckdb.connect(str(serving_path(data_dir)), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def mart_contents(data_dir: Path) -> dict[str, list[tuple]]:
    """Every row of every mart, in a stable order."""
    return {mart: query(data_dir, f"select * from {mart} order by all") for mart in MARTS}


def run_dag_test(dag_bag, dag_id: str, *, logical_date, conf=None) -> DagRunOutcome:
    """``run_dag`` for module-scoped fixtures (which cannot use the function-scoped one)."""
    dag = dag_bag.get_dag(dag_id)
    for task in dag.tasks:
        task.retries = 0
    dag_run = dag.test(logical_date=logical_date, run_conf=conf)
    return DagRunOutcome(
        dag_id=dag_id,
        run_id=dag_run.run_id,
        state=_plain(dag_run.state),
        task_states={ti.task_id: _plain(ti.state) for ti in dag_run.get_task_instances()},
    )


def lake_event_count() -> int:
    from sqlalchemy import func, select

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.scalar(
            select(func.count(AssetEvent.id))
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == LAKE_URI)
        )


# -- one published warehouse, shared -------------------------------------------


@dataclass(frozen=True)
class PublishedDay:
    data_dir: Path
    ingest: DagRunOutcome
    build: DagRunOutcome
    lake_events_added: int


@pytest.fixture(scope="module")
def published_day(dag_bag, tmp_path_factory) -> Iterator[PublishedDay]:
    """The text sample dropped in the inbox, ingested for 2025-07-01 and built."""
    data_dir = tmp_path_factory.mktemp("published") / "data"
    (data_dir / "inbox").mkdir(parents=True)
    copy_sample(TEXT_SAMPLE, data_dir / "inbox")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PAPERTREND_DATA_DIR", str(data_dir))
        events_before = lake_event_count()
        ingest = run_dag_test(dag_bag, "ingest_digests", logical_date=DAY_1)
        events_added = lake_event_count() - events_before
        build = run_dag_test(dag_bag, "build_warehouse", logical_date=DAY_1)
        yield PublishedDay(data_dir, ingest, build, events_added)


@pytest.fixture
def on_published_day(published_day: PublishedDay, monkeypatch: pytest.MonkeyPatch) -> PublishedDay:
    monkeypatch.setenv("PAPERTREND_DATA_DIR", str(published_day.data_dir))
    return published_day


def test_sample_digest_flows_from_the_inbox_to_the_serving_file(published_day):
    assert (published_day.ingest.state, published_day.ingest.task_states) == (
        "success",
        {
            "collect_dumps": "success",
            "refetch_recent_days": "success",
            "land": "success",
            "report_rejections": "success",
        },
    )
    assert published_day.lake_events_added == 1, "landing did not update the lake asset"
    assert published_day.build.state == "success", published_day.build.task_states

    data_dir = published_day.data_dir
    assert list(lake_snapshot(data_dir)) == ["digest_date=2025-07-01/text.parquet"]
    [(papers,)] = query(data_dir, "select count(*) from papers")
    [(appearances,)] = query(
        data_dir, "select count(*) from digest_appearances where digest_date = ?", DAY_1.date()
    )
    assert (papers, appearances) == (290, 290)
    [(first_title,)] = query(
        data_dir, "select p.title from digest_appearances a join papers p using (paper_id) where a.position = 1"
    )
    assert first_title.startswith("CATSplat: Context-Aware Transformer")
    assert (data_dir / "warehouse" / "marts" / "papers" / "papers.parquet").is_file()


def test_bad_dump_fails_the_gate_lands_nothing_and_keeps_the_serving_file(
    on_published_day, run_dag, asset_event_count
):
    data_dir = on_published_day.data_dir
    lake_before, serving_before = lake_snapshot(data_dir), serving_path(data_dir).read_bytes()
    events_before = asset_event_count(LAKE_URI)
    # A re-delivered digest for the same day that lost its last abstract line:
    # an odd number of content lines, which the parser refuses.
    inbox_file = data_dir / "inbox" / TEXT_SAMPLE.name
    good_bytes = inbox_file.read_bytes()
    inbox_file.write_bytes(b"".join(good_bytes.splitlines(keepends=True)[:-1]))
    try:
        outcome = run_dag("ingest_digests", logical_date=DAY_1)
    finally:
        inbox_file.write_bytes(good_bytes)

    assert (outcome.state, outcome.task_states["land"]) == ("failed", "failed")
    assert lake_snapshot(data_dir) == lake_before, "the good partition for the day was touched"
    assert asset_event_count(LAKE_URI) == events_before, "a failed ingest must not trigger a build"
    [quarantined] = [p for p in (data_dir / "quarantine").rglob("*") if p.name == TEXT_SAMPLE.name]
    assert quarantined.read_bytes() != good_bytes
    assert serving_path(data_dir).read_bytes() == serving_before
    [(appearances,)] = query(data_dir, "select count(*) from digest_appearances")
    assert appearances == 290


def test_running_the_same_day_twice_changes_nothing_and_announces_nothing(
    on_published_day, run_dag, asset_event_count, caplog
):
    data_dir = on_published_day.data_dir
    lake_before, marts_before = lake_snapshot(data_dir), mart_contents(data_dir)
    events_before = asset_event_count(LAKE_URI)
    caplog.set_level("INFO", logger="papertrend")

    rerun = run_dag("ingest_digests", logical_date=DAY_1)

    assert (rerun.state, rerun.task_states) == (
        "success",
        {
            "collect_dumps": "success",
            "refetch_recent_days": "success",
            "land": "skipped",
            "report_rejections": "skipped",
        },
    )
    assert asset_event_count(LAKE_URI) == events_before, "an unchanged dump must not trigger a warehouse build"
    assert "skipped: nothing new" in caplog.text, "the skip must say why in the task log"
    # Were the build triggered anyway (by hand), it would change nothing either.
    assert run_dag("build_warehouse", logical_date=DAY_1).state == "success"

    assert lake_snapshot(data_dir) == lake_before, "lake files changed on a rerun"
    assert mart_contents(data_dir) == marts_before, "serving marts changed on a rerun"


def test_an_unchanged_dump_beside_a_rejected_one_announces_nothing_and_fails(
    on_published_day, run_dag, asset_event_count, caplog
):
    data_dir = on_published_day.data_dir
    lake_before, events_before = lake_snapshot(data_dir), asset_event_count(LAKE_URI)
    bad_dump = data_dir / "inbox" / "2025-07-01_trending_resent.txt"
    bad_dump.write_text("Only a title line\n")
    caplog.set_level("INFO", logger="papertrend")
    try:
        outcome = run_dag("ingest_digests", logical_date=DAY_1)
    finally:
        bad_dump.unlink()

    assert (outcome.state, outcome.task_states["land"]) == ("failed", "failed")
    assert asset_event_count(LAKE_URI) == events_before, "nothing landed: nothing to announce"
    assert lake_snapshot(data_dir) == lake_before
    assert "failed: 1 of 2 dump(s) rejected" in caplog.text


# -- HTTP source, backfill: no warehouse build needed (late digests: test_late_digests.py)


@pytest.fixture
def daily_papers_server() -> Iterator[tuple[str, list[str]]]:
    """127.0.0.1:<free port> serving the HF sample for its day at /api/daily_papers
    (one page, then empty pages); yields the base URL and the requested paths."""
    items = json.loads(HF_API_SAMPLE.read_text())
    requests_seen: list[str] = []

    def respond(path: str, query_args: dict[str, str]) -> tuple[int, object]:
        requests_seen.append(f"{path}?{urlencode(query_args)}")
        # Under any prefix: the tests assert which path was asked for.
        if not path.endswith("/api/daily_papers") or query_args.get("date") != DAY_2.date().isoformat():
            return 404, {"error": "no daily papers for this date"}
        return 200, items if query_args.get("p", "0") == "0" else []

    with loopback_json_api(respond) as base_url:
        yield base_url, requests_seen


def test_http_source_fetches_into_the_inbox_and_lands_the_day(
    papertrend_data_dir, run_dag, monkeypatch, daily_papers_server
):
    import pyarrow.parquet as pq

    base_url, requests_seen = daily_papers_server
    monkeypatch.setenv("AIRFLOW_CONN_PAPERTREND_HF_API", base_url)

    outcome = run_dag("ingest_digests", logical_date=DAY_2)

    assert outcome.state == "success", outcome.task_states
    assert requests_seen and all(path.startswith("/api/daily_papers?") for path in requests_seen)
    fetched = papertrend_data_dir / "inbox" / "2025-07-02_hf_daily_papers.json"
    assert json.loads(fetched.read_text()) == json.loads(HF_API_SAMPLE.read_text())
    table = pq.read_table(papertrend_data_dir / "lake" / "digest_entries" / "digest_date=2025-07-02")
    assert table.num_rows == 2
    assert set(table.column("source_format").to_pylist()) == {"hf_api"}


def test_http_source_keeps_the_path_of_the_connection(
    papertrend_data_dir, run_dag, monkeypatch, daily_papers_server
):
    """A mirror serving the API under a prefix: the connection's path is not dropped."""
    base_url, requests_seen = daily_papers_server
    monkeypatch.setenv("AIRFLOW_CONN_PAPERTREND_HF_API", base_url + "/some/prefix")

    outcome = run_dag("ingest_digests", logical_date=DAY_2)

    assert outcome.state == "success", outcome.task_states
    assert requests_seen and all(path.startswith("/some/prefix/api/daily_papers?") for path in requests_seen)
    assert (papertrend_data_dir / "inbox" / "2025-07-02_hf_daily_papers.json").is_file()


def test_backfill_lands_every_day_of_the_range_in_one_run(papertrend_data_dir, run_dag, asset_event_count):
    inbox = papertrend_data_dir / "inbox"
    inbox.mkdir()
    for sample in (TEXT_SAMPLE, HF_API_SAMPLE, FLAT_JSON_SAMPLE):
        copy_sample(sample, inbox)
    events_before = asset_event_count(LAKE_URI)

    outcome = run_dag(
        "backfill_digests",
        logical_date=DAY_1,
        conf={"first_day": "2025-07-01", "last_day": "2025-07-03"},
    )

    assert (outcome.state, outcome.task_states) == ("success", {"ingest_range": "success", "report_rejections": "success"})
    assert list(lake_snapshot(papertrend_data_dir)) == [
        "digest_date=2025-07-01/text.parquet",
        "digest_date=2025-07-02/hf_api.parquet",
        "digest_date=2025-07-03/flat_json.parquet",
    ]
    assert asset_event_count(LAKE_URI) == events_before + 1, "one backfill run, one build"


def test_backfill_of_a_range_already_landed_announces_nothing(papertrend_data_dir, run_dag, asset_event_count):
    inbox = papertrend_data_dir / "inbox"
    inbox.mkdir()
    for sample in (TEXT_SAMPLE, HF_API_SAMPLE):
        copy_sample(sample, inbox)
    conf = {"first_day": "2025-07-01", "last_day": "2025-07-02"}
    assert run_dag("backfill_digests", logical_date=DAY_1, conf=conf).state == "success"
    events_before = asset_event_count(LAKE_URI)

    again = run_dag("backfill_digests", logical_date=DAY_1, conf=conf)

    assert (again.state, again.task_states) == ("success", {"ingest_range": "skipped", "report_rejections": "skipped"})
    assert asset_event_count(LAKE_URI) == events_before


def test_backfill_with_nothing_in_range_is_skipped(papertrend_data_dir, run_dag):
    shutil.rmtree(papertrend_data_dir / "inbox", ignore_errors=True)
    outcome = run_dag("backfill_digests", logical_date=DAY_1, conf={"first_day": "2025-07-01", "last_day": "2025-07-03"})
    assert (outcome.state, outcome.task_states) == ("success", {"ingest_range": "skipped", "report_rejections": "skipped"})


def test_backfill_with_one_bad_dump_still_announces_the_days_it_landed(
    papertrend_data_dir, run_dag, asset_event_count
):
    inbox = papertrend_data_dir / "inbox"
    inbox.mkdir()
    copy_sample(TEXT_SAMPLE, inbox)
    (inbox / "2025-07-02_trending.txt").write_text("Only a title line\n")
    events_before = asset_event_count(LAKE_URI)

    outcome = run_dag("backfill_digests", logical_date=DAY_1, conf={"first_day": "2025-07-01", "last_day": "2025-07-02"})

    assert list(lake_snapshot(papertrend_data_dir)) == ["digest_date=2025-07-01/text.parquet"]
    assert outcome.state == "failed", "the rejection must stay visible"
    assert asset_event_count(LAKE_URI) == events_before + 1, "the landed day must reach the warehouse"
