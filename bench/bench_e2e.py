"""The 3-year backfill end to end, side by side with the physical floor (issue 10).

    .venv/bin/python bench/bench_e2e.py [--days 365 1095] [--workdir DIR]

For each history length: generates DAYS daily text digests from the bundled
trending sample (290 papers a day, ~70% of them seen on one of the 4 days
before, dated file names), then times (1) ``floor.py``, a bare script doing
the same parse + Parquet + DuckDB work with no framework, and (2)
``.venv/bin/papertrend backfill`` (parse, land, Great Expectations, dbt build,
publish) on a fresh data root. Prints both times, their ratio and the peak
memory of each: the sum of PSS (shared pages split between the processes
sharing them) over the whole process tree, sampled every 0.1 s.

Adapted from the shared bench folder's e2e_backfill.py: same generator, floor and
measurement; the seed is the project's own sample (the same bytes). Prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED = PROJECT_ROOT / "samples" / "digests" / "2025-07-01_trending.txt"
FLOOR = Path(__file__).resolve().parent / "floor.py"
BIN = Path(sys.executable).parent


def write_digests(days: int, folder: Path) -> None:
    """The e2e history: the sample's 290 papers every day, ~70% seen before."""
    lines = SEED.read_text(encoding="utf-8").split("\n")[2:]
    lines[0] = lines[0].removeprefix("Subscribe")
    pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
    folder.mkdir(parents=True)
    rng = random.Random(7)
    day0 = dt.date(2023, 1, 1)
    for d in range(days):
        body = ["Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!"]
        for i, (title, abstract) in enumerate(pairs):
            k = d - rng.randrange(0, 5)
            body += [("Subscribe" if i == 0 else "") + f"{title} [{k}]", abstract]
        (folder / f"{day0 + dt.timedelta(d)}_trending.txt").write_text("\n".join(body))


def _tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for children in glob.glob(f"/proc/{p}/task/*/children"):
            try:
                todo += [int(c) for c in open(children).read().split()]
            except OSError:
                pass
    return found


def _pss_mib(pid: int) -> float:
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(cmd: list[str], log: Path, env: dict | None = None) -> tuple[float, float, int, str]:
    """(seconds, peak PSS MiB over the process tree, exit status, output)."""
    with log.open("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, sum(_pss_mib(p) for p in _tree(process.pid)))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        out.seek(0)
        return seconds, peak, process.returncode, out.read()


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs ({model or platform.machine()}), {memory:.0f} GiB RAM,"
        f" {platform.system()} {platform.release()}, Python {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.1f} before the run"
    )


def run(days: int, work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    write_digests(days, work / "in")
    fs, fm, frc, fout = timed(
        [sys.executable, str(FLOOR), str(SEED), str(days), str(work / "floor")], work / "floor.log"
    )
    env = dict(os.environ, PAPERTREND_DATA_DIR=str(work / "data"))
    ps, pm, prc, pout = timed(
        [str(BIN / "papertrend"), "backfill", str(work / "in")], work / "backfill.log", env
    )
    stages = re.search(r"^backfill: .*$", pout, re.M)
    floor_line = fout.strip().splitlines()[-1] if fout.strip() else ""
    print(f"{days} days: floor {fs:6.1f} s, peak {fm / 1024:4.2f} GiB (rc {frc}) | {floor_line}")
    print(
        f"{days} days: papertrend backfill {ps:6.1f} s, peak {pm / 1024:4.2f} GiB (rc {prc})"
        f" | {stages.group(0) if stages else 'log ' + str(work / 'backfill.log')}"
    )
    print(
        f"{days} days: ratio {ps / fs:.1f}x the floor (target <= 6x), peak memory"
        f" {pm / 1024:.2f} GiB (target <= 1.5 GiB), {pm / max(fm, 1):.2f}x the floor's",
        flush=True,
    )
    if prc != 0:
        print(pout[-3000:], file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[365, 1095])
    parser.add_argument("--workdir", type=Path, help="kept after the run (default: a temporary folder)")
    args = parser.parse_args()
    print(machine(), flush=True)
    if args.workdir:
        for days in args.days:
            run(days, args.workdir / f"e2e-{days}")
        return 0
    with tempfile.TemporaryDirectory(prefix="papertrend-e2e-") as tmp:
        for days in args.days:
            run(days, Path(tmp) / f"e2e-{days}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
