"""Hostile dumps in a batch: each one is rejected with a named rule, quarantined
and recorded, and the batch goes on (issue 13). Real files, the real gate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from papertrend import ingest as ingest_module
from papertrend.ingest import Dump, ingest_dumps
from papertrend.landing.ledger import read_ledger
from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE, TEXT_SAMPLE, copy_sample

CLI = Path(sys.executable).parent / "papertrend"


def hostile_dumps(folder: Path) -> dict[str, tuple[Path, str]]:
    """One file per crash the review found, with the rule it must be rejected by."""
    flat = json.loads(FLAT_JSON_SAMPLE.read_text())

    def export(day: str, **changes) -> str:
        payload = {**flat, "date": day}
        payload["papers"] = [{**payload["papers"][0], **changes}] + payload["papers"][1:]
        return json.dumps(payload)

    cases = {
        "deep": ("2025-07-10_deep.json", export("2025-07-10", upvotes="@").replace('"@"', "[" * 100_000 + "]" * 100_000), "too_deep"),
        "huge-int": ("2025-07-11_huge.json", export("2025-07-11", upvotes="@").replace('"@"', "9" * 5_000), "bad_number"),
        "year-1": ("2025-07-12_year1.json", export("2025-07-12", publishedAt="0001-01-01T00:00:00+01:00"), "bad_published_at"),
    }
    made = {}
    for case, (name, text, rule) in cases.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        made[case] = (path, rule)
    return made


def test_hostile_dumps_in_a_batch_are_rejected_and_the_good_ones_land(data_root, dump_dir):
    hostile = hostile_dumps(dump_dir)
    paths = [TEXT_SAMPLE, *(path for path, _ in hostile.values()), HF_API_SAMPLE]

    outcomes = ingest_dumps(paths)

    assert [o.status for o in outcomes] == ["landed", "rejected", "rejected", "rejected", "landed"]
    for outcome, (path, rule) in zip(outcomes[1:4], hostile.values(), strict=True):
        assert f"[{rule}]" in outcome.reason
        assert (outcome.quarantine_path / path.name).read_bytes() == path.read_bytes()
    ledger = read_ledger(data_root.ledger_dir).to_pylist()
    assert sorted(row["status"] for row in ledger) == ["landed", "landed", "rejected", "rejected", "rejected"]


def test_an_unexpected_parser_exception_rejects_that_dump_only(data_root, dump_dir, monkeypatch):
    """The safety net under the named rules: a parser bug quarantines the dump
    it broke on (rule parser_crash, naming the exception) and the batch goes on."""
    real_parse = ingest_module.parse_dump
    crashing = copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-09_crashing.txt")

    def parse(raw, source):
        if source.endswith("crashing.txt"):
            raise ZeroDivisionError("a parser bug")
        return real_parse(raw, source)

    monkeypatch.setattr(ingest_module, "parse_dump", parse)
    first, crashed, last = ingest_dumps([FLAT_JSON_SAMPLE, crashing, HF_API_SAMPLE])

    assert (first.status, last.status) == ("landed", "landed")
    assert crashed.rejected and "[parser_crash]" in crashed.reason
    assert "ZeroDivisionError: a parser bug" in crashed.reason
    reason = json.loads((crashed.quarantine_path / "reason.json").read_text())
    assert reason["rules"] == ["parser_crash"]
    assert (crashed.quarantine_path / crashing.name).read_bytes() == crashing.read_bytes()
    assert [row["status"] for row in read_ledger(data_root.ledger_dir).to_pylist()].count("rejected") == 1


def test_an_exception_while_staging_rejects_that_dump_only(data_root, monkeypatch):
    real_build = ingest_module.lake.build_table

    def build(parsed, **kwargs):
        if kwargs["source_uri"] == str(HF_API_SAMPLE):
            raise OSError(28, "No space left on device")
        return real_build(parsed, **kwargs)

    monkeypatch.setattr(ingest_module.lake, "build_table", build)
    first, crashed = ingest_dumps([TEXT_SAMPLE, HF_API_SAMPLE])
    assert first.status == "landed"
    assert crashed.rejected and "[ingest_crash]" in crashed.reason and "No space left" in crashed.reason
    assert (crashed.quarantine_path / HF_API_SAMPLE.name).read_bytes() == HF_API_SAMPLE.read_bytes()
    assert not list(data_root.staging_dir.glob("*/*"))


def test_a_file_name_of_255_bytes_is_archived_under_a_shortened_name(data_root, dump_dir):
    name = "2025-07-01_" + "x" * (255 - len("2025-07-01_") - len(".txt")) + ".txt"
    dump = copy_sample(TEXT_SAMPLE, dump_dir, name)

    [outcome] = ingest_dumps([dump])

    assert outcome.status == "landed"
    [entry] = read_ledger(data_root.ledger_dir).to_pylist()
    archived = Path(entry["raw_path"])
    assert archived.read_bytes() == TEXT_SAMPLE.read_bytes()
    assert len(archived.name.encode()) <= 200 and archived.name.endswith(".txt")

    # Rejected, it is quarantined under a shortened name as well.
    broken = dump_dir / name.replace("2025-07-01", "2025-07-02")
    broken.write_bytes(b"Only a title\n")
    [rejected] = ingest_dumps([broken])
    assert rejected.rejected and len(rejected.quarantine_path.name.encode()) <= 200
    assert [p.read_bytes() for p in rejected.quarantine_path.iterdir() if p.name != "reason.json"] == [
        b"Only a title\n"
    ]


def test_cli_reports_hostile_dumps_without_a_traceback(data_root, dump_dir):
    hostile = hostile_dumps(dump_dir)
    result = subprocess.run(
        [str(CLI), "ingest", *(str(path) for path, _ in hostile.values()), str(TEXT_SAMPLE)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    for path, rule in hostile.values():
        assert str(path) in result.stdout and f"[{rule}]" in result.stdout
    assert "1 of 4 dump(s) accepted" in result.stdout


@pytest.mark.slow
def test_backfill_with_a_hostile_dump_still_builds_the_warehouse(data_root, dump_dir):
    hostile_dumps(dump_dir)
    copy_sample(TEXT_SAMPLE, dump_dir)
    result = subprocess.run(
        [str(CLI), "backfill", str(dump_dir)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=600,
    )
    assert result.returncode == 1  # dumps were rejected
    assert "Traceback" not in result.stdout + result.stderr
    assert data_root.serving_db_path.is_file()


def test_a_name_with_spaces_and_parentheses_lands(data_root, dump_dir):
    dump = copy_sample(TEXT_SAMPLE, dump_dir, "report 2025-07-01 (1).txt")
    [outcome] = ingest_dumps([dump])
    assert (outcome.status, str(outcome.digest_date)) == ("landed", "2025-07-01")
    [entry] = read_ledger(data_root.ledger_dir).to_pylist()
    assert Path(entry["raw_path"]).name.endswith("_report 2025-07-01 (1).txt")
