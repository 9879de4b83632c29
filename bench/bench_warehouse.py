"""Warehouse build timings: prints figures, asserts nothing.

    .venv/bin/python bench/bench_warehouse.py [--years 1 3]

1. dbt build on the sample digest (landed by the real ingest).
2. Full dbt build on synthetic lakes of 1 and 3 years (~300 papers a day,
   each paper trending 4 days in a row).
3. The daily incremental run (one new day, several days in a row; the median counts)
   on top of 1 week and of 3 years of history, and the ratio between them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from papertrend.settings import Settings
from papertrend.warehouse import build_warehouse
from papertrend.warehouse.synthetic import SAMPLE_TEXT_DIGEST, write_synthetic_lake

START = date(2022, 1, 1)


def _timed_build(settings: Settings, full_refresh: bool = False) -> tuple[float, float, dict]:
    """(seconds of the dbt build itself, seconds including publish and docs, mart row counts)."""
    report = build_warehouse(settings, full_refresh=full_refresh)
    return report.dbt_build_seconds, report.seconds, report.mart_row_counts


def bench_sample(tmp: Path) -> None:
    from papertrend.ingest import ingest_or_raise

    settings = Settings(data_dir=tmp / "sample")
    os.environ["PAPERTREND_DATA_DIR"] = str(settings.data_dir)
    ingest_or_raise([SAMPLE_TEXT_DIGEST], settings=settings)
    dbt_s, total, counts = _timed_build(settings)
    print(f"sample (290 papers)          dbt build {dbt_s:6.1f}s   with publish+docs {total:6.1f}s   papers={counts['papers']}")


def bench_history(tmp: Path, label: str, days: int, increments: int) -> tuple[float, float]:
    """Full build, then `increments` daily runs (one new day each); returns the median daily
    (dbt build, with publish+docs) seconds. One daily run is too noisy to compare histories."""
    settings = Settings(data_dir=tmp / label)
    t = time.monotonic()
    rows = write_synthetic_lake(settings.digest_entries_dir, START, days)
    lake_s = time.monotonic() - t
    dbt_s, total, counts = _timed_build(settings, full_refresh=True)
    print(
        f"{label:<8} full build ({days} days, {rows} rows, {counts['papers']} papers; lake written in {lake_s:.1f}s)"
        f"   dbt build {dbt_s:6.1f}s   with publish+docs {total:6.1f}s"
    )
    daily = []
    for day in range(increments):
        write_synthetic_lake(settings.digest_entries_dir, START + timedelta(days=days + day), 1)
        daily.append(_timed_build(settings)[:2])
    dbt_median = statistics.median(d for d, _ in daily)
    total_median = statistics.median(t for _, t in daily)
    runs = ", ".join(f"{d:.1f}" for d, _ in daily)
    print(
        f"{label:<8} daily incremental (+1 day on {days} days, {increments} runs: {runs})"
        f"   median dbt build {dbt_median:6.1f}s   with publish+docs {total_median:6.1f}s"
    )
    return dbt_median, total_median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--increments", type=int, default=3, help="daily runs per history (the median is compared)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="papertrend-bench-") as tmp:
        tmp_path = Path(tmp)
        bench_sample(tmp_path)
        week = bench_history(tmp_path, "1 week", 7, args.increments)
        for years in args.years:
            history = bench_history(tmp_path, f"{years} year", 365 * years, args.increments)
            print(
                f"daily incremental, {years} year vs 1 week: dbt build {history[0] / week[0]:.2f}x,"
                f" with publish+docs {history[1] / week[1]:.2f}x (target 1.3x)"
            )


if __name__ == "__main__":
    main()
