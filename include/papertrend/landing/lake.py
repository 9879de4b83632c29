"""The Parquet lake: one Hive partition per digest day, one file per partition.

Every partition holds exactly one file, ``part-0.parquet``, replaced in one
atomic rename. A reader globbing ``digest_date=*/*.parquet`` therefore sees a
day's old digest or its new one, never both and never half of one.

The Hive convention: ``digest_date`` lives in the folder name, not in the file.
Readers that merge the path's value with the file's (pandas, pyarrow datasets,
polars, Spark) refuse a column that is in both; DuckDB, pandas, pyarrow and
polars all read this layout with a date-typed ``digest_date`` (tests/integration/
test_lake_readers.py). ``papertrend migrate-lake`` rewrites files an older
version wrote with the column inside.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from papertrend.landing.files import write_atomically
from papertrend.parsing import ParsedDump
from papertrend.schema import DIGEST_ENTRIES_SCHEMA, PARSER_VERSION

PARTITION_FILE = "part-0.parquet"
PARTITION_COLUMN = "digest_date"


def partition_dir(dataset_dir: Path, digest_date: date) -> Path:
    return dataset_dir / f"digest_date={digest_date.isoformat()}"


def partition_date(partition: Path) -> date:
    return date.fromisoformat(partition.name.removeprefix("digest_date="))


def build_table(
    parsed: ParsedDump,
    *,
    digest_date: date,
    source_uri: str,
    source_sha256: str,
    ingested_at: datetime,
) -> pa.Table:
    records = parsed.records
    n = len(records)
    per_record = {
        "title": [r.title for r in records],
        "abstract": [r.abstract for r in records],
        "arxiv_id": [r.arxiv_id for r in records],
        "authors": [r.authors for r in records],
        "upvotes": [r.upvotes for r in records],
        "published_at": [r.published_at for r in records],
        "github_repo": [r.github_repo for r in records],
        "project_page": [r.project_page for r in records],
    }
    per_dump = {
        "digest_date": digest_date,
        "source_format": parsed.source_format,
        "source_uri": source_uri,
        "source_sha256": source_sha256,
        "parser_version": PARSER_VERSION,
        "ingested_at": ingested_at,
    }
    columns = []
    for field in DIGEST_ENTRIES_SCHEMA:
        if field.name == "position":
            columns.append(pa.array(range(1, n + 1), type=field.type))
        elif field.name in per_dump:
            # Repeating one scalar is far cheaper than converting n Python objects.
            columns.append(pa.repeat(pa.scalar(per_dump[field.name], type=field.type), n))
        elif all(value is None for value in per_record[field.name]):
            columns.append(pa.nulls(n, type=field.type))
        else:
            columns.append(pa.array(per_record[field.name], type=field.type))
    return pa.Table.from_arrays(columns, schema=DIGEST_ENTRIES_SCHEMA)


def write_partition(table: pa.Table, dataset_dir: Path, digest_date: date) -> Path:
    """Write (or replace) one day's partition file atomically, without the partition column."""
    target = partition_dir(dataset_dir, digest_date) / PARTITION_FILE
    file_table = without_partition_column(table)
    return write_atomically(
        target, lambda temp: pq.write_table(file_table, temp, compression="zstd")
    )


def without_partition_column(table: pa.Table) -> pa.Table:
    """The table as a partition file holds it: digest_date is the folder's name."""
    if PARTITION_COLUMN in table.column_names:
        return table.drop_columns([PARTITION_COLUMN])
    return table


def with_partition_column(table: pa.Table, digest_date: date) -> pa.Table:
    """A partition file's rows with digest_date from its folder (kept if the file has it)."""
    if PARTITION_COLUMN in table.column_names:
        return table
    column = pa.repeat(pa.scalar(digest_date, type=pa.date32()), table.num_rows)
    return table.add_column(0, pa.field(PARTITION_COLUMN, pa.date32(), nullable=False), column)


def migrate_partition_files(dataset_dir: Path) -> list[Path]:
    """Rewrite, atomically, every partition file that still carries digest_date; returns them."""
    migrated = []
    for path in sorted(Path(dataset_dir).glob(f"{PARTITION_COLUMN}=*/*.parquet")):
        if path.name.startswith((".", "_")):
            continue
        if PARTITION_COLUMN not in pq.read_schema(path).names:
            continue
        table = without_partition_column(pq.read_table(path))
        write_atomically(path, lambda temp, table=table: pq.write_table(table, temp, compression="zstd"))
        migrated.append(path)
    return migrated


def landed_checksum(dataset_dir: Path, digest_date: date) -> str | None:
    """The source checksum of the dump a day's partition was landed from, if any."""
    path = partition_dir(dataset_dir, digest_date) / PARTITION_FILE
    if not path.exists():
        return None
    column = pq.read_table(path, columns=["source_sha256"]).column(0)
    return column[0].as_py() if len(column) else None


def partition_volume(partition: Path) -> tuple[str | None, int]:
    """(source format, row count) of one landed partition; (None, 0) if unreadable."""
    try:
        column = pq.read_table(partition / PARTITION_FILE, columns=["source_format"]).column(0)
    except (OSError, ValueError):
        return None, 0
    return (column[0].as_py() if len(column) else None), len(column)


def promote_partition(staged_partition: Path, lake_dataset_dir: Path) -> Path:
    """Move a validated staged partition into the lake, replacing that day.

    The staged file is copied beside the lake file under a temporary name and
    renamed over it, so the swap is atomic even when staging and lake sit on
    different filesystems. The staged partition stays (a batch may promote the
    same bytes again); the caller removes it with :func:`remove_staged`."""
    target_dir = partition_dir(lake_dataset_dir, partition_date(staged_partition))
    source = staged_partition / PARTITION_FILE
    return write_atomically(target_dir / PARTITION_FILE, lambda temp: shutil.copyfile(source, temp))


def remove_staged(staged_partition: Path) -> None:
    """Drop a staged partition and its per-dump staging folder."""
    shutil.rmtree(staged_partition.parent, ignore_errors=True)
