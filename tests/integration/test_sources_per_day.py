"""Several sources per day (issue 12, item 6): a day keeps one landed dump per
source format; a second format lands beside the first (`landed`), a second
dump of the same format replaces it (`replaced`). Real files, the real gate."""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow.parquet as pq
import pytest

from papertrend.ingest import ingest_dumps
from papertrend.landing.ledger import read_ledger
from tests.conftest import HF_API_SAMPLE, TEXT_SAMPLE, copy_sample

DAY = dt.date(2025, 7, 1)


@pytest.fixture
def api_json(dump_dir):
    """The HF API sample as the API's dump of DAY (the text sample's day)."""
    return copy_sample(HF_API_SAMPLE, dump_dir, f"{DAY}_hf_daily_papers.json")


def day_files(settings) -> dict[str, str]:
    """The day's lake files by name, with the source checksum each holds."""
    partition = settings.digest_entries_dir / f"digest_date={DAY}"
    return {
        path.name: pq.read_table(path, columns=["source_sha256"]).column(0)[0].as_py()
        for path in sorted(partition.glob("*.parquet"))
    }


def ledger_statuses(settings) -> list[tuple[str, str]]:
    return [(row["status"], row["source_format"]) for row in read_ledger(settings.ledger_dir).to_pylist()]


def test_a_text_dump_after_the_api_json_lands_beside_it(data_root, api_json):
    api, text = ingest_dumps([api_json], DAY) + ingest_dumps([TEXT_SAMPLE], DAY)

    assert (api.status, text.status) == ("landed", "landed")
    assert list(day_files(data_root)) == ["hf_api.parquet", "text.parquet"]
    assert ledger_statuses(data_root) == [("landed", "hf_api"), ("landed", "text")]


def test_a_second_dump_of_the_same_format_still_replaces_and_leaves_the_other(data_root, dump_dir, api_json):
    ingest_dumps([api_json, TEXT_SAMPLE], DAY)
    api_checksum = day_files(data_root)["hf_api.parquet"]
    shorter = copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-01_trending_resent.txt")
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    shorter.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")

    [outcome] = ingest_dumps([shorter])

    assert (outcome.status, outcome.row_count) == ("replaced", 289)
    files = day_files(data_root)
    assert files["hf_api.parquet"] == api_checksum
    assert pq.read_metadata(data_root.digest_entries_dir / f"digest_date={DAY}" / "text.parquet").num_rows == 289
    assert [status for status, _ in ledger_statuses(data_root)] == ["landed", "landed", "replaced"]


def test_the_same_bytes_again_are_unchanged_whatever_else_the_day_holds(data_root, api_json):
    ingest_dumps([api_json, TEXT_SAMPLE], DAY)
    before = day_files(data_root)

    assert [o.status for o in ingest_dumps([TEXT_SAMPLE, api_json], DAY)] == ["unchanged", "unchanged"]
    assert day_files(data_root) == before


def test_a_day_of_an_older_lake_keeps_working_without_migration(data_root, api_json):
    """A lake from before one file per format holds part-0.parquet: a dump of another
    format lands beside it, one of its own format replaces it (and it is renamed first,
    so the day never holds two files of one format)."""
    ingest_dumps([api_json], DAY)
    partition = data_root.digest_entries_dir / f"digest_date={DAY}"
    shutil.move(partition / "hf_api.parquet", partition / "part-0.parquet")
    legacy_checksum = day_files(data_root)["part-0.parquet"]

    [text] = ingest_dumps([TEXT_SAMPLE], DAY)
    assert text.status == "landed"
    assert day_files(data_root) == {"hf_api.parquet": legacy_checksum, "text.parquet": text_checksum(data_root)}

    assert [o.status for o in ingest_dumps([api_json], DAY)] == ["unchanged"]


def text_checksum(settings) -> str:
    return pq.read_table(
        settings.digest_entries_dir / f"digest_date={DAY}" / "text.parquet", columns=["source_sha256"]
    ).column(0)[0].as_py()
