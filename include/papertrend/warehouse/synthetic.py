"""A synthetic lake for benchmarks and incremental tests: realistic text, many days.

Papers are the sample digest's papers with a numbered suffix, so titles,
abstracts, URLs and topic matching cost what real ones do. Each day lists
`papers_per_day` papers and each paper trends for `days_per_paper` days in a
row, as on the real feed.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from papertrend.settings import SAMPLES_DIR

SAMPLE_TEXT_DIGEST = SAMPLES_DIR / "2025-07-01_trending.txt"


def sample_papers(path: Path = SAMPLE_TEXT_DIGEST) -> list[tuple[str, str]]:
    """(title, abstract) pairs of a text digest, good enough for synthetic data (not a parser)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()[2:] if line.strip()]
    lines[0] = lines[0].removeprefix("Subscribe")
    return list(zip(lines[0::2], lines[1::2]))


def write_synthetic_lake(
    digest_entries_dir: Path,
    start: date,
    days: int,
    papers_per_day: int = 300,
    days_per_paper: int = 4,
) -> int:
    """Write `days` daily partitions; returns the number of rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from papertrend.landing.lake import without_partition_column
    from papertrend.schema import DIGEST_ENTRIES_SCHEMA, PARSER_VERSION

    base = sample_papers()
    new_per_day = max(1, papers_per_day // days_per_paper)
    ingested_at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        first = offset * new_per_day
        numbers = range(first, first + papers_per_day)
        titles, abstracts = [], []
        for n in numbers:
            title, abstract = base[n % len(base)]
            titles.append(f"{title} ({n // len(base)})")
            abstracts.append(abstract)
        count = len(titles)
        sha = hashlib.sha256("\n".join(titles).encode()).hexdigest()
        table = pa.table(
            {
                "digest_date": [day] * count,
                "position": list(range(1, count + 1)),
                "title": titles,
                "abstract": abstracts,
                "arxiv_id": [None] * count,
                "authors": [None] * count,
                "upvotes": [None] * count,
                "published_at": [None] * count,
                "github_repo": [None] * count,
                "project_page": [None] * count,
                "source_format": ["text"] * count,
                "source_uri": [f"synthetic://{day}"] * count,
                "source_sha256": [sha] * count,
                "parser_version": [PARSER_VERSION] * count,
                "ingested_at": [ingested_at] * count,
            },
            schema=DIGEST_ENTRIES_SCHEMA,
        )
        partition = digest_entries_dir / f"digest_date={day.isoformat()}"
        partition.mkdir(parents=True, exist_ok=True)
        # the layout the landing writes: digest_date is the folder's name, a file per source format
        pq.write_table(without_partition_column(table), partition / "text.parquet", compression="zstd")
        rows += count
    return rows
