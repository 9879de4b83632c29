"""Parse + land throughput on the real sample repeated many times.

Prints MB/s and rows/s for (a) parsing alone and (b) parse + build the Arrow
table + write the zstd partition atomically, on one core, and the peak RSS.
The quality gate is measured separately (bench_validation.py).
Target (issue 2): at least 20 MB/s of digest text parsed and landed.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from papertrend.landing import lake
from papertrend.parsing import parse_dump
from papertrend.settings import SAMPLES_DIR

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 100


def main() -> None:
    sample = (SAMPLES_DIR / "2025-07-01_trending.txt").read_bytes()
    header, body = sample.split(b"\n", 2)[:2], sample.split(b"\n", 2)[2]
    # One big dump: the header once, then the 290 papers REPEATS times.
    big = b"\n".join(header) + b"\n" + b"\n".join([body.rstrip(b"\n")] * REPEATS) + b"\n"
    megabytes = len(big) / 1e6

    # pyarrow pays ~1 s of lazy initialisation on its first conversion; that is
    # start-up, not throughput, so it is measured apart.
    started = time.perf_counter()
    lake.build_table(
        parse_dump(sample, "warmup.txt"), digest_date=date(2025, 7, 1), source_uri="w",
        source_sha256="0" * 64, ingested_at=datetime.now(timezone.utc),
    )
    warmup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    parsed = parse_dump(big, "bench.txt")
    parse_seconds = time.perf_counter() - started
    rows = len(parsed.records)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        parsed = parse_dump(big, "bench.txt")
        table = lake.build_table(
            parsed, digest_date=date(2025, 7, 1), source_uri="bench.txt",
            source_sha256="0" * 64, ingested_at=datetime.now(timezone.utc),
        )
        lake.write_partition(table, Path(tmp), date(2025, 7, 1))
        land_seconds = time.perf_counter() - started

        # A year of daily sample-sized digests, one partition each.
        started = time.perf_counter()
        for day in range(365):
            parsed = parse_dump(sample, "day.txt")
            digest_date = date(2024, 1, 1) + timedelta(days=day)
            table = lake.build_table(
                parsed, digest_date=digest_date, source_uri="day.txt",
                source_sha256="0" * 64, ingested_at=datetime.now(timezone.utc),
            )
            lake.write_partition(table, Path(tmp) / "year", digest_date)
        year_seconds = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ingest: one {megabytes:.1f} MB dump ({rows} papers, sample x{REPEATS})")
    print(f"  start-up (first dump, pyarrow init) {warmup_seconds:.2f} s")
    print(f"  parse only          {parse_seconds:6.2f} s  {megabytes / parse_seconds:6.1f} MB/s  {rows / parse_seconds:9.0f} rows/s")
    print(f"  parse + land        {land_seconds:6.2f} s  {megabytes / land_seconds:6.1f} MB/s  {rows / land_seconds:9.0f} rows/s  (target >= 20 MB/s)")
    year_mb = len(sample) * 365 / 1e6
    print(f"  365 daily dumps     {year_seconds:6.2f} s  {year_mb / year_seconds:6.1f} MB/s  {290 * 365 / year_seconds:9.0f} rows/s")
    print(f"  peak RSS            {peak_mb:6.0f} MB")


if __name__ == "__main__":
    main()
