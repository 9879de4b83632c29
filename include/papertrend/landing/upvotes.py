"""Upvote observations: every upvote count the lake was given, kept.

On Hugging Face a paper's upvotes keep moving for a week or two after its day,
so the HTTP source fetches the last days again (``upvote_lookback_days``). A
day's dump file in ``digest_entries`` holds the latest fetch; each fetch's
counts are also kept here, one small file per observation day, digest day and
source format::

    lake/upvote_observations/observed_date=2025-07-03/digest_date=2025-07-01/hf_api.parquet

Why a dataset of its own, keyed by the day the counts were seen: replacing a
day's digest file with a later fetch must not lose the earlier counts, and the
history is a different grain (paper x observation day) from the digest (paper
x digest day). Keeping a whole copy of every fetch would repeat every title and
abstract a week long for a few integers. Writing one observation again (the
same day, digest day and format) replaces it: the last count seen that day wins.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from papertrend.landing.files import write_atomically
from papertrend.schema import SOURCE_FORMATS, UPVOTE_OBSERVATIONS_FILE_SCHEMA

# What must be equal for a re-fetched dump to be the same digest with new counts:
# everything a paper is, not its upvotes, its place in the list or the dump's provenance.
DIGEST_CONTENT_COLUMNS = (
    "title", "abstract", "arxiv_id", "authors", "published_at", "github_repo", "project_page",
)


def observation_path(observations_dir: Path, observed_date: date, digest_date: date, source_format: str) -> Path:
    return (
        observations_dir
        / f"observed_date={observed_date.isoformat()}"
        / f"digest_date={digest_date.isoformat()}"
        / f"{source_format}.parquet"
    )


def write_observation(
    digest_file: Path,
    observations_dir: Path,
    *,
    observed_date: date,
    digest_date: date,
    observed_at: datetime,
) -> Path | None:
    """Keep the upvote counts of one dump's lake file (staged or landed) as the
    observation of ``observed_date``; None when no row has a count (a text digest)."""
    table = pq.read_table(digest_file, columns=["position", "title", "arxiv_id", "upvotes", "source_format", "source_sha256"])
    table = table.filter(pc.is_valid(table.column("upvotes")))
    if table.num_rows == 0:
        return None
    table = table.append_column("observed_at", pa.repeat(pa.scalar(observed_at, pa.timestamp("us", tz="UTC")), table.num_rows))
    table = table.cast(UPVOTE_OBSERVATIONS_FILE_SCHEMA)
    source_format = table.column("source_format")[0].as_py()
    target = observation_path(observations_dir, observed_date, digest_date, source_format)
    return write_atomically(target, lambda temp: pq.write_table(table, temp, compression="zstd"))


def observe_landed_dumps(digest_entries_dir: Path, observations_dir: Path) -> list[Path]:
    """The observations of a lake from before them (``papertrend migrate-lake``):
    each landed dump file with upvotes whose day and format have no observation
    gets one, as seen on its own digest day. Running it again writes nothing."""
    written = []
    for path in sorted(digest_entries_dir.glob("digest_date=*/*.parquet")):
        if path.stem not in SOURCE_FORMATS:
            continue  # a hidden or temporary name, or a legacy file migrate renames first
        day = date.fromisoformat(path.parent.name.removeprefix("digest_date="))
        if any(observations_dir.glob(f"observed_date=*/digest_date={day.isoformat()}/{path.name}")):
            continue
        ingested_at = pq.read_table(path, columns=["ingested_at"]).column(0)
        if len(ingested_at) == 0:
            continue
        observation = write_observation(
            path, observations_dir, observed_date=day, digest_date=day, observed_at=ingested_at[0].as_py()
        )
        if observation:
            written.append(observation)
    return written


def differs_only_in_upvotes(new_file: Path, landed_file: Path) -> bool:
    """True when two dump files of one day and format hold the same papers with
    the same content, in any order, and differ at most in their upvotes: the
    same digest fetched again, not a different one."""
    new, landed = (
        pq.read_table(path, columns=list(DIGEST_CONTENT_COLUMNS)).to_pylist() for path in (new_file, landed_file)
    )
    return sorted(map(_comparable, new)) == sorted(map(_comparable, landed))


def _comparable(row: dict) -> tuple:
    return tuple(repr(row[column]) for column in DIGEST_CONTENT_COLUMNS)
