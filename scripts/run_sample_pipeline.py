"""`make run`: the whole pipeline on the bundled samples, through the real DAGs.

Sets up an Airflow home inside the project (`airflow_home/`, SQLite metadata),
copies the sample digests into the inbox, runs `ingest_digests` for each sample
date and then `build_warehouse` with `dag.test()`, and prints a report.
Assets do not chain under `dag.test()`, so the build is run explicitly after
the ingests, as the scheduler would after the lake asset updates.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date

from papertrend.airflow_home import local_airflow_env
from papertrend.settings import PROJECT_ROOT, SAMPLES_DIR, get_settings

AIRFLOW_HOME = PROJECT_ROOT / "airflow_home"


def main() -> int:
    os.environ.update(local_airflow_env(AIRFLOW_HOME))
    settings = get_settings()
    sample_days = sorted({date.fromisoformat(p.name[:10]) for p in SAMPLES_DIR.iterdir()})

    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SAMPLES_DIR.iterdir()):
        shutil.copyfile(sample, settings.inbox_dir / sample.name)
    print(f"data root: {settings.data_dir}\ninbox: {len(sample_days)} sample digests copied")

    import pendulum
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    print(f"airflow home: {AIRFLOW_HOME} (SQLite metadata), migrating ...", flush=True)
    db.upgradedb()
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
        return 1

    failed = []
    for day in sample_days:
        logical_date = pendulum.datetime(day.year, day.month, day.day, tz="UTC")
        failed += _run(bag, "ingest_digests", logical_date)
    failed += _run(bag, "build_warehouse", pendulum.now("UTC"))

    from papertrend.report import pipeline_report

    print(pipeline_report(settings))
    if failed:
        print(f"\nFAILED runs: {', '.join(failed)} (see the task logs above)", file=sys.stderr)
        return 1
    return 0


def _run(bag, dag_id: str, logical_date) -> list[str]:
    print(f"\n== dag.test {dag_id} {logical_date:%Y-%m-%d} ==", flush=True)
    dag_run = bag.get_dag(dag_id).test(logical_date=logical_date)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    print(f"== {dag_id} {logical_date:%Y-%m-%d}: {dag_run.state} {states}", flush=True)
    return [] if str(dag_run.state) == "success" else [f"{dag_id} {logical_date:%Y-%m-%d}"]


if __name__ == "__main__":
    sys.exit(main())
