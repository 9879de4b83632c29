"""How long Airflow takes to parse each DAG file (target: under 0.5 s per file).

The scheduler's DAG processor re-parses every file every few minutes, so a slow
top-level import costs all day. Two figures per file:

- ``folder``: DagBag over the whole folder in one process (``dagbag_stats``);
  the first file parsed also pays for imports the others then share.
- ``alone``: the file parsed by itself in a process forked from one that has
  already imported Airflow, as the DAG processor forks its parsing processes:
  what this one file's own imports and top-level code cost.

Prints a table; asserts nothing (the numbers depend on the machine).

    .venv/bin/python bench/bench_dag_parse.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = PROJECT_ROOT / "dags"
TARGET_SECONDS = 0.5

# Runs in a child process: Airflow is imported once (not timed); then each
# path in argv[2:] is parsed argv[1] times, each time in a fresh fork.
_PARSE_IN_CHILD = """
import json, os, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG, Asset, dag, task  # noqa: F401  (what the DAG processor has loaded)

def parse(path):
    bag = DagBag(dag_folder=path)
    return {
        "errors": {str(k): v for k, v in bag.import_errors.items()},
        "stats": [{"file": s.file, "seconds": s.duration.total_seconds()} for s in bag.dagbag_stats],
    }

reports = []
for _ in range(int(sys.argv[1])):
    for path in sys.argv[2:]:
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.close(read_end)
            os.write(write_end, json.dumps(parse(path)).encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            reports.append(json.loads(pipe.read()))
        os.wait()
print(json.dumps(reports))
"""


def isolated_airflow_env() -> dict[str, str]:
    """A throwaway Airflow home so the bench never touches a real one."""
    home = tempfile.mkdtemp(prefix="papertrend-bench-airflow-")
    return {
        **os.environ,
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }


def parse(paths: list[Path], repeat: int, env: dict[str, str]) -> list[dict]:
    """One DagBag report per (repeat, path), each parsed in a fresh fork."""
    result = subprocess.run(
        [sys.executable, "-c", _PARSE_IN_CHILD, str(repeat), *map(str, paths)],
        env=env, capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )
    reports = json.loads(result.stdout.strip().splitlines()[-1])
    for report in reports:
        if report["errors"]:
            raise SystemExit(f"import errors: {report['errors']}")
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median is shown)")
    args = parser.parse_args()
    env = isolated_airflow_env()
    dag_files = sorted(DAGS_FOLDER.glob("*.py"))

    folder_runs: dict[str, list[float]] = {}
    for report in parse([DAGS_FOLDER], args.repeat, env):
        for stat in report["stats"]:
            folder_runs.setdefault(Path(stat["file"]).name, []).append(stat["seconds"])

    alone_runs: dict[str, list[float]] = {}
    # Reports come back in argument order (DagBag names a lone file "."), repeat after repeat.
    for path, report in zip(dag_files * args.repeat, parse(dag_files, args.repeat, env), strict=True):
        [stat] = report["stats"]
        alone_runs.setdefault(path.name, []).append(stat["seconds"])

    print(f"DAG parse time, median of {args.repeat} runs (target < {TARGET_SECONDS} s per file)")
    print(f"{'file':<24} {'folder s':>9} {'alone s':>9}  verdict")
    for path in dag_files:
        folder = statistics.median(folder_runs.get(path.name, [float("nan")]))
        alone = statistics.median(alone_runs[path.name])
        verdict = "ok" if max(folder, alone) < TARGET_SECONDS else "OVER TARGET"
        print(f"{path.name:<24} {folder:>9.3f} {alone:>9.3f}  {verdict}")
    total = sum(statistics.median(runs) for runs in folder_runs.values())
    print(f"{'whole folder':<24} {total:>9.3f}")


if __name__ == "__main__":
    main()
