"""`make run`: the whole pipeline on the bundled samples, through the real DAGs.

Sets up an Airflow home inside the project (`airflow_home/`, SQLite metadata;
`PAPERTREND_AIRFLOW_HOME` overrides it), copies the sample digests into the
inbox, runs `ingest_digests` for each sample date and then `build_warehouse`,
and prints one line per task and a report. Each task runs in an Airflow worker
(papertrend.local_runs), so the runs, their task logs and their durations can
be read in `make airflow` like scheduled ones.

Assets do not chain outside a scheduler, so the build is run here after the
ingests, as the scheduler would: only when they updated the lake asset (or
when no warehouse has been published yet).

The terminal gets the progress lines and the report; everything Airflow and
the libraries print goes to `<airflow home>/logs/make_run.log`, and each
task's full log to its file under `<airflow home>/logs/dag_id=...`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TextIO

from papertrend.airflow_home import local_airflow_env
from papertrend.local_runs import executor_env
from papertrend.settings import PROJECT_ROOT, SAMPLES_DIR, get_settings

AIRFLOW_HOME = Path(os.environ.get("PAPERTREND_AIRFLOW_HOME", PROJECT_ROOT / "airflow_home")).resolve()
OUTPUT_LOG = AIRFLOW_HOME / "logs" / "make_run.log"


def main() -> int:
    os.environ.update(local_airflow_env(AIRFLOW_HOME), **executor_env())
    OUTPUT_LOG.parent.mkdir(parents=True, exist_ok=True)
    with output_to(OUTPUT_LOG) as terminal:
        return run(terminal)


def run(terminal: TextIO) -> int:
    def say(line: str = "") -> None:
        print(line, file=terminal, flush=True)

    settings = get_settings()
    sample_days = sorted({date.fromisoformat(p.name[:10]) for p in SAMPLES_DIR.iterdir()})
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SAMPLES_DIR.iterdir()):
        shutil.copyfile(sample, settings.inbox_dir / sample.name)
    say(f"data root:    {settings.data_root} ({len(sample_days)} sample digests copied to {_shown(settings.inbox_dir)})")
    if os.environ.get("PAPERTREND_EXECUTOR") == "CeleryExecutor":
        say("executor:     CeleryExecutor: the tasks run on the Celery workers, which read the inbox/ of their own workspace")
    say(f"airflow home: {AIRFLOW_HOME} (SQLite); all output of this run: {_shown(OUTPUT_LOG)}")

    import pendulum
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    from papertrend.local_runs import execution_api, lake_events, run_dag
    from papertrend.pools import ensure_writer_pool

    db.upgradedb()
    ensure_writer_pool()
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        say(f"DAG import errors: {bag.import_errors}")
        return 1

    failed = []
    with execution_api():
        events_before = lake_events()
        for day in sample_days:
            logical_date = pendulum.datetime(day.year, day.month, day.day, tz="UTC")
            failed += _run(say, bag.get_dag("ingest_digests"), logical_date, run_dag)
        build = bag.get_dag("build_warehouse")
        if lake_events() > events_before:
            failed += _run(say, build, pendulum.now("UTC"), run_dag, "the lake was updated")
        elif not settings.serving_db_path.exists():
            failed += _run(say, build, pendulum.now("UTC"), run_dag, "no warehouse yet")
        else:
            say("build_warehouse: not triggered: no lake update (every dump was unchanged)")

    say("runs and task logs in the Airflow UI: `make airflow`, then http://127.0.0.1:8080")
    from papertrend.report import pipeline_report

    say(pipeline_report(settings))
    if failed:
        say(f"\nFAILED runs: {', '.join(failed)} (their task logs are listed above)")
        return 1
    return 0


def _run(say, dag, logical_date, run_dag, why: str = "") -> list[str]:
    label = f"{dag.dag_id} {logical_date:%Y-%m-%d}"
    say(f"{label}{f' ({why})' if why else ''}")
    result = run_dag(dag, logical_date)
    for task in result.tasks:
        seconds = "" if task.seconds is None else f"{task.seconds:5.1f}s"
        say(f"  {task.task_id:<19} {task.state:<15} {seconds:>6}  {task.note}".rstrip())
        if task.state not in ("success", "skipped") and task.log_path:
            say(f"  {'':<19} log: {_shown(task.log_path)}")
    return [] if result.succeeded else [label]


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


@contextmanager
def output_to(log_file: Path) -> Iterator[TextIO]:
    """Send everything written to stdout and stderr (by this process, Airflow's
    workers and the libraries) to ``log_file``; yield the terminal for our lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", buffering=1)
    with open(log_file, "wb") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()


if __name__ == "__main__":
    sys.exit(main())
