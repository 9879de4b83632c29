"""The ingest ledger: one row per dump per ingest attempt.

Stored as small Parquet files (one per event) under ``lake/ingest_ledger/``:
appending never rewrites history, each file is written atomically, and one
query answers "what came in, when, and what happened to it":

    select * from read_parquet('data/lake/ingest_ledger/*.parquet') order by recorded_at;
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from papertrend.landing.files import write_atomically
from papertrend.schema import INGEST_LEDGER_SCHEMA, LEDGER_STATUSES


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


def record(ledger_dir: Path, entry: LedgerEntry) -> Path:
    if entry.status not in LEDGER_STATUSES:
        raise ValueError(f"unknown ledger status {entry.status!r}")
    recorded_at = entry.recorded_at or datetime.now(timezone.utc)
    row = {name: [getattr(entry, name)] for name in INGEST_LEDGER_SCHEMA.names}
    row["recorded_at"] = [recorded_at]
    table = pa.table(row, schema=INGEST_LEDGER_SCHEMA)
    name = f"{recorded_at:%Y%m%dT%H%M%S%f}_{entry.source_sha256[:16]}_{entry.status}.parquet"
    return write_atomically(ledger_dir / name, lambda temp: pq.write_table(table, temp))


def read_ledger(ledger_dir: Path) -> pa.Table:
    """All ledger rows in the order they were recorded."""
    files = sorted(ledger_dir.glob("*.parquet"))
    if not files:
        return INGEST_LEDGER_SCHEMA.empty_table()
    table = pa.concat_tables(pq.read_table(f, schema=INGEST_LEDGER_SCHEMA) for f in files)
    return table.sort_by("recorded_at")
