"""`make bench`: every benchmark, one after the other; each prints its figures.

Targets (printed beside the figures, never asserted): parse + land >= 20 MB/s;
a 365-day GX batch < 60 s; 3-year full dbt build < 60 s and the daily
incremental at 3 years within 1.3x of 1 week; DAG files parse < 0.5 s each.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = ["bench_topics.py", "bench_ingest.py", "bench_validation.py", "bench_dag_parse.py", "bench_warehouse.py"]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        script = BENCH_DIR / name
        if not script.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    if failed:
        print(f"benchmarks that crashed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
