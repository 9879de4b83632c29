"""One writer at a time on a data root, and what a writer tidies up when it starts.

Ingest, backfill and build write the same lake, ledger and warehouse. Two of
them at once would both report success while the later silently wins, so each
takes an exclusive lock on the data root first (``fcntl.flock`` on
``<data root>/.writer.lock``). The kernel releases it when the holder exits,
however it exits, so a killed writer never leaves a stale lock behind. A
writer that finds the lock taken does not wait: it stops with
:class:`DataRootLocked`, naming the holder (pid, command, since when), and the
CLI exits with :data:`EXIT_LOCKED`. Airflow keeps its own writer tasks apart
with the ``papertrend_writer`` pool (one slot, :mod:`papertrend.pools`); the
lock also covers the CLI and a second Airflow. On an object-store data root the
lock is also held in the store, as a lease (:mod:`papertrend.writer_lease`), so
that writers on machines that share no disk keep apart too.

Holding the lock, a writer knows that nothing else is writing, so whatever a
killed writer left behind can go (:func:`recover_after_crash`): landings a
kill kept out of the ledger are recorded, staged partitions and hidden
temporary files are removed, and unpublished warehouse versions deleted.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from papertrend import object_store
from papertrend.settings import Settings

log = logging.getLogger(__name__)

LOCK_FILE_NAME = ".writer.lock"
# sysexits.h EX_TEMPFAIL: try again later, once the other writer has finished.
EXIT_LOCKED = 75

# Lock files this process holds, with how many nested writers use each: a
# backfill takes the lock once for its ingest and its build, which take it
# again. flock is per open file, so a second open() here would lock us out.
_held: dict[Path, int] = {}
# The descriptor of each lock file this process opened (for writer_child_process).
_held_fds: dict[Path, int] = {}

# Names the lock file descriptor a writer hands to a child process it starts
# (writer_child_process): the child shares the parent's open file, which holds the flock.
INHERITED_LOCK_FD_ENV = "PAPERTREND_WRITER_LOCK_FD"


class DataRootLocked(Exception):
    """Another writer holds the data root; the message names it, on one line."""


@contextmanager
def exclusive_writer(settings: Settings) -> Iterator[None]:
    """Hold the data root's writer lock for the ``with`` block (re-entrant in
    one process); the first entry also recovers what a killed writer left."""
    lock_path = settings.data_dir / LOCK_FILE_NAME
    if lock_path not in _held and _holds_inherited_lock(lock_path):
        # A writer's child (writer_child_process): its parent holds the lock, has
        # recovered and pulled, and pushes when it is done.
        _held[lock_path] = 0
    if lock_path in _held:
        _held[lock_path] += 1
        try:
            yield
        finally:
            _held[lock_path] -= 1
        return

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # O_RDWR without O_TRUNC: the holder's line stays readable until we own it.
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 1024, 0).decode("utf-8", "replace").strip() or "another process"
            raise DataRootLocked(
                f"data root {settings.data_dir} is busy: another writer holds {lock_path.name} "
                f"({holder}); nothing was done, try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{_who_am_i()}\n".encode(), 0)
        _held[lock_path] = 1
        _held_fds[lock_path] = fd
        try:
            # An object-store data root: the lock in the store too (machines share
            # no flock), then work on this machine's copy of what the store holds and
            # leave the store what this writer wrote (papertrend.object_store).
            from papertrend.writer_lease import writer_lease

            with writer_lease(settings, _who_am_i()):
                object_store.pull(settings)
                try:
                    recover_after_crash(settings)
                    yield
                finally:
                    object_store.push(settings)
        finally:
            del _held[lock_path]
            del _held_fds[lock_path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def writer_child_process(
    settings: Settings, command: list[str], while_running: Callable[[], None] | None = None
) -> int:
    """Run ``command`` holding this writer's lock (which the caller holds), and return its
    exit status. The child inherits the lock file's open descriptor, so its own
    exclusive_writer holds the same flock; its memory is gone when it exits (a
    backfill ingests in a child, and builds without the ingest's imports and heap).
    ``while_running`` is called in this process once the child has started."""
    lock_path = settings.data_dir / LOCK_FILE_NAME
    fd = _held_fds[lock_path]
    environment = {**os.environ, INHERITED_LOCK_FD_ENV: str(fd)}
    with subprocess.Popen(command, env=environment, pass_fds=(fd,)) as child:
        try:
            if while_running is not None:
                while_running()
        finally:
            child.wait()
    return child.returncode


def _holds_inherited_lock(lock_path: Path) -> bool:
    """Whether the parent handed this process the open lock file of ``lock_path``, holding its flock."""
    try:
        fd = int(os.environ[INHERITED_LOCK_FD_ENV])
        handed, lock = os.fstat(fd), os.stat(lock_path)
        if (handed.st_dev, handed.st_ino) != (lock.st_dev, lock.st_ino):
            return False
        # The same open file description as the holder's: this cannot block, and
        # fails if the descriptor is another open of the file (then some other writer holds it).
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (KeyError, ValueError, OSError):
        return False


def _who_am_i() -> str:
    """The holder as the loser's message shows it: pid, command, since when."""
    since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    if os.environ.get("AIRFLOW_CTX_TASK_ID"):
        command = (
            f"Airflow task {os.environ.get('AIRFLOW_CTX_DAG_ID')}.{os.environ['AIRFLOW_CTX_TASK_ID']}"
            f" run {os.environ.get('AIRFLOW_CTX_DAG_RUN_ID', '?')}"
        )
    else:
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    command = " ".join(command.split())  # one line, whatever the arguments held
    if len(command) > 200:
        command = command[:200] + "..."
    return f"pid {os.getpid()}, {command!r}, since {since}"


def recover_after_crash(settings: Settings) -> list[Path]:
    """Repair and sweep what a killed writer left; call only holding the lock.

    Returns what was removed (logged too). The inbox is not swept: the HTTP
    source fetches into it outside the lock."""
    from papertrend.landing import lake, ledger
    from papertrend.warehouse.publish import remove_unpublished_versions

    for entry in ledger.reconcile(
        settings.ledger_dir,
        lambda day, source_format: lake.landed_checksum(settings.digest_entries_dir, day, source_format),
    ):
        log.warning(
            "recovered: %s %s of %s was promoted into the lake but not recorded (the writer was killed); "
            "recorded now",
            entry.status, entry.digest_date, entry.source_uri,
        )
    removed = _remove_staged_partitions(settings)
    for folder in (settings.raw_dir, settings.lake_dir, settings.quarantine_dir, settings.warehouse_dir):
        removed += _remove_temporary_files(folder)
    removed += remove_unpublished_versions(settings)
    for path in removed:
        log.warning("removed a killed writer's leftover %s", path)
    return removed


def _remove_staged_partitions(settings: Settings) -> list[Path]:
    """staging/ is empty between runs: a partition still there was staged by a
    run that never reached the gate's end."""
    if not settings.staging_dir.is_dir():
        return []
    leftovers = sorted(settings.staging_dir.iterdir())
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return leftovers


def _remove_temporary_files(folder: Path) -> list[Path]:
    """The hidden ``.<name>.<random>.tmp`` files of :func:`~papertrend.landing.files.write_atomically`
    (and the publish step's), which only a killed write leaves behind."""
    if not folder.is_dir():
        return []
    leftovers = sorted(p for p in folder.rglob(".*.tmp") if p.is_file() or p.is_symlink())
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers
