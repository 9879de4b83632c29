"""Statuses within one batch follow input order (issue 13, item 8): each dump's
status says what it did to its day at its turn, and the lake ends holding the
last good dump for the day. Real files, the real quality gate."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from papertrend.ingest import ingest_dumps
from papertrend.landing.ledger import read_ledger
from tests.conftest import TEXT_SAMPLE, copy_sample


@pytest.fixture
def a_and_b(dump_dir):
    """Two different dumps for 2025-07-01: the sample (A) and the sample without its last paper (B)."""
    a = TEXT_SAMPLE
    b = copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-01_trending_v2.txt")
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    b.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    return a, b


def lake_holds(settings) -> tuple[str, int]:
    table = pq.read_table(settings.digest_entries_dir / "digest_date=2025-07-01" / "text.parquet")
    return table.column("source_uri")[0].as_py(), table.num_rows


def statuses(outcomes) -> list[str]:
    return [o.status for o in outcomes]


def ledger_statuses(settings) -> list[str]:
    return [row["status"] for row in read_ledger(settings.ledger_dir).to_pylist()]


def test_two_dumps_for_a_new_day_land_then_replace(data_root, a_and_b):
    a, b = a_and_b
    assert statuses(ingest_dumps([a, b])) == ["landed", "replaced"]
    assert lake_holds(data_root) == (str(b), 289)
    assert sorted(ledger_statuses(data_root)) == ["landed", "replaced"]


def test_a_b_a_on_a_new_day_ends_with_a_and_says_replaced(data_root, a_and_b):
    a, b = a_and_b
    assert statuses(ingest_dumps([a, b, a])) == ["landed", "replaced", "replaced"]
    assert lake_holds(data_root) == (str(a), 290)


def test_a_b_a_on_a_day_holding_a(data_root, a_and_b):
    a, b = a_and_b
    ingest_dumps([a])
    assert statuses(ingest_dumps([a, b, a])) == ["unchanged", "replaced", "replaced"]
    assert lake_holds(data_root) == (str(a), 290)


def test_b_then_a_on_a_day_holding_a(data_root, a_and_b):
    a, b = a_and_b
    ingest_dumps([a])
    assert statuses(ingest_dumps([b, a])) == ["replaced", "replaced"]
    assert lake_holds(data_root) == (str(a), 290)


def test_the_same_dump_twice_in_a_batch_lands_once(data_root, a_and_b):
    a, _ = a_and_b
    assert statuses(ingest_dumps([a, a])) == ["landed", "unchanged"]
    assert lake_holds(data_root) == (str(a), 290)
    assert not list(data_root.staging_dir.glob("*/*"))
