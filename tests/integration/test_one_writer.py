"""One writer at a time on a data root: two real `papertrend` processes, the
first held inside its run, the second refused with one line naming the first."""

from __future__ import annotations

import os
import subprocess
import sys

from papertrend.landing.ledger import read_ledger
from papertrend.writers import (
    EXIT_LOCKED,
    INHERITED_LOCK_FD_ENV,
    LOCK_FILE_NAME,
    exclusive_writer,
    writer_child_process,
)
from tests.conftest import HF_API_SAMPLE, TEXT_SAMPLE
from tests.integration.interrupted import run_cli, start_paused

# Inside the lock: the first dump is about to be parsed and staged.
INSIDE_INGEST = "papertrend.ingest:_stage"


def test_a_second_writer_is_refused_naming_the_first_and_changes_nothing(data_root, tmp_path):
    first = start_paused(INSIDE_INGEST, ["ingest", str(TEXT_SAMPLE)], tmp_path / "paused")
    try:
        second_ingest = run_cli("ingest", str(HF_API_SAMPLE))
        second_build = run_cli("build")
    finally:
        finished = first.release()

    for second in (second_ingest, second_build):
        assert second.returncode == EXIT_LOCKED
        assert second.stdout == ""
        [message] = second.stderr.splitlines()  # one line, no traceback
        assert f"data root {data_root.data_dir} is busy" in message
        assert f"pid {first.process.pid}" in message
        assert f"'papertrend ingest {TEXT_SAMPLE}'" in message and " since 20" in message
    # The refused ingest wrote nothing: no day, no ledger row, no raw copy.
    assert not (data_root.digest_entries_dir / "digest_date=2025-07-02").exists()
    assert not list(data_root.raw_dir.glob("*hf_daily_papers*"))

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("landed")
    assert [(r["status"], str(r["digest_date"])) for r in read_ledger(data_root.ledger_dir).to_pylist()] == [
        ("landed", "2025-07-01")
    ]
    # Once the first has finished, the data root is free again.
    assert run_cli("ingest", str(HF_API_SAMPLE)).returncode == 0


def test_a_killed_writer_leaves_no_lock_behind(data_root, tmp_path):
    first = start_paused(INSIDE_INGEST, ["ingest", str(TEXT_SAMPLE)], tmp_path / "paused")
    first.process.kill()  # kill -9 while it holds the lock
    first.process.wait()

    after = run_cli("ingest", str(TEXT_SAMPLE))

    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("landed")


# A writer as a child process: exits 0 when it holds the data root, EXIT_LOCKED when refused.
CHILD_WRITER = f"""
import sys
from papertrend.settings import get_settings
from papertrend.writers import DataRootLocked, exclusive_writer
try:
    with exclusive_writer(get_settings()):
        sys.exit(0)
except DataRootLocked:
    sys.exit({EXIT_LOCKED})
"""


def test_a_writers_child_process_writes_under_its_lock_and_no_other_process_does(data_root):
    """A backfill ingests in a child process (papertrend.cli._backfill): the child
    shares its parent's open lock file, so it writes while the parent holds the
    lock. A process that is not that child is refused, whatever it claims."""
    with exclusive_writer(data_root):
        assert writer_child_process(data_root, [sys.executable, "-c", CHILD_WRITER]) == 0
        # Claiming a descriptor it opened itself: another open file, which flock refuses.
        lock_fd = os.open(data_root.data_dir / LOCK_FILE_NAME, os.O_RDWR)
        try:
            claimed = subprocess.run(
                [sys.executable, "-c", CHILD_WRITER], pass_fds=(lock_fd,), timeout=120,
                env={**os.environ, INHERITED_LOCK_FD_ENV: str(lock_fd)},
            )
        finally:
            os.close(lock_fd)
        # Claiming a descriptor it never got.
        unclaimed = subprocess.run(
            [sys.executable, "-c", CHILD_WRITER], timeout=120, env={**os.environ, INHERITED_LOCK_FD_ENV: "0"}
        )
    assert (claimed.returncode, unclaimed.returncode) == (EXIT_LOCKED, EXIT_LOCKED)


def test_the_writer_pool_exists_with_one_slot(airflow_db):
    from airflow.models.pool import Pool

    from papertrend.pools import WRITER_POOL

    assert Pool.get_pool(WRITER_POOL).slots == 1
