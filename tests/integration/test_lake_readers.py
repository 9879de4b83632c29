"""The lake opens in the Parquet readers analysts use, with a date-typed digest_date.

The Hive convention (the partition column in the folder name, not in the file)
is what pandas, pyarrow datasets, polars and DuckDB agree on. An older lake,
with digest_date repeated in every file, made pandas and pyarrow fail with
"Unable to merge: Field digest_date has incompatible types"; `papertrend
migrate-lake` rewrites such a lake in place.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from papertrend.settings import Settings

pytestmark = pytest.mark.slow

SAMPLE_DAYS = [dt.date(2025, 7, 1), dt.date(2025, 7, 2), dt.date(2025, 7, 3)]


def rows_per_day_duckdb(lake: Path) -> dict[dt.date, int]:
    import duckdb

    rows = duckdb.sql(
        f"select digest_date, count(*) from read_parquet('{lake}/*/*.parquet', hive_partitioning = true)"
        " group by all"
    ).fetchall()
    return dict(rows)


def rows_per_day_pandas(lake: Path) -> dict[dt.date, int]:
    import pandas as pd

    frame = pd.read_parquet(lake, partitioning=pa.dataset.partitioning(
        pa.schema([("digest_date", pa.date32())]), flavor="hive"
    ))
    return {day: int(n) for day, n in frame.groupby("digest_date").size().items()}


def rows_per_day_pandas_plain(lake: Path) -> dict:
    """pandas with no options at all: digest_date is read from the path (as a category)."""
    import pandas as pd

    frame = pd.read_parquet(lake)
    return {dt.date.fromisoformat(str(day)): int(n) for day, n in frame.groupby("digest_date", observed=True).size().items()}


def rows_per_day_pyarrow(lake: Path) -> dict[dt.date, int]:
    import pyarrow.dataset as ds

    dataset = ds.dataset(
        lake, format="parquet",
        partitioning=ds.partitioning(pa.schema([("digest_date", pa.date32())]), flavor="hive"),
    )
    table = dataset.to_table()
    assert table.schema.field("digest_date").type == pa.date32()
    counts = table.group_by("digest_date").aggregate([("digest_date", "count")])
    return dict(zip(counts["digest_date"].to_pylist(), counts["digest_date_count"].to_pylist()))


def rows_per_day_polars(lake: Path) -> dict[dt.date, int]:
    import polars as pl

    frame = pl.scan_parquet(
        f"{lake}/**/*.parquet", hive_partitioning=True, hive_schema={"digest_date": pl.Date}
    ).collect()
    assert frame.schema["digest_date"] == pl.Date
    return dict(frame.group_by("digest_date").len().iter_rows())


READERS = {
    "duckdb": rows_per_day_duckdb,
    "pandas": rows_per_day_pandas,
    "pandas, no options": rows_per_day_pandas_plain,
    "pyarrow dataset": rows_per_day_pyarrow,
    "polars": rows_per_day_polars,
}


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_opens_the_lake_with_the_same_rows(samples_warehouse: Settings, reader):
    lake = samples_warehouse.digest_entries_dir
    expected = rows_per_day_duckdb(lake)
    assert sorted(expected) == SAMPLE_DAYS and all(expected.values())
    assert READERS[reader](lake) == expected


def test_lake_files_hold_no_partition_column(samples_warehouse: Settings):
    files = sorted(samples_warehouse.digest_entries_dir.glob("digest_date=*/*.parquet"))
    assert [f"{path.parent.name}/{path.name}" for path in files] == [
        "digest_date=2025-07-01/text.parquet",
        "digest_date=2025-07-02/hf_api.parquet",
        "digest_date=2025-07-03/flat_json.parquet",
    ]
    for path in files:
        assert "digest_date" not in pq.read_schema(path).names, path


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_opens_a_day_with_two_source_formats(samples_warehouse: Settings, tmp_path, reader):
    """One file per source format in a day's folder: every reader sees both files' rows."""
    import shutil

    lake = tmp_path / "digest_entries"
    landed = samples_warehouse.digest_entries_dir
    (lake / "digest_date=2025-07-01").mkdir(parents=True)
    shutil.copyfile(landed / "digest_date=2025-07-01/text.parquet", lake / "digest_date=2025-07-01/text.parquet")
    shutil.copyfile(landed / "digest_date=2025-07-02/hf_api.parquet", lake / "digest_date=2025-07-01/hf_api.parquet")

    assert READERS[reader](lake) == {dt.date(2025, 7, 1): 290 + 2}


def test_migrate_lake_rewrites_an_older_lake_once(data_root: Settings, samples_warehouse: Settings):
    """A lake an older version wrote (one part-0.parquet per day, digest_date inside
    each file) fails in pandas; `papertrend migrate-lake` fixes it in place (each file
    named by its source format), keeps every row, and is idempotent."""
    import pandas as pd

    old_lake = data_root.digest_entries_dir
    for source in sorted(samples_warehouse.digest_entries_dir.glob("digest_date=*/*.parquet")):
        day = dt.date.fromisoformat(source.parent.name.removeprefix("digest_date="))
        table = pq.read_table(source)
        table = table.add_column(0, "digest_date", pa.repeat(pa.scalar(day, pa.date32()), table.num_rows))
        (old_lake / source.parent.name).mkdir(parents=True)
        pq.write_table(table, old_lake / source.parent.name / "part-0.parquet")
    expected = rows_per_day_duckdb(old_lake)
    with pytest.raises(Exception, match="digest_date"):
        pd.read_parquet(old_lake)

    first = _papertrend("migrate-lake")
    assert first.returncode == 0, first.stderr
    assert f"{len(SAMPLE_DAYS)} lake file(s) migrated" in first.stdout
    assert rows_per_day_pandas(old_lake) == expected == rows_per_day_pyarrow(old_lake)
    assert sorted(p.name for p in old_lake.glob("*/*.parquet")) == ["flat_json.parquet", "hf_api.parquet", "text.parquet"]
    # The upvotes already landed are kept as observations of their own day (text has none).
    assert "2 upvote observation(s) written" in first.stdout
    observations = sorted(data_root.upvote_observations_dir.rglob("*.parquet"))
    assert [str(p.relative_to(data_root.upvote_observations_dir)) for p in observations] == [
        "observed_date=2025-07-02/digest_date=2025-07-02/hf_api.parquet",
        "observed_date=2025-07-03/digest_date=2025-07-03/flat_json.parquet",
    ]
    second = _papertrend("migrate-lake")
    assert "0 lake file(s) migrated" in second.stdout
    assert "0 upvote observation(s) written" in second.stdout


def _papertrend(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "papertrend.cli", *args], capture_output=True, text=True, timeout=120
    )


MARTS = [
    "digest_appearances", "paper_links", "paper_topics", "paper_upvotes_daily", "papers",
    "topic_daily_trends", "topics",
]


@pytest.mark.parametrize("mart", MARTS)
def test_each_mart_folder_reads_as_exactly_that_mart(samples_warehouse: Settings, mart):
    """pandas on a mart's folder gives the serving file's table: same columns, same rows."""
    import pandas as pd
    import polars as pl

    from papertrend.warehouse.reading import open_serving

    folder = samples_warehouse.marts_dir / mart
    frame = pd.read_parquet(folder)
    with open_serving(samples_warehouse.serving_db_path) as con:
        expected = con.sql(f"from {mart}")
        columns, count = expected.columns, len(expected.fetchall())
    assert list(frame.columns) == columns
    assert len(frame) == count > 0
    assert pl.scan_parquet(f"{folder}/*.parquet").collect().height == count


def test_reading_the_marts_folder_itself_fails_loudly(samples_warehouse: Settings):
    """Not seven tables silently stacked under one schema: the folder's README stops the read."""
    import pandas as pd

    with pytest.raises(Exception, match="README.md|[Pp]arquet"):
        pd.read_parquet(samples_warehouse.marts_dir)
    assert "marts/papers" in (samples_warehouse.marts_dir / "README.md").read_text()
