"""The ingest ledger: one row per dump per ingest attempt.

Stored as small Parquet files (one per event) under ``lake/ingest_ledger/``:
appending never rewrites history, each file is written atomically, and one
query answers "what came in, when, and what happened to it":

    select * from read_parquet('data/lake/ingest_ledger/*.parquet') order by recorded_at;

A promotion into the lake and its ledger row are two writes, and a writer can
be killed between them. So the row is written down first, as an intent in
``_pending/`` (:func:`promotion`), and recorded after the promotion; the next
writer finds any intent left behind and records the row if the lake holds
that dump (:func:`reconcile`). The ledger and the lake agree after a kill at
any point.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from papertrend.landing.files import write_atomically
from papertrend.schema import INGEST_LEDGER_SCHEMA, LEDGER_STATUSES
from papertrend.settings import OBJECT_STORE_SCHEMES


@dataclass(frozen=True)
class LedgerEntry:
    source_sha256: str
    source_uri: str
    status: str
    source_format: str | None = None
    digest_date: date | None = None
    row_count: int | None = None
    reason: str | None = None
    raw_path: str | None = None
    recorded_at: datetime | None = None


# Intents of promotions not yet recorded. Hive convention: readers skip names
# starting with "_", and the ledger's *.parquet glob does not see a folder.
PENDING_DIR = "_pending"


def record(ledger_dir: Path, entry: LedgerEntry) -> Path:
    if entry.status not in LEDGER_STATUSES:
        raise ValueError(f"unknown ledger status {entry.status!r}")
    entry = _stamped(entry)
    row = {name: [getattr(entry, name)] for name in INGEST_LEDGER_SCHEMA.names}
    table = pa.table(row, schema=INGEST_LEDGER_SCHEMA)
    return write_atomically(_row_path(ledger_dir, entry), lambda temp: pq.write_table(table, temp))


def _stamped(entry: LedgerEntry) -> LedgerEntry:
    return entry if entry.recorded_at else replace(entry, recorded_at=datetime.now(timezone.utc))


def _row_path(ledger_dir: Path, entry: LedgerEntry) -> Path:
    """One file per row, named by its time, dump and status: recording an
    intent twice writes the same file."""
    return ledger_dir / f"{entry.recorded_at:%Y%m%dT%H%M%S%f}_{entry.source_sha256[:16]}_{entry.status}.parquet"


@contextmanager
def promotion(ledger_dir: Path, entry: LedgerEntry) -> Iterator[None]:
    """Promote a dump into the lake inside the ``with`` block, recorded as
    ``entry``: the intent is written before, the row after. A failed
    promotion leaves no intent (nothing landed); a killed one leaves it for
    :func:`reconcile`."""
    entry = _stamped(entry)
    intent = ledger_dir / PENDING_DIR / _row_path(ledger_dir, entry).with_suffix(".json").name
    payload = {**asdict(entry), "digest_date": entry.digest_date.isoformat(),
               "recorded_at": entry.recorded_at.isoformat()}
    write_atomically(intent, lambda temp: temp.write_text(json.dumps(payload)))
    try:
        yield
    except BaseException:
        intent.unlink(missing_ok=True)
        raise
    record(ledger_dir, entry)
    intent.unlink()


def reconcile(
    ledger_dir: Path, landed_checksum: Callable[[date, str], str | None]
) -> list[LedgerEntry]:
    """Settle the intents a killed writer left: record those whose dump the
    lake holds for its day and source format (the promotion happened), drop the others (it did
    not: the lake is as it was, and the dump is not in the ledger as landed).
    Returns the rows recorded. Run it holding the writer lock."""
    recorded = []
    pending = ledger_dir / PENDING_DIR
    for intent in sorted(pending.glob("*.json")) if pending.is_dir() else []:
        try:
            fields = json.loads(intent.read_text())
            entry = LedgerEntry(**{
                **fields,
                "digest_date": date.fromisoformat(fields["digest_date"]),
                "recorded_at": datetime.fromisoformat(fields["recorded_at"]),
            })
        except (ValueError, TypeError, KeyError):
            # Cut while written? Not possible (atomic), but never let one stop a run.
            intent.unlink()
            continue
        held = landed_checksum(entry.digest_date, entry.source_format)
        if held == entry.source_sha256 and not _row_path(ledger_dir, entry).exists():
            record(ledger_dir, entry)
            recorded.append(entry)
        intent.unlink()
    return recorded


def read_ledger(ledger_dir: Path | str) -> pa.Table:
    """All ledger rows in the order they were recorded. ``ledger_dir`` may also be
    its object-store URI (``Settings.location``): the store's ledger, which other
    machines write, rather than this workspace's copy of it."""
    import pyarrow.fs

    location = str(ledger_dir)
    if location.startswith(OBJECT_STORE_SCHEMES):
        filesystem, location = pyarrow.fs.FileSystem.from_uri(location)
    else:
        filesystem = pyarrow.fs.LocalFileSystem()
    found = filesystem.get_file_info(pyarrow.fs.FileSelector(location, allow_not_found=True))
    files = sorted(info.path for info in found if info.is_file and info.path.endswith(".parquet"))
    if not files:
        return INGEST_LEDGER_SCHEMA.empty_table()
    table = pa.concat_tables(pq.read_table(f, schema=INGEST_LEDGER_SCHEMA, filesystem=filesystem) for f in files)
    return table.sort_by("recorded_at")
