"""`make bench`: every benchmark, one after the other; each prints its figures.

    .venv/bin/python bench/run.py [--skip-3y]      (make bench, make bench SKIP_3Y=1)

Targets (printed beside the figures, never asserted): parse + land >= 20 MB/s;
a year through the GX gate < 10 s; 3-year full dbt build < 60 s and the daily
incremental at 3 years within 1.3x of 1 week; DAG files parse < 0.5 s each;
the backfill end to end (bench_e2e.py, last) within 6x of the physical floor
and under 1.5 GiB for 3 years. --skip-3y runs the end-to-end backfill for 1
year only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_topics.py", "bench_ingest.py", "bench_validation.py", "bench_dag_parse.py",
    "bench_warehouse.py", "bench_e2e.py",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-3y", action="store_true", help="end-to-end backfill for 1 year only")
    args = parser.parse_args()
    extra = {"bench_e2e.py": ["--days", "365"] if args.skip_3y else ["--days", "365", "1095"]}
    failed = []
    for name in BENCHMARKS:
        script = BENCH_DIR / name
        if not script.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(script), *extra.get(name, [])]).returncode != 0:
            failed.append(name)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    if failed:
        print(f"benchmarks that crashed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
