"""`make run` leaves runs an operator can read in `make airflow`, and says little.

Runs scripts/run_sample_pipeline.py as `make run` does, on a temporary data
root and Airflow home, then asks that Airflow, through the reader the UI's log
view uses (TaskLogReader), for every task's log, and reads the runs' dates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from papertrend.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

# What the Airflow UI's log view and run list would show, read in that Airflow home.
READ_RUNS = r"""
import json
from sqlalchemy import select
from airflow.models.dagrun import DagRun
from airflow.utils.log.log_reader import TaskLogReader
from airflow.utils.session import create_session

runs = []
with create_session() as session:
    for run in session.scalars(select(DagRun).order_by(DagRun.id)):
        tasks = {}
        for ti in run.get_task_instances(session=session):
            events = []
            if ti.try_number:
                stream, _ = TaskLogReader().read_log_chunks(ti, ti.try_number, {})
                events = [str(message.event) for message in stream]
            tasks[ti.task_id] = {"state": str(ti.state), "log": events}
        runs.append({
            "dag_id": run.dag_id,
            "logical_date": run.logical_date.isoformat() if run.logical_date else None,
            "start_date": run.start_date.isoformat(),
            "end_date": run.end_date.isoformat(),
            "tasks": tasks,
        })
print(json.dumps(runs))
"""


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("make_run")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PAPERTREND"))},
        "PAPERTREND_DATA_DIR": str(root / "data"),
        "PAPERTREND_AIRFLOW_HOME": str(root / "airflow_home"),
    }
    started = datetime.now(timezone.utc)
    finished = subprocess.run(
        [sys.executable, "scripts/run_sample_pipeline.py"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    airflow_env = {
        **env,
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow_home' / 'airflow.db'}",
    }
    read = subprocess.run(
        [sys.executable, "-c", READ_RUNS], env=airflow_env, capture_output=True, text=True, timeout=120
    )
    assert read.returncode == 0, read.stderr[-3000:]
    return started, finished, json.loads(read.stdout.strip().splitlines()[-1])


def test_make_run_prints_a_short_progress_and_ends_with_the_report(make_run):
    _, finished, _ = make_run
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    assert len(lines) < 60, "\n".join(lines)
    assert "Skipping registering function" not in finished.stdout, "library noise on the terminal"
    assert not finished.stderr.strip(), finished.stderr[-3000:]
    for task in ("collect_dumps", "refetch_recent_days", "land", "report_rejections", "build_and_publish"):
        assert any(line.split()[:2] == [task, "success"] for line in lines), f"no progress line for {task}"
    assert any("landed 2025-07-01 290 rows" in line for line in lines)
    assert "(first build)" in finished.stdout and "(incremental)" not in finished.stdout
    assert "== papertrend: what the pipeline holds ==" in finished.stdout
    assert lines[-1].startswith("query it:")


def test_every_task_log_is_where_the_ui_reads_it(make_run):
    _, _, runs = make_run
    assert [(run["dag_id"], run["logical_date"][:10]) for run in runs][:3] == [
        ("ingest_digests", f"2025-07-0{day}") for day in (1, 2, 3)
    ]
    assert [run["dag_id"] for run in runs][3:] == ["build_warehouse"]
    for run in runs:
        for task_id, task in run["tasks"].items():
            log = "\n".join(task["log"])
            assert "Could not read served logs" not in log, f"{run['dag_id']}.{task_id}: no log file"
            assert "::group::Pre Execute" in log, f"{run['dag_id']}.{task_id}: the task's own log is missing"
    land_log = "\n".join(runs[0]["tasks"]["land"]["log"])
    assert "landed    2025-07-01   290 rows" in land_log


def test_runs_last_what_they_took_on_the_wall_clock(make_run):
    started, _, runs = make_run
    for run in runs:
        run_start, run_end = datetime.fromisoformat(run["start_date"]), datetime.fromisoformat(run["end_date"])
        assert run_start >= started, f"{run['dag_id']} starts at {run_start}, before make run began"
        assert 0 < (run_end - run_start).total_seconds() < 600
