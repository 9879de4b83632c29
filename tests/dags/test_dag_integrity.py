"""DAG integrity: the DAGs folder parses cleanly and every DAG follows the house style.

These tests parse the folder with Airflow's DagBag (no database needed) and read
the DAG files' source, so they run in a couple of seconds.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import DAGS_FOLDER

EXPECTED_DAG_IDS = {"ingest_digests", "build_warehouse", "backfill_digests"}
DAG_FILES = sorted(DAGS_FOLDER.glob("*.py"))

# What a DAG file may import at module level: the scheduler parses every file
# every few seconds, so anything heavier belongs inside a task.
ALLOWED_TOP_LEVEL_IMPORTS = {
    "__future__", "airflow.sdk", "pendulum", "datetime", "papertrend.assets", "papertrend.pools",
}
# The tasks that write the data root (lake, ledger, warehouse): they share one pool slot.
WRITER_TASKS = {("ingest_digests", "land"), ("backfill_digests", "ingest_range"), ("build_warehouse", "build_and_publish")}
# Airflow 2 names that Airflow 3 replaced (Dataset became Asset, schedule_interval became schedule).
RETIRED_AIRFLOW_NAMES = ("airflow.decorators", "Dataset", "schedule_interval")


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=DAGS_FOLDER)
    assert not bag.import_errors, f"DAG import errors: {bag.import_errors}"
    return bag.dags


def test_dags_folder_holds_exactly_the_project_dags(dags):
    assert set(dags) == EXPECTED_DAG_IDS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAG_IDS))
def test_dag_is_documented_tagged_owned_and_retried(dags, dag_id):
    dag = dags[dag_id]
    assert dag.tags, "no tags"
    assert dag.doc_md and dag.doc_md.strip().startswith(f"### {dag_id}"), "doc_md missing or not about this DAG"
    assert "retries" in dag.default_args, "retries not set in default_args"
    assert dag.default_args.get("owner") and dag.default_args["owner"] != "airflow", "no owner"
    for task in dag.tasks:
        assert task.owner == dag.default_args["owner"]
        assert isinstance(task.retry_delay, timedelta)
    # One run at a time: the lake and the DuckDB build file have a single writer.
    assert dag.max_active_runs == 1
    assert dag.start_date is not None and dag.start_date.utcoffset() == timedelta(0)
    assert str(dag.start_date.tzinfo) == "UTC"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAG_IDS))
def test_every_task_has_an_execution_timeout(dags, dag_id):
    """A hung try (a stuck HTTP read, a runaway build) is killed instead of holding a slot forever."""
    for task in dags[dag_id].tasks:
        assert isinstance(task.execution_timeout, timedelta), f"{task.task_id} has no execution_timeout"
        assert timedelta(0) < task.execution_timeout <= timedelta(hours=6), task.task_id


def test_build_warehouse_is_scheduled_on_the_lake_and_publishes_the_warehouse(dags):
    from papertrend.assets import LAKE, WAREHOUSE

    dag = dags["build_warehouse"]
    condition = dag.timetable.asset_condition
    assert [asset.uri for asset in getattr(condition, "objects", [condition])] == [LAKE.uri]
    [task] = dag.tasks
    assert [outlet.uri for outlet in task.outlets] == [WAREHOUSE.uri]


@pytest.mark.parametrize(("dag_id", "landing_task"), [("ingest_digests", "land"), ("backfill_digests", "ingest_range")])
def test_landing_task_updates_the_lake_asset(dags, dag_id, landing_task):
    from papertrend.assets import LAKE

    dag = dags[dag_id]
    outlets = {task.task_id: [outlet.uri for outlet in task.outlets] for task in dag.tasks}
    assert outlets[landing_task] == [LAKE.uri]
    # Only the landing task declares the lake: a skipped collect must not trigger a build.
    assert [task_id for task_id, uris in outlets.items() if uris] == [landing_task]


def test_ingest_runs_daily_in_utc_collect_refetch_land_then_report(dags):
    dag = dags["ingest_digests"]
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.timetable.expression.split()[2:] == ["*", "*", "*"], "not a daily schedule"
    assert [task.task_id for task in dag.topological_sort()] == [
        "collect_dumps", "refetch_recent_days", "land", "report_rejections"
    ]


def test_collect_waits_for_a_late_digest_without_holding_a_worker_slot(dags):
    collect = dags["ingest_digests"].get_task("collect_dumps")
    assert collect.mode == "reschedule", "a poking sensor would hold a worker slot for hours"
    assert 60 <= collect.poke_interval <= 30 * 60, "look every few minutes: not hammering, not missing the evening"


def test_every_task_that_writes_the_data_root_runs_in_the_one_slot_writer_pool(dags):
    from papertrend.pools import WRITER_POOL

    in_pool = {(dag_id, task.task_id) for dag_id, dag in dags.items() for task in dag.tasks if task.pool == WRITER_POOL}
    # Two DAGs' writers at once (a backfill and a daily ingest) would race for the
    # data root; max_active_runs only keeps runs of one DAG apart.
    assert in_pool == WRITER_TASKS


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda path: path.name)
def test_dag_file_imports_nothing_heavy_at_top_level(dag_file: Path):
    heavy = [name for name in _top_level_imports(dag_file) if not _allowed(name)]
    assert not heavy, f"{dag_file.name} imports {heavy} at module level; import inside the task instead"


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda path: path.name)
def test_dag_file_uses_airflow_3_names_only(dag_file: Path):
    source = dag_file.read_text()
    retired = [name for name in RETIRED_AIRFLOW_NAMES if name in source]
    assert not retired, f"{dag_file.name} uses Airflow 2 names {retired}"


def _top_level_imports(path: Path) -> list[str]:
    """Modules imported by statements at module level (not inside functions)."""
    names = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def _allowed(module: str) -> bool:
    return any(module == allowed or module.startswith(f"{allowed}.") for allowed in ALLOWED_TOP_LEVEL_IMPORTS)
