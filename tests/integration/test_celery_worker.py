"""The DAGs' tasks on a real Celery worker, natively: CeleryExecutor, Debian's
redis-server as the broker, `airflow celery worker` in a process of its own, and
the data root in an object store (moto's S3 server on loopback, the fixture of
test_s3_data_root.py).

`make run`'s pipeline (scripts/run_sample_pipeline.py with
PAPERTREND_EXECUTOR=CeleryExecutor) plays the scheduler: it runs ingest_digests
for the three samples and then build_warehouse with ``dag.test(use_executor=True)``,
queueing every task in Redis, and serves the Execution API the worker reports
to. The worker shares no disk with it but the DAGs folder: its own Airflow home
(task logs), its own workspace (PAPERTREND_WORK_DIR, where its inbox holds the
samples), and no AWS_* variable: the store's endpoint and keys reach its tasks
only through the `papertrend_s3` Airflow connection (AIRFLOW_CONN_PAPERTREND_S3).

Needs Debian's redis-server (`.ci/run` installs it): skipped without it, failed
under CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from papertrend.airflow_home import local_airflow_env
from papertrend.settings import PROJECT_ROOT, SAMPLES_DIR, get_settings
from tests.integration.test_airflow_local import free_port
from tests.integration.test_s3_data_root import objects, read_object, s3  # noqa: F401 (s3: the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.celery]

REDIS_SERVER = os.environ.get("PAPERTREND_REDIS_SERVER", "/usr/bin/redis-server")
STARTUP_SECONDS = 60
# the whole `make run` (SQLite migration, worker start, 13 tasks) takes ~2 minutes on a busy 2-CPU box
PIPELINE_SECONDS = 300
# Every task of `make run`'s runs: ingest_digests for each sample day, then build_warehouse.
SAMPLE_DAYS = ("2025-07-01", "2025-07-02", "2025-07-03")
INGEST_TASKS = ("collect_dumps", "refetch_recent_days", "land", "report_rejections")


@pytest.fixture(scope="module")
def broker_url(tmp_path_factory):
    """Debian's redis-server on a free loopback port, its files in a temporary folder."""
    if not Path(REDIS_SERVER).is_file():
        message = f"no redis-server at {REDIS_SERVER} (apt-get install redis-server, or set PAPERTREND_REDIS_SERVER)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        _wait_for(lambda: _answers(client), server, "redis-server", folder / "redis.log")
        yield f"redis://127.0.0.1:{port}"
    finally:
        client.close()
        _stop(server)


@dataclass(frozen=True)
class CeleryRun:
    printed: str  # what `make run` printed
    worker_log: str
    # each side's Airflow home (task logs) and papertrend workspace (PAPERTREND_WORK_DIR)
    scheduler_home: Path
    worker_home: Path
    scheduler_work: Path
    worker_work: Path


@pytest.fixture(scope="module")
def celery_pipeline(s3, broker_url, tmp_path_factory) -> CeleryRun:
    """`make run`'s pipeline under CeleryExecutor, with one Celery worker."""
    root = tmp_path_factory.mktemp("celery")
    scheduler_home, worker_home = root / "scheduler-home", root / "worker-home"
    scheduler_work, worker_work = root / "scheduler-work", root / "worker-work"
    shared = {
        "PAPERTREND_EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"{broker_url}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"{broker_url}/1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{free_port()}/execution/",
    }
    operator = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PAPERTREND_WORK_DIR"))}
    scheduler_env = {
        **operator,
        **shared,
        "PAPERTREND_AIRFLOW_HOME": str(scheduler_home),
        "PAPERTREND_WORK_DIR": str(scheduler_work),
    }
    worker_env = {
        **{k: v for k, v in operator.items() if not k.startswith("AWS_")},
        **local_airflow_env(worker_home),
        **shared,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        # Airflow's supervisor notices that a task process ended at its next look, up to
        # this many seconds later (default 5: 5 s lost after most tasks); its heartbeats
        # go over loopback.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        "PAPERTREND_WORK_DIR": str(worker_work),
        "AIRFLOW_CONN_PAPERTREND_S3": json.dumps({
            "conn_type": "aws",
            "login": os.environ["AWS_ACCESS_KEY_ID"],
            "password": os.environ["AWS_SECRET_ACCESS_KEY"],
            "extra": {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": os.environ["AWS_REGION"]},
        }),
    }
    # The inbox is the worker's own: the day's dumps arrive where its tasks run.
    (worker_work / "inbox").mkdir(parents=True)
    for sample in SAMPLES_DIR.iterdir():
        shutil.copyfile(sample, worker_work / "inbox" / sample.name)

    worker_log, pipeline_out = root / "worker.log", root / "pipeline.out"
    # Both start at once: the tasks wait in Redis until the worker takes them.
    with worker_log.open("w") as log, pipeline_out.open("w") as out:
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "airflow"), "celery", "worker", "--concurrency", "1", "--skip-serve-logs"],
            env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        pipeline = subprocess.Popen(
            [sys.executable, "scripts/run_sample_pipeline.py"], cwd=PROJECT_ROOT, env=scheduler_env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + PIPELINE_SECONDS
        while pipeline.poll() is None and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        _stop(pipeline)
        _stop(worker)
    run = CeleryRun(
        pipeline_out.read_text(), worker_log.read_text(), scheduler_home, worker_home, scheduler_work, worker_work
    )
    assert pipeline.returncode == 0, (
        f"make run exited with {pipeline.returncode}:\n{run.printed[-3000:]}\n"
        f"--- the worker's log:\n{run.worker_log[-5000:]}"
    )
    return run


def test_every_task_ran_and_succeeded_on_the_celery_worker(celery_pipeline):
    run = celery_pipeline
    expected = [("ingest_digests", task) for _ in SAMPLE_DAYS for task in INGEST_TASKS]
    expected.append(("build_warehouse", "build_and_publish"))
    # what `make run` reports for each task: every one succeeded
    states = re.findall(r"^  (\w+) +(\w+) +[\d.]+s\b", run.printed, flags=re.MULTILINE)
    assert states == [(task, "success") for _, task in expected], run.printed
    # the worker took each of them from the queue, once, and Celery saw each succeed
    taken = re.findall(r"Executing workload in Celery: .*?task_id='(\w+)', dag_id='(\w+)'", run.worker_log)
    assert sorted((dag, task) for task, dag in taken) == sorted(expected), run.worker_log[-5000:]
    succeeded = re.findall(r"execute_workload\[[\w-]+\] succeeded", run.worker_log)
    assert len(succeeded) == len(expected), run.worker_log[-5000:]
    # each task's log was written where it ran: on the worker, none on the scheduler's side
    assert len(list(run.worker_home.glob("logs/dag_id=*/run_id=*/task_id=*/attempt=1.log"))) == len(expected)
    assert not list(run.scheduler_home.glob("logs/dag_id=*"))


def test_the_worker_wrote_the_lake_and_the_published_warehouse_to_the_store(s3, celery_pipeline):
    keys = objects(s3)
    assert sorted(k for k in keys if k.startswith("lake/digest_entries/")) == [
        "lake/digest_entries/digest_date=2025-07-01/text.parquet",
        "lake/digest_entries/digest_date=2025-07-02/hf_api.parquet",
        "lake/digest_entries/digest_date=2025-07-03/flat_json.parquet",
    ]
    version = read_object(s3, "warehouse/serving/CURRENT").decode()
    assert f"warehouse/serving/versions/{version}/warehouse.duckdb" in keys
    assert "warehouse/serving/warehouse.duckdb" in keys
    assert "warehouse/marts/papers/papers.parquet" in keys
    # written from the worker's workspace; the scheduler's holds no lake
    assert any((celery_pipeline.worker_work / "lake" / "digest_entries").glob("*/*.parquet"))
    assert not (celery_pipeline.scheduler_work / "lake").exists()


def test_the_marts_answer_from_the_store(celery_pipeline):
    from papertrend.warehouse.reading import open_serving, serving_location

    with open_serving(serving_location(get_settings())) as con:
        assert con.execute("select count(*) from papers").fetchone()[0] == 292
        days = con.execute("select count(distinct digest_date) from digest_appearances").fetchone()[0]
    assert days == len(SAMPLE_DAYS)
    # and `make run`'s report, on the scheduler's side, read the ledger and the marts from the store
    assert re.findall(r"^  (landed) +(\S+) ", celery_pipeline.printed, flags=re.MULTILINE) == [
        ("landed", day) for day in SAMPLE_DAYS
    ]
    assert "  papers                  292" in celery_pipeline.printed


def _answers(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def _wait_for(ready, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            pytest.fail(f"{name} did not start within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (a Celery worker's warm shutdown), then, after 30 s, SIGKILL to its
    session (the worker's pool processes with it)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
