"""A data root in an object store: ``PAPERTREND_DATA_DIR=s3://bucket/prefix``.

The store is the system of record; a writer works in a local workspace that
mirrors it (``Settings.data_dir``). Object stores have no rename, and no
append, so the local code keeps its guarantees (temporary names, renames,
intents, links) where it runs, and what it leaves is sent to the store as
whole objects: one PUT replaces an object atomically (a reader gets the old
bytes or the new ones), and every object is checked to be there, with its
size, after it is written.

* :func:`pull`, when a writer takes the lock: the objects it reads (the lake,
  the ledger, the Great Expectations results, the dbt build file) that changed
  in the store since this workspace last saw them.
* :func:`push`, before a build and when a writer lets go of the lock: every
  file that changed here, in an order that keeps readers consistent: ledger
  intents, then raw dumps and quarantine (``reason.json`` last), then lake
  partitions (each day is one object, replaced by one PUT), then ledger rows,
  then the build file and the new serving version
  (``warehouse/serving/versions/<v>/``: the serving file and the marts). Then
  one small object, ``warehouse/serving/CURRENT``, naming that version: its PUT
  is the publish. After it, the fixed public keys
  (``warehouse/serving/warehouse.duckdb``, ``warehouse/marts/<mart>/<mart>.parquet``)
  get copies of the version's files, and what this workspace deleted
  (settled intents, old versions) is deleted from the store.

A reader that wants the serving file and the marts of one build reads
``CURRENT`` and opens that version's keys (:func:`papertrend.warehouse.reading.serving_location`);
a version is never written again, and the one before the current is kept.

Credentials and endpoint come from the ``AWS_*`` variables (pyarrow's S3 client
reads them, DuckDB's secret is made from them: :mod:`papertrend.duckdb_connections`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from papertrend.landing.files import write_atomically
from papertrend.settings import Settings

log = logging.getLogger(__name__)

# Folders of the data root that live in the store (inbox/ and staging/ are the
# worker's own; warehouse/dbt/ is dbt's target and logs).
SYNCED_FOLDERS = ("lake", "raw", "quarantine", "gx", "docs", "warehouse/build", "warehouse/serving/versions")
# What a writer reads from the data root, so what it pulls.
PULLED_FOLDERS = ("lake", "gx", "warehouse/build")
POINTER_KEY = "warehouse/serving/CURRENT"
SERVING_KEY = "warehouse/serving/warehouse.duckdb"
MARTS_KEY = "warehouse/marts"
VERSIONS_KEY = "warehouse/serving/versions"
# What this workspace last exchanged with the store, per key: the local file's
# (size, mtime) and the object's (size, mtime).
SYNC_STATE_FILE = ".object_store_sync.json"


class ObjectStoreWriteError(RuntimeError):
    """An object the pipeline wrote is not in the store as written."""


@dataclass(frozen=True)
class Store:
    uri: str  # s3://bucket/prefix
    filesystem: object  # pyarrow.fs.FileSystem
    base: str  # bucket/prefix, as the filesystem names it

    @classmethod
    def of(cls, settings: Settings) -> Store | None:
        if settings.data_root_uri is None:
            return None
        import pyarrow.fs

        filesystem, base = pyarrow.fs.FileSystem.from_uri(settings.data_root_uri)
        return cls(settings.data_root_uri, filesystem, base.rstrip("/"))

    def object_uri(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def list(self, folder: str) -> dict[str, tuple[int, int]]:
        """Every object under ``folder`` by key, with (size, mtime in ns)."""
        import pyarrow.fs

        selector = pyarrow.fs.FileSelector(f"{self.base}/{folder}", recursive=True, allow_not_found=True)
        return {
            info.path.removeprefix(f"{self.base}/"): _object_signature(info)
            for info in self.filesystem.get_file_info(selector)
            if info.type == pyarrow.fs.FileType.File
        }

    def signature(self, key: str) -> tuple[int, int] | None:
        import pyarrow.fs

        info = self.filesystem.get_file_info(f"{self.base}/{key}")
        return _object_signature(info) if info.type == pyarrow.fs.FileType.File else None

    def put_file(self, path: Path, key: str) -> tuple[int, int]:
        """Upload one file as one object (one PUT for what the pipeline writes) and check it arrived."""
        with path.open("rb") as source, self.filesystem.open_output_stream(f"{self.base}/{key}") as target:
            while block := source.read(8 << 20):
                target.write(block)
        return self._checked(key, path.stat().st_size)

    def put_bytes(self, key: str, data: bytes) -> tuple[int, int]:
        with self.filesystem.open_output_stream(f"{self.base}/{key}") as target:
            target.write(data)
        return self._checked(key, len(data))

    def read_bytes(self, key: str) -> bytes | None:
        if self.signature(key) is None:
            return None
        with self.filesystem.open_input_stream(f"{self.base}/{key}") as source:
            return source.read()

    def get_file(self, key: str, path: Path) -> None:
        def download(temp: Path) -> None:
            with self.filesystem.open_input_stream(f"{self.base}/{key}") as source, temp.open("wb") as target:
                while block := source.read(8 << 20):
                    target.write(block)

        write_atomically(path, download)

    def delete(self, key: str) -> None:
        try:
            self.filesystem.delete_file(f"{self.base}/{key}")
        except FileNotFoundError:
            pass

    def _checked(self, key: str, size: int) -> tuple[int, int]:
        # A write that "succeeded" into nowhere (a wrong endpoint or secret on some
        # clients) is caught here, not by a reader later.
        found = self.signature(key)
        if found is None or found[0] != size:
            raise ObjectStoreWriteError(
                f"{self.object_uri(key)}: written ({size} bytes) but the store has "
                f"{'no such object' if found is None else f'{found[0]} bytes'}"
            )
        return found


def _object_signature(info) -> tuple[int, int]:
    return (info.size, info.mtime_ns or 0)


def _file_signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns)


def pull(settings: Settings) -> list[str]:
    """Bring the objects a writer reads into the workspace, where they changed in the
    store since this workspace last synced; drop local copies of objects deleted
    from the store (unless changed here since). Returns the keys downloaded."""
    store = Store.of(settings)
    if store is None:
        return []
    state = _SyncState.load(settings.data_dir)
    downloaded = []
    for folder in PULLED_FOLDERS:
        remote = store.list(folder)
        for key, signature in sorted(remote.items()):
            if _skipped(key) or state.remote(key) == signature:
                continue
            path = settings.data_dir / key
            store.get_file(key, path)
            state.set(key, _file_signature(path), signature)
            downloaded.append(key)
        for key in state.keys_under(folder):
            if key in remote:
                continue
            path = settings.data_dir / key
            if path.is_file() and _file_signature(path) == state.local(key):
                path.unlink()
            state.forget(key)
    state.save()
    if downloaded:
        log.info("pulled %d object(s) from %s", len(downloaded), store.uri)
    return downloaded


def push(settings: Settings) -> list[str]:
    """Send what changed in the workspace to the store (see the module's doc for the
    order), switch ``CURRENT`` to the version published here, delete what was
    deleted here. Returns the keys written."""
    store = Store.of(settings)
    if store is None:
        return []
    from papertrend.warehouse import publish

    state = _SyncState.load(settings.data_dir)
    local = dict(_local_files(settings.data_dir))
    changed = [key for key, path in local.items() if state.local(key) != _file_signature(path)]
    written = []
    try:
        for key in sorted(changed, key=_push_rank):
            path = local[key]
            state.set(key, _file_signature(path), store.put_file(path, key))
            written.append(key)
        version = publish.current_version(settings)
        if version is not None and (store.read_bytes(POINTER_KEY) or b"").decode() != version.name:
            written += _switch_pointer(store, version)
            _remove_old_versions(store, version.name, publish.KEEP_PREVIOUS)
        for key in [k for k in state.keys_under("") if k not in local]:
            store.delete(key)
            state.forget(key)
    finally:
        state.save()
    if written:
        log.info("pushed %d object(s) to %s", len(written), store.uri)
    return written


def _switch_pointer(store: Store, version: Path) -> list[str]:
    """Publish ``version`` (already in the store): one PUT of ``CURRENT``, then the fixed public keys."""
    store.put_bytes(POINTER_KEY, version.name.encode())
    written = [POINTER_KEY]
    serving_file = next(version.glob("*.duckdb"))
    store.put_file(serving_file, SERVING_KEY)
    written.append(SERVING_KEY)
    marts = version / "marts"
    for path in sorted(p for p in marts.rglob("*") if p.is_file()):
        key = f"{MARTS_KEY}/{path.relative_to(marts).as_posix()}"
        store.put_file(path, key)
        written.append(key)
    return written


def _remove_old_versions(store: Store, current: str, keep_previous: int) -> None:
    """Delete the store's versions older than the current one and the ``keep_previous``
    before it, whichever machine published them (names sort by publish time)."""
    by_version: dict[str, list[str]] = {}
    for key in store.list(VERSIONS_KEY):
        by_version.setdefault(key.removeprefix(f"{VERSIONS_KEY}/").split("/")[0], []).append(key)
    older = sorted(name for name in by_version if name < current)
    for name in older[: max(0, len(older) - keep_previous)]:
        for key in by_version[name]:
            store.delete(key)


def _local_files(root: Path) -> Iterable[tuple[str, Path]]:
    for folder in SYNCED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.is_file() and not path.is_symlink():
                key = path.relative_to(root).as_posix()
                if not _skipped(key):
                    yield key, path


def _skipped(key: str) -> bool:
    """Hidden files (a killed write's ``.<name>.<random>.tmp``) and DuckDB's spill
    folder beside the build file (``<build file>.tmp/``) are nobody's data."""
    parts = key.split("/")
    if any(part.startswith(".") for part in parts):
        return True
    return key.startswith("warehouse/build/") and any(part.endswith(".tmp") for part in parts[:-1])


def _push_rank(key: str) -> tuple[int, str]:
    if key.startswith("lake/ingest_ledger/_pending/"):
        rank = 0
    elif key.startswith(("raw/", "gx/")):
        rank = 1
    elif key.startswith("quarantine/"):
        rank = 3 if key.endswith("/reason.json") else 2
    elif key.startswith("lake/digest_entries/"):
        rank = 4
    elif key.startswith("lake/"):
        rank = 5
    elif key.startswith("warehouse/"):
        rank = 6
    else:
        rank = 7
    return (rank, key)


class _SyncState:
    def __init__(self, path: Path, entries: dict[str, dict]):
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, root: Path) -> _SyncState:
        path = root / SYNC_STATE_FILE
        try:
            entries = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            entries = {}
        return cls(path, entries)

    def local(self, key: str) -> tuple[int, int] | None:
        entry = self.entries.get(key)
        return tuple(entry["local"]) if entry else None

    def remote(self, key: str) -> tuple[int, int] | None:
        entry = self.entries.get(key)
        return tuple(entry["remote"]) if entry else None

    def set(self, key: str, local: tuple[int, int], remote: tuple[int, int]) -> None:
        self.entries[key] = {"local": list(local), "remote": list(remote)}

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)

    def keys_under(self, folder: str) -> list[str]:
        prefix = f"{folder}/" if folder else ""
        return [key for key in self.entries if key.startswith(prefix)]

    def save(self) -> None:
        write_atomically(self.path, lambda temp: temp.write_text(json.dumps(self.entries, sort_keys=True)))


def ensure_bucket(settings: Settings, wait_seconds: float = 120) -> str | None:
    """Create the data root's bucket if it is missing (compose's MinIO starts empty),
    waiting up to ``wait_seconds`` for the store to answer. None for a local root."""
    import time

    import pyarrow.fs

    store = Store.of(settings)
    if store is None:
        return None
    bucket = store.base.split("/", 1)[0]
    # A client allowed to create buckets, with the same endpoint and keys (the AWS_* variables)
    creator, _ = pyarrow.fs.FileSystem.from_uri(f"s3://{bucket}?allow_bucket_creation=true")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            if creator.get_file_info(bucket).type != pyarrow.fs.FileType.Directory:
                creator.create_dir(bucket, recursive=False)
            return bucket
        except OSError as error:
            if time.monotonic() > deadline:
                raise
            log.warning("the object store does not answer yet (%s); retrying", error)
            time.sleep(2)


if __name__ == "__main__":
    import sys

    from papertrend.settings import get_settings

    if sys.argv[1:] != ["ensure-bucket"]:
        sys.exit("usage: python -m papertrend.object_store ensure-bucket")
    bucket = ensure_bucket(get_settings())
    print(f"bucket {bucket} is there" if bucket else "the data root is a folder: no bucket to create")
