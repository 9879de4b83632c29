"""The volume check (issue 13, item 2): a text digest far smaller than recent
days is a truncated dump until an operator says otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from papertrend.ingest import ingest_dumps
from papertrend.landing.ledger import read_ledger
from tests.conftest import TEXT_SAMPLE, copy_sample
from tests.integration.test_ingest import lake_snapshot

CLI = Path(sys.executable).parent / "papertrend"


def truncated(folder: Path, day: str, papers: int) -> Path:
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    dump = folder / f"{day}_trending.txt"
    dump.write_text("\n".join(lines[: 2 + 2 * papers]) + "\n", encoding="utf-8")
    return dump


def land_three_full_days(dump_dir: Path) -> None:
    days = [copy_sample(TEXT_SAMPLE, dump_dir, f"2025-07-0{n}_trending.txt") for n in (1, 2, 3)]
    assert [o.status for o in ingest_dumps(days)] == ["landed"] * 3


def test_a_truncated_text_digest_is_quarantined_as_row_count_drop(data_root, dump_dir):
    land_three_full_days(dump_dir)
    before = lake_snapshot(data_root)
    new_day = truncated(dump_dir, "2025-07-04", 100)
    same_day = truncated(dump_dir / "..", "2025-07-03", 140)  # would replace a complete day

    outcomes = ingest_dumps([new_day, same_day])

    for outcome, dump in zip(outcomes, [new_day, same_day], strict=True):
        assert outcome.rejected and "[row_count_drop]" in outcome.reason
        assert "median 290" in outcome.reason and "--accept-row-count-drop" in outcome.reason
        assert (outcome.quarantine_path / dump.name).read_bytes() == dump.read_bytes()
        assert json.loads((outcome.quarantine_path / "reason.json").read_text())["rules"] == ["row_count_drop"]
    assert lake_snapshot(data_root) == before
    assert read_ledger(data_root.ledger_dir).to_pylist()[-1]["status"] == "rejected"


def test_a_smaller_day_within_bounds_and_an_accepted_drop_land(data_root, dump_dir):
    land_three_full_days(dump_dir)
    slightly_smaller = truncated(dump_dir, "2025-07-04", 200)
    [outcome] = ingest_dumps([slightly_smaller])
    assert (outcome.status, outcome.row_count) == ("landed", 200)

    small = truncated(dump_dir, "2025-07-05", 60)
    [accepted] = ingest_dumps([small], accept_row_count_drop=True)
    assert (accepted.status, accepted.row_count) == ("landed", 60)


def test_without_three_days_of_history_there_is_no_check(data_root, dump_dir):
    copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-01_trending.txt")
    assert ingest_dumps([dump_dir / "2025-07-01_trending.txt"])[0].status == "landed"
    [outcome] = ingest_dumps([truncated(dump_dir, "2025-07-02", 20)])
    assert outcome.status == "landed"


def test_a_batch_counts_its_own_earlier_days(data_root, dump_dir):
    """A backfill of full days followed by a cut one catches the cut one."""
    days = [copy_sample(TEXT_SAMPLE, dump_dir, f"2025-07-0{n}_trending.txt") for n in (1, 2, 3)]
    outcomes = ingest_dumps([*days, truncated(dump_dir / "..", "2025-07-04", 30)])
    assert [o.status for o in outcomes] == ["landed", "landed", "landed", "rejected"]
    assert "[row_count_drop]" in outcomes[-1].reason


def test_cli_accepts_a_drop_when_told(data_root, dump_dir):
    land_three_full_days(dump_dir)
    small = truncated(dump_dir, "2025-07-04", 50)
    run = lambda *flags: subprocess.run(  # noqa: E731
        [str(CLI), "ingest", *flags, str(small)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )
    refused = run()
    assert refused.returncode == 1 and "row_count_drop" in refused.stdout
    accepted = run("--accept-row-count-drop")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert accepted.stdout.split()[:3] == ["landed", "2025-07-04", "50"]
