"""
### build_warehouse

Builds the DuckDB warehouse from the lake and publishes it, whenever
`ingest_digests` (or `backfill_digests`) updates the `papertrend_lake` asset.

**build_and_publish**: one `dbt build` (models and tests) into a build file;
only if every model and test passed, its marts are copied into a new serving
file and exported as Parquet, and both are switched in together (one rename)
as `$PAPERTREND_DATA_DIR/warehouse/serving/warehouse.duckdb` and
`warehouse/marts/`, and `dbt docs generate`
writes the docs site to `$PAPERTREND_DATA_DIR/docs/dbt/`. dbt's per-model
results (status, rows, seconds) are in this task's log. A failed build or test
publishes nothing: readers keep the previous warehouse.

One dbt invocation for the whole project, not a task per model: DuckDB allows a
single writer, so per-model tasks would fight over the file. It runs in the
`papertrend_writer` pool (one slot), so it never overlaps an ingest.

On an `s3://` data root, `build_and_publish` takes the store's endpoint and credentials from the
`papertrend_s3` connection when it exists, else from the `AWS_*` variables.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from papertrend.assets import LAKE, WAREHOUSE
from papertrend.pools import WRITER_POOL

# A try is killed past this: a full build of three years of digests takes under
# two minutes (README, benchmarks), so an hour means something hangs.
TASK_TIMEOUT = timedelta(hours=1)


@dag(
    dag_id="build_warehouse",
    schedule=[LAKE],
    start_date=pendulum.datetime(2025, 7, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "papertrend",
        "retries": 1,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": TASK_TIMEOUT,
    },
    tags=["papertrend", "warehouse", "dbt"],
    doc_md=__doc__,
)
def build_warehouse():
    @task(outlets=[WAREHOUSE], pool=WRITER_POOL)
    def build_and_publish() -> dict:
        from papertrend.pipeline import build_and_publish_warehouse
        from papertrend.s3_connection import s3_credentials

        with s3_credentials():
            return build_and_publish_warehouse()

    build_and_publish()


build_warehouse()
