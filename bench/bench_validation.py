"""How long the quality gate takes: GX start-up, one partition, a year of partitions.

    .venv/bin/python bench/bench_validation.py [--days 365]

The year goes through one ``Gate`` session in the batches ingest uses
(``papertrend.ingest.GATE_BATCH_ROWS``), Data Docs included, as in a backfill.
Prints seconds; asserts nothing. Writes synthetic 300-row partitions and all
GX output under a temporary data root.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.integration.test_validation import write_partition  # noqa: E402


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="papertrend-bench-") as tmp:
        root = Path(tmp)
        os.environ["PAPERTREND_DATA_DIR"] = str(root / "data")
        staging = root / "staging"
        first = dt.date(2024, 1, 1)
        one = write_partition(staging / "one", first, rows=args.rows)
        year = [
            write_partition(staging / "year", first + dt.timedelta(days=day), rows=args.rows)
            for day in range(args.days)
        ]

        from papertrend.settings import get_settings
        from papertrend.validation.context import open_context
        from papertrend.ingest import GATE_BATCH_ROWS
        from papertrend.validation.gate import Gate, validate_partitions

        settings = get_settings()
        started = time.perf_counter()
        open_context(settings)
        print(f"context start-up (GX import + file context): {time.perf_counter() - started:6.2f} s")

        started = time.perf_counter()
        (verdict,) = validate_partitions([one], settings)
        print(
            f"1 partition, {args.rows} rows (incl. Data Docs):  {time.perf_counter() - started:6.2f} s"
            f"  success={verdict.success}"
        )

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        per_batch = max(1, GATE_BATCH_ROWS // args.rows)
        verdicts = []
        with Gate(settings) as gate:
            for first_of_batch in range(0, len(year), per_batch):
                verdicts += gate.validate(year[first_of_batch : first_of_batch + per_batch])
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        passed = sum(v.success for v in verdicts)
        print(
            f"{args.days} partitions, batches of {per_batch} (incl. Data Docs): {elapsed:6.2f} s"
            f"  ({elapsed / args.days * 1000:.0f} ms each, {passed}/{args.days} passed;"
            " target: a year < 10 s)"
        )
        # Wall time depends on what else runs on the machine; CPU time does not.
        print(
            f"  CPU time: {cpu:6.2f} s"
            f" ({cpu / args.days * 1000:.0f} ms per partition; {os.cpu_count()} CPUs,"
            f" load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
