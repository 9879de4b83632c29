"""A writer killed at any point leaves nothing the next run does not repair:
the ledger agrees with the lake, and no staged partition or temporary file
stays behind. The kills are real (`papertrend ingest` in a subprocess,
SIGKILL at a chosen point, see interrupted.py)."""

from __future__ import annotations

import pyarrow.parquet as pq

from papertrend.landing.ledger import read_ledger
from tests.conftest import HF_API_SAMPLE, TEXT_SAMPLE
from tests.integration.interrupted import run_cli as cli
from tests.integration.interrupted import run_killed

PROMOTE = "papertrend.landing.lake:promote_partition"


def lake_checksum(settings, day: str, source_format: str = "text") -> str:
    path = settings.digest_entries_dir / f"digest_date={day}" / f"{source_format}.parquet"
    return pq.read_table(path, columns=["source_sha256"]).column(0)[0].as_py()


def ledger_rows(settings) -> list[tuple]:
    return [(r["status"], str(r["digest_date"]), r["source_sha256"]) for r in read_ledger(settings.ledger_dir).to_pylist()]


def test_a_kill_between_promotion_and_ledger_row_is_recorded_by_the_next_run(data_root):
    assert run_killed(PROMOTE, "kill-after", ["ingest", str(TEXT_SAMPLE)]) == -9
    landed = lake_checksum(data_root, "2025-07-01")  # the kill came after the promotion
    assert ledger_rows(data_root) == []

    rerun = cli("ingest", str(TEXT_SAMPLE))

    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith("unchanged")
    # The landing the kill cut off is in the ledger, once, before the re-run's row.
    assert ledger_rows(data_root) == [("landed", "2025-07-01", landed), ("unchanged", "2025-07-01", landed)]
    assert not list((data_root.ledger_dir / "_pending").iterdir())


def test_a_kill_just_before_promotion_leaves_no_ledger_row_and_the_rerun_lands(data_root):
    assert run_killed(PROMOTE, "kill-before", ["ingest", str(TEXT_SAMPLE)]) == -9
    assert not (data_root.digest_entries_dir / "digest_date=2025-07-01").exists()

    rerun = cli("ingest", str(TEXT_SAMPLE))

    assert rerun.returncode == 0 and rerun.stdout.startswith("landed"), rerun.stdout + rerun.stderr
    assert [row[0] for row in ledger_rows(data_root)] == ["landed"]


def test_the_next_writer_sweeps_what_killed_writers_left(data_root):
    # A real kill after staging: the staged partition stays in staging/.
    write_partition = "papertrend.landing.lake:write_partition"
    assert run_killed(write_partition, "kill-after", ["ingest", str(TEXT_SAMPLE)]) == -9
    assert list(data_root.staging_dir.rglob("text.parquet"))
    # What kills inside other writes leave, named as those writes name them.
    leftovers = [
        data_root.ledger_dir / ".20261128T084100000000_0123456789abcdef_landed.parquet.k3j_x9a1.tmp",
        data_root.digest_entries_dir / "digest_date=2025-06-30" / ".text.parquet.a8Zq01xy.tmp",
        data_root.raw_dir / ".0123456789abcdef_2025-06-30.txt.Qw3rTy12.tmp",
        data_root.serving_db_path.parent / ".warehouse.duckdb.4242.tmp",  # a build before versions
        data_root.marts_dir / ".papers.parquet.4242.tmp",
        data_root.serving_db_path.parent / "versions" / "20261128T084100000000Z" / "warehouse.duckdb",  # a killed publish
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * 4096)

    result = cli("ingest", str(HF_API_SAMPLE))

    assert result.returncode == 0, result.stderr
    assert list(data_root.staging_dir.iterdir()) == []  # "empty between runs", as the README says
    assert [path for path in leftovers if path.exists()] == []
    assert (data_root.serving_db_path.parent / "versions").is_dir()
    assert not list((data_root.serving_db_path.parent / "versions").iterdir())
    # The killed run had not reached its ledger row; the new one landed its day.
    assert ledger_rows(data_root) == [("landed", "2025-07-02", lake_checksum(data_root, "2025-07-02", "hf_api"))]
