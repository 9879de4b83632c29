"""Upvote history (issue 12, item 4) and several sources per day in the
warehouse (item 6): the real DAGs under ``dag.test()``, the real HTTP source
on a loopback API whose upvotes move from day to day, the real dbt build.

A week of operations in a few runs: the API serves days 1 to 3; each daily
run fetches its day and the API's last days again; a text digest of day 1
arrives after the API's JSON of day 1. The ingest-level tests at the end pin
the ledger statuses without Airflow.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pendulum
import pyarrow.parquet as pq
import pytest

from papertrend.ingest import ingest_dumps
from papertrend.landing.ledger import read_ledger
from tests.conftest import HF_API_SAMPLE, TEXT_SAMPLE, copy_sample
from tests.integration.conftest import loopback_json_api
from tests.integration.test_dags import query, run_dag_test

pytestmark = pytest.mark.slow

DAY_1, DAY_2, DAY_3 = (pendulum.datetime(2025, 7, day, tz="UTC") for day in (1, 2, 3))
# CATSplat (first of day 1, also first of the text digest of day 1) as the API
# counts it on the evening of each day: it peaks on day 2, then loses a few.
CATSPLAT_UPVOTES = {DAY_1.date(): 10, DAY_2.date(): 30, DAY_3.date(): 25}
CATSPLAT_ID = "2412.00001"


def api_items(day: dt.date) -> list[dict]:
    """The API's list for a day: the HF sample for day 1 (two papers of the
    text digest of day 1); for later days, the same two papers renamed, so
    that each day lists papers of its own."""
    items = copy.deepcopy(json.loads(HF_API_SAMPLE.read_text()))
    if day != DAY_1.date():
        for number, item in enumerate(items, start=1):
            item["paper"]["id"] = f"2507.{day.day:03d}{number:02d}"
            item["title"] = item["paper"]["title"] = f"Day {day.day} paper {number}: {item['paper']['title']}"
    return items


@dataclass
class MovingUpvotesApi:
    """A loopback daily-papers API serving days 1 to 3 (404 for any other day),
    with the upvotes as they stand on ``today``."""

    base_url: str = ""
    today: dt.date = DAY_1.date()
    requested_days: list[str] = field(default_factory=list)

    def respond(self, path: str, query: dict[str, str]) -> tuple[int, object]:
        self.requested_days.append(query.get("date", ""))
        day = dt.date.fromisoformat(query["date"])
        if not DAY_1.date() <= day <= min(DAY_3.date(), self.today):
            return 404, {"error": "no daily papers"}
        items = api_items(day) if query.get("p", "0") == "0" else []
        for number, item in enumerate(items):
            item["paper"]["upvotes"] = CATSPLAT_UPVOTES[self.today] - 7 * number
        return 200, items


@pytest.fixture(scope="module")
def moving_upvotes_api() -> Iterator[MovingUpvotesApi]:
    api = MovingUpvotesApi()
    with loopback_json_api(api.respond) as api.base_url:
        yield api


@dataclass(frozen=True)
class ThreeDays:
    data_dir: Path
    ingest_states: list[str]
    build_state: str


@pytest.fixture(scope="module")
def three_days(dag_bag, moving_upvotes_api, tmp_path_factory) -> Iterator[ThreeDays]:
    """Day 1 from the API, the text digest of day 1 arriving after it, days 2 and 3
    from the API (each run re-fetching the days before), then one warehouse build."""
    data_dir = tmp_path_factory.mktemp("upvote_history") / "data"
    states = []
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PAPERTREND_DATA_DIR", str(data_dir))
        env.setenv("AIRFLOW_CONN_PAPERTREND_HF_API", moving_upvotes_api.base_url)
        for day, late_text in ((DAY_1, False), (DAY_1, True), (DAY_2, False), (DAY_3, False)):
            moving_upvotes_api.today = day.date()
            if late_text:
                copy_sample(TEXT_SAMPLE, data_dir / "inbox")
            states.append(run_dag_test(dag_bag, "ingest_digests", logical_date=day).state)
        build = run_dag_test(dag_bag, "build_warehouse", logical_date=DAY_3)
        yield ThreeDays(data_dir, states, build.state)


def ledger(data_dir: Path) -> list[tuple[str, str, str]]:
    rows = read_ledger(data_dir / "lake" / "ingest_ledger").to_pylist()
    return [(str(row["digest_date"]), row["source_format"], row["status"]) for row in rows]


def test_each_run_refetches_the_last_days_and_a_changed_count_is_reobserved(three_days, moving_upvotes_api):
    assert three_days.ingest_states == ["success"] * 4
    assert ledger(three_days.data_dir) == [
        ("2025-07-01", "hf_api", "landed"),
        ("2025-07-01", "hf_api", "unchanged"),  # the rerun of day 1 for the late text digest
        ("2025-07-01", "text", "landed"),  # a second source for the day: landed, not replaced
        ("2025-07-02", "hf_api", "landed"),
        ("2025-07-01", "hf_api", "reobserved"),  # only the upvotes moved: no history lost
        ("2025-07-03", "hf_api", "landed"),
        ("2025-07-02", "hf_api", "reobserved"),
        ("2025-07-01", "hf_api", "reobserved"),
    ]
    # The default lookback is 7 days: day 3's run asked for June 26 to July 3.
    assert "2025-06-26" in moving_upvotes_api.requested_days


def test_upvotes_seen_on_three_days_are_three_rows_and_papers_keeps_the_peak(three_days):
    assert three_days.build_state == "success"
    rows = query(
        three_days.data_dir,
        "select observed_date, digest_date, days_since_digest, upvotes, upvotes_gained, upvote_rank"
        " from paper_upvotes_daily join papers using (paper_id) where papers.arxiv_id = ? order by observed_date",
        CATSPLAT_ID,
    )
    assert rows == [
        (DAY_1.date(), DAY_1.date(), 0, 10, None, 1),
        (DAY_2.date(), DAY_1.date(), 1, 30, 20, 1),
        (DAY_3.date(), DAY_1.date(), 2, 25, -5, 1),
    ]
    [(latest, peak)] = query(
        three_days.data_dir, "select latest_upvotes, peak_upvotes from papers where arxiv_id = ?", CATSPLAT_ID
    )
    assert (latest, peak) == (25, 30)


def test_a_text_digest_after_the_api_json_keeps_ids_authors_upvotes_and_code_links(three_days):
    data_dir = three_days.data_dir
    assert sorted(p.name for p in (data_dir / "lake/digest_entries/digest_date=2025-07-01").iterdir()) == [
        "hf_api.parquet", "text.parquet"
    ]
    [(arxiv_id, authors, has_code, latest)] = query(
        data_dir, "select arxiv_id, authors, has_code, latest_upvotes from papers where title like 'CATSplat:%'"
    )
    assert (arxiv_id, has_code, latest) == (CATSPLAT_ID, True, 25)
    assert authors and all(authors)
    assert ("https://github.com/example/CATSplat", "code") in query(
        data_dir,
        "select url, link_kind from paper_links join papers using (paper_id) where papers.arxiv_id = ?",
        CATSPLAT_ID,
    )
    # The day is one digest: the text digest's 290 papers, the API's two among them,
    # which the API (the precedence source) places and counts.
    [(appearances, from_api)] = query(
        data_dir,
        "select count(*), count(*) filter (where source_format = 'hf_api') from digest_appearances"
        " where digest_date = ?",
        DAY_1.date(),
    )
    assert (appearances, from_api) == (290, 2)


# -- the statuses, without Airflow --------------------------------------------


@pytest.fixture
def api_dump(dump_dir):
    def write(upvotes: int, title_suffix: str = "") -> Path:
        items = json.loads(HF_API_SAMPLE.read_text())
        for item in items:
            item["paper"]["upvotes"] = upvotes
            item["paper"]["title"] += title_suffix
        path = dump_dir / "2025-07-02_hf_daily_papers.json"
        path.write_text(json.dumps(items))
        return path

    return write


def observations(settings) -> dict[str, list[int]]:
    return {
        str(path.relative_to(settings.upvote_observations_dir)): pq.read_table(path).column("upvotes").to_pylist()
        for path in sorted(settings.upvote_observations_dir.rglob("*.parquet"))
    }


def test_a_refetch_with_new_counts_is_reobserved_and_both_counts_are_kept(data_root, api_dump):
    day_2, day_4 = dt.date(2025, 7, 2), dt.date(2025, 7, 4)
    [first] = ingest_dumps([api_dump(upvotes=5)], observed_on=day_2)
    [again] = ingest_dumps([api_dump(upvotes=9)], observed_on=day_4)
    [same] = ingest_dumps([api_dump(upvotes=9)], observed_on=dt.date(2025, 7, 5))

    assert (first.status, again.status, same.status) == ("landed", "reobserved", "unchanged")
    assert observations(data_root) == {
        "observed_date=2025-07-02/digest_date=2025-07-02/hf_api.parquet": [5, 5],
        "observed_date=2025-07-04/digest_date=2025-07-02/hf_api.parquet": [9, 9],
    }
    landed = pq.read_table(data_root.digest_entries_dir / "digest_date=2025-07-02" / "hf_api.parquet")
    assert landed.column("upvotes").to_pylist() == [9, 9], "the day's file holds the latest counts"
    assert [row["status"] for row in read_ledger(data_root.ledger_dir).to_pylist()] == [
        "landed", "reobserved", "unchanged"
    ]


def test_a_refetch_that_changes_a_paper_is_replaced_and_its_counts_still_kept(data_root, api_dump):
    ingest_dumps([api_dump(upvotes=5)], observed_on=dt.date(2025, 7, 2))
    [changed] = ingest_dumps([api_dump(upvotes=6, title_suffix=" (v2)")], observed_on=dt.date(2025, 7, 3))

    assert changed.status == "replaced"
    assert list(observations(data_root).values()) == [[5, 5], [6, 6]]
