"""The Parquet lake: one Hive partition per digest day, one file per source format.

A day's partition holds one file per source format that landed a dump for the
day (``hf_api.parquet``, ``flat_json.parquet``, ``text.parquet``): a text dump
arriving after the API's JSON lands beside it instead of throwing away its
ids, authors, upvotes and links; the warehouse merges them per paper. Each
file is replaced in one atomic rename by the next dump of its format, so a
reader globbing ``digest_date=*/*.parquet`` sees a dump's old version or its
new one, never both and never half of one. A lake written before this layout
holds one ``part-0.parquet`` per day: it is read as the file of the format its
rows carry, renamed to that name when its day is next landed, and by
``papertrend migrate-lake``.

The Hive convention: ``digest_date`` lives in the folder name, not in the file.
Readers that merge the path's value with the file's (pandas, pyarrow datasets,
polars, Spark) refuse a column that is in both; DuckDB, pandas, pyarrow and
polars all read this layout with a date-typed ``digest_date`` (tests/integration/
test_lake_readers.py). ``papertrend migrate-lake`` rewrites files an older
version wrote with the column inside.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from papertrend.landing.files import write_atomically
from papertrend.parsing import ParsedDump
from papertrend.schema import DIGEST_ENTRIES_SCHEMA, PARSER_VERSION, SOURCE_FORMATS

# The one file per day of a lake written before one file per source format.
LEGACY_PARTITION_FILE = "part-0.parquet"
PARTITION_COLUMN = "digest_date"


def format_file_name(source_format: str) -> str:
    """The name of a source format's file in a day's partition."""
    if source_format not in SOURCE_FORMATS:
        raise ValueError(f"unknown source format {source_format!r}")
    return f"{source_format}.parquet"


def format_files(partition: Path) -> dict[str, Path]:
    """The files of one day's partition by source format (a legacy part-0.parquet
    under the format its rows carry); {} for a missing or empty partition."""
    files = {}
    legacy = partition / LEGACY_PARTITION_FILE
    if legacy.is_file():
        legacy_format = _file_source_format(legacy)
        if legacy_format:
            files[legacy_format] = legacy
    for source_format in SOURCE_FORMATS:
        path = partition / format_file_name(source_format)
        if path.is_file():
            files[source_format] = path
    return files


def _file_source_format(path: Path) -> str | None:
    column = pq.read_table(path, columns=["source_format"]).column(0)
    return column[0].as_py() if len(column) else None


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
    """Write (or replace) the file of one day and the table's source format
    atomically, without the partition column."""
    source_format = table.column("source_format")[0].as_py() if table.num_rows else "text"
    target = partition_dir(dataset_dir, digest_date) / format_file_name(source_format)
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
    """Bring an older lake to the current layout, each file atomically: rewrite
    the files that still carry digest_date, rename a day's legacy part-0.parquet
    to its source format's name. Returns the files changed."""
    migrated = []
    for path in sorted(Path(dataset_dir).glob(f"{PARTITION_COLUMN}=*/*.parquet")):
        if path.name.startswith((".", "_")):
            continue
        if PARTITION_COLUMN in pq.read_schema(path).names:
            table = without_partition_column(pq.read_table(path))
            write_atomically(path, lambda temp, table=table: pq.write_table(table, temp, compression="zstd"))
            migrated.append(path)
        if path.name == LEGACY_PARTITION_FILE and (renamed := rename_legacy_file(path.parent)):
            if path in migrated:
                migrated.remove(path)
            migrated.append(renamed)
    return migrated


def rename_legacy_file(partition: Path) -> Path | None:
    """Give a day's legacy part-0.parquet its source format's name (one atomic
    rename; the lake's readers glob *.parquet and see it under either name).
    The target name is free: promotion renames the legacy file before it
    writes any file into the day."""
    legacy = partition / LEGACY_PARTITION_FILE
    if not legacy.is_file() or not (source_format := _file_source_format(legacy)):
        return None
    target = partition / format_file_name(source_format)
    os.replace(legacy, target)
    return target


def landed_checksum(dataset_dir: Path, digest_date: date, source_format: str) -> str | None:
    """The source checksum of the dump of ``source_format`` landed for a day, if any."""
    path = format_files(partition_dir(dataset_dir, digest_date)).get(source_format)
    if path is None:
        return None
    column = pq.read_table(path, columns=["source_sha256"]).column(0)
    return column[0].as_py() if len(column) else None


def format_row_count(partition: Path, source_format: str) -> int | None:
    """Rows of one landed day's file of ``source_format``; None if there is none (or unreadable)."""
    try:
        path = format_files(partition).get(source_format)
        return None if path is None else pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return None


def staged_file(staged_partition: Path) -> Path:
    """The one file of a staged partition (a staged partition holds one dump)."""
    [path] = sorted(staged_partition.glob("*.parquet"))
    return path


def promote_partition(staged_partition: Path, lake_dataset_dir: Path) -> Path:
    """Move a validated staged partition into the lake, replacing that day's
    file of its source format (the day's other formats stay).

    The staged file is copied beside the lake file under a temporary name and
    renamed over it, so the swap is atomic even when staging and lake sit on
    different filesystems. The staged partition stays (a batch may promote the
    same bytes again); the caller removes it with :func:`remove_staged`."""
    target_dir = partition_dir(lake_dataset_dir, partition_date(staged_partition))
    source = staged_file(staged_partition)
    rename_legacy_file(target_dir)  # so that it is replaced if it holds this format
    return write_atomically(target_dir / source.name, lambda temp: shutil.copyfile(source, temp))


def remove_staged(staged_partition: Path) -> None:
    """Drop a staged partition and its per-dump staging folder."""
    shutil.rmtree(staged_partition.parent, ignore_errors=True)
