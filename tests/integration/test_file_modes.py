"""Every file the pipeline writes gets the mode of any new file under the caller's umask:
the lake, the raw archive, the ledger and the quarantine like the serving file and the
marts (files written through a temporary file used to keep mkstemp's private 0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FLAT_JSON_SAMPLE, TEXT_SAMPLE

PAPERTREND = Path(sys.executable).with_name("papertrend")


def papertrend(data_root: Path, umask: int, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERTREND_DATA_DIR": str(data_root)}
    return subprocess.run(
        [str(PAPERTREND), *args], env=env, umask=umask, capture_output=True, text=True, timeout=600
    )


def file_modes(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
        for path in folder.rglob("*")
        if path.is_file()
    }


def ingest_a_good_and_a_bad_dump(data_root: Path, umask: int, tmp_path: Path) -> None:
    broken = tmp_path / "2025-07-09_broken.txt"
    broken.write_bytes(b"")
    ingested = papertrend(data_root, umask, "ingest", str(TEXT_SAMPLE), str(FLAT_JSON_SAMPLE), str(broken))
    assert ingested.returncode == 1, ingested.stdout + ingested.stderr  # the broken one is rejected
    assert "rejected" in ingested.stdout


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["umask-022", "umask-077"])
def test_landed_archived_recorded_and_quarantined_files_follow_the_umask(tmp_path, umask):
    data_root = tmp_path / "data"
    ingest_a_good_and_a_bad_dump(data_root, umask, tmp_path)

    modes = {
        name: mode
        for folder in ("lake", "raw", "quarantine")
        for name, mode in file_modes(data_root / folder).items()
    }
    assert any(name.startswith("digest_entries/") for name in modes)
    assert any(name.startswith("ingest_ledger/") for name in modes)
    assert any(name.endswith("reason.json") for name in modes)
    expected = 0o666 & ~umask
    assert {name: mode for name, mode in modes.items() if mode != expected} == {}


def test_the_lake_and_the_serving_file_have_the_same_mode(tmp_path):
    data_root = tmp_path / "data"
    umask = 0o027
    ingest_a_good_and_a_bad_dump(data_root, umask, tmp_path)
    built = papertrend(data_root, umask, "build")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]

    modes = {
        f"{folder}/{name}": mode
        for folder in ("lake", "raw", "quarantine", "warehouse/serving", "warehouse/marts")
        for name, mode in file_modes(data_root / folder).items()
    }
    assert "warehouse/serving/warehouse.duckdb" in modes
    assert {name: oct(mode) for name, mode in modes.items() if mode != 0o640} == {}
