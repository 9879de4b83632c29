"""Landing dumps end to end: parse, stage, the real quality gate, promote, ledger.

Each test works on its own temporary data root, the way an operator would look
at it: the Parquet files, the ledger, the quarantine folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from papertrend.ingest import Dump, ingest_dumps
from papertrend.landing import files as landing_files
from papertrend.landing.ledger import read_ledger
from papertrend.schema import DIGEST_ENTRIES_FILE_SCHEMA
from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE, TEXT_SAMPLE, copy_sample


def lake_rows(settings, day: str, source_format: str | None = None):
    """A day's landed rows: its one file, or the file of ``source_format``."""
    partition = settings.digest_entries_dir / f"digest_date={day}"
    [path] = [partition / f"{source_format}.parquet"] if source_format else partition.glob("*.parquet")
    return pq.read_table(path)


def lake_snapshot(settings) -> dict[str, bytes]:
    """Every visible file of the lake, by relative path, with its bytes."""
    root = settings.digest_entries_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_real_sample_lands_290_rows_in_order_with_the_exact_schema(data_root):
    [outcome] = ingest_dumps([TEXT_SAMPLE])
    assert (outcome.status, outcome.row_count, str(outcome.digest_date)) == ("landed", 290, "2025-07-01")

    partition = data_root.digest_entries_dir / "digest_date=2025-07-01"
    assert [p.name for p in partition.iterdir()] == ["text.parquet"]
    parquet = pq.ParquetFile(partition / "text.parquet")
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"

    table = parquet.read()
    assert table.schema.equals(DIGEST_ENTRIES_FILE_SCHEMA, check_metadata=False)
    rows = table.to_pylist()
    assert [r["position"] for r in rows] == list(range(1, 291))
    assert rows[0]["title"].startswith("CATSplat: Context-Aware Transformer")
    assert sum(r["title"].startswith("Hydra:") for r in rows) == 2
    assert {r["source_format"] for r in rows} == {"text"}
    assert len({r["source_sha256"] for r in rows}) == 1

    [entry] = read_ledger(data_root.ledger_dir).to_pylist()
    assert (entry["status"], entry["row_count"], entry["source_format"]) == ("landed", 290, "text")
    archived = Path(entry["raw_path"])
    assert archived.parent == data_root.raw_dir
    assert archived.read_bytes() == TEXT_SAMPLE.read_bytes()


def test_json_samples_land_with_arxiv_ids_authors_and_upvotes(data_root):
    outcomes = ingest_dumps([HF_API_SAMPLE, FLAT_JSON_SAMPLE])
    assert [o.status for o in outcomes] == ["landed", "landed"]

    hf_rows = lake_rows(data_root, "2025-07-02").to_pylist()
    assert [r["arxiv_id"] for r in hf_rows] == ["2412.00001", "2412.00002"]
    assert hf_rows[0]["authors"] == ["A. Author", "B. Author"] and hf_rows[0]["upvotes"] == 10
    assert {r["source_format"] for r in hf_rows} == {"hf_api"}

    flat_rows = lake_rows(data_root, "2025-07-03").to_pylist()
    assert all(r["arxiv_id"] and r["authors"] for r in flat_rows)
    assert sum(r["upvotes"] is not None for r in flat_rows) == 4
    assert {r["source_format"] for r in flat_rows} == {"flat_json"}


def test_landing_the_same_dump_twice_changes_nothing(data_root):
    ingest_dumps([TEXT_SAMPLE])
    before = lake_snapshot(data_root)
    [again] = ingest_dumps([TEXT_SAMPLE])
    assert again.status == "unchanged"
    assert lake_snapshot(data_root) == before
    assert [e["status"] for e in read_ledger(data_root.ledger_dir).to_pylist()] == ["landed", "unchanged"]


def test_a_changed_dump_for_the_same_day_replaces_the_partition(data_root, dump_dir):
    ingest_dumps([TEXT_SAMPLE])
    first_raw = sorted(data_root.raw_dir.iterdir())
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    shorter = copy_sample(TEXT_SAMPLE, dump_dir)
    shorter.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")  # drop the last paper

    [outcome] = ingest_dumps([shorter])
    assert (outcome.status, outcome.row_count) == ("replaced", 289)
    assert lake_rows(data_root, "2025-07-01").num_rows == 289
    # The earlier raw dump stays archived beside the new one.
    assert set(first_raw) < set(data_root.raw_dir.iterdir())


def test_a_write_killed_before_the_rename_leaves_no_visible_partial_file(data_root, monkeypatch):
    ingest_dumps([TEXT_SAMPLE])
    before = lake_snapshot(data_root)

    def killed(*_args):
        raise KeyboardInterrupt("killed between writing the temporary file and the rename")

    monkeypatch.setattr(landing_files.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest_dumps([HF_API_SAMPLE])
    monkeypatch.undo()

    assert lake_snapshot(data_root) == before
    leftovers = [p for p in data_root.data_dir.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


BAD_DUMPS = {
    "empty": ("2025-07-05_empty.txt", b"", "empty_file"),
    "binary": ("2025-07-05_image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_content"),
    "not-utf8": ("2025-07-05_latin1.txt", "Titre\nRésumé en latin-1\n".encode("latin-1"), "not_utf8"),
    "odd-lines": ("2025-07-05_odd.txt", b"Title one\nAbstract one.\nTitle two\n", "title_without_abstract"),
    "header-only": (
        "2025-07-05_header.txt",
        b"Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n",
        "no_papers",
    ),
    "json-shape": ("2025-07-05_api.json", b'{"data": {"papers": "none"}}', "unexpected_shape"),
    "empty-title": (
        "2025-07-05_export.json",
        json.dumps({"papers": [{"title": "", "abstract": "A."}, {"title": "T", "abstract": "B."}]}).encode(),
        "empty_title",
    ),
    "no-date": ("digest.txt", b"Title\nAbstract.\n", "date_unknown"),
    "date-conflict": (
        "2025-07-05_export.json",
        json.dumps({"date": "2025-07-06", "papers": [{"title": "T", "abstract": "A."}]}).encode(),
        "date_conflict",
    ),
    "escaping-name": ("../../../escape-2025-07-05.txt", b"Title\nAbstract.\n", "unsafe_file_name"),
}


@pytest.mark.parametrize("case", sorted(BAD_DUMPS))
def test_bad_dump_is_rejected_quarantined_and_recorded(case, data_root):
    ingest_dumps([FLAT_JSON_SAMPLE])
    before = lake_snapshot(data_root)
    name, raw, rule = BAD_DUMPS[case]

    [outcome] = ingest_dumps([Dump(name=name, raw=raw, source_uri=f"inbox/{name}")])

    assert outcome.rejected
    assert outcome.reason.startswith(f"inbox/{name}: rejected")
    assert f"[{rule}]" in outcome.reason
    reason = json.loads((outcome.quarantine_path / "reason.json").read_text())
    assert rule in reason["rules"] and reason["problems"][0]["location"]
    kept = [p for p in outcome.quarantine_path.iterdir() if p.name != "reason.json"]
    assert [p.read_bytes() for p in kept] == [raw]
    assert outcome.quarantine_path.parent == data_root.quarantine_dir  # nothing escaped the root
    assert read_ledger(data_root.ledger_dir).to_pylist()[-1]["status"] == "rejected"
    assert lake_snapshot(data_root) == before


def test_a_dump_over_the_size_bound_is_rejected_without_reading_it(data_root, monkeypatch):
    monkeypatch.setenv("PAPERTREND_MAX_DUMP_BYTES", "1000")
    [outcome] = ingest_dumps([TEXT_SAMPLE])
    assert outcome.rejected and "[too_large]" in outcome.reason
    assert (outcome.quarantine_path / TEXT_SAMPLE.name).read_bytes() == TEXT_SAMPLE.read_bytes()
    assert not data_root.digest_entries_dir.exists()


def test_cli_lands_many_dumps_and_exits_non_zero_when_one_is_rejected(data_root, dump_dir):
    bad = dump_dir / "2025-07-09_broken.txt"
    bad.write_bytes(b"Only a title\n")
    cli = Path(sys.executable).parent / "papertrend"
    result = subprocess.run(
        [str(cli), "ingest", str(TEXT_SAMPLE), str(HF_API_SAMPLE), str(bad)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "[3/3]" in result.stderr  # progress for many files
    summary = result.stdout.splitlines()
    assert summary[0].split()[:4] == ["landed", "2025-07-01", "290", "rows"]
    assert summary[1].split()[:4] == ["landed", "2025-07-02", "2", "rows"]
    assert summary[2].split()[0] == "rejected"
    assert "line 1" in result.stdout and "title_without_abstract" in result.stdout
    assert "2 of 3 dump(s) accepted" in result.stdout


def test_a_dump_the_quality_gate_refuses_is_quarantined_with_its_result(data_root, dump_dir):
    ingest_dumps([FLAT_JSON_SAMPLE])
    before = lake_snapshot(data_root)
    dump = dump_dir / "2025-08-01_tiny.txt"
    dump.write_text(
        "Tiny\nThis abstract is long enough to pass the abstract length rule of the suite.\n"
        "A perfectly ordinary title\nAnother abstract that is long enough to pass the length rule.\n",
        encoding="utf-8",
    )

    [outcome] = ingest_dumps([dump])

    assert outcome.rejected and outcome.digest_date.isoformat() == "2025-08-01"
    assert "title_length" in outcome.reason and "'Tiny'" in outcome.reason
    reason = json.loads((outcome.quarantine_path / "reason.json").read_text())
    assert reason["stage"] == "validation" and reason["rules"] == ["title_length"]
    result = json.loads((outcome.quarantine_path / "validation_result.json").read_text())
    assert result["success"] is False
    assert pq.read_table(outcome.quarantine_path / "digest_entries.parquet").num_rows == 2
    assert (outcome.quarantine_path / dump.name).read_bytes() == dump.read_bytes()
    assert lake_snapshot(data_root) == before
    assert not list(data_root.staging_dir.glob("*/*"))  # nothing left waiting in staging
    assert read_ledger(data_root.ledger_dir).to_pylist()[-1]["status"] == "rejected"
