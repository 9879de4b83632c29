"""The data root on an object store: PAPERTREND_DATA_DIR=s3://bucket/prefix against a
real S3 API over HTTP on loopback (moto's server mode), through `make run`'s DAGs and
the real CLI.

One server and one pipeline run (`make run`: the samples ingested, gated, built and
published by the DAGs) for the module; each test then checks what a user of the store would: the
objects are there (listed by the S3 API itself, not by papertrend), readers open
the lake and the published warehouse straight from the store, and a bad dump or
a re-run from another machine leaves the lake as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import requests

from papertrend.settings import PROJECT_ROOT, SAMPLES_DIR, get_settings
from tests.dbt.test_readme_queries import readme_queries
from tests.integration.interrupted import run_cli

pytestmark = pytest.mark.slow

BUCKET = "papertrend-lake"
PREFIX = "team/data"
DATA_ROOT = f"s3://{BUCKET}/{PREFIX}"
SAMPLES = sorted(str(p) for p in SAMPLES_DIR.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1, the AWS_* variables pointing at it, an empty bucket."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its buckets per process, not per server: another module's store
    # (test_celery_worker.py, on the same pytest worker) would still be there.
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10).raise_for_status()
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in {
                "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                "AWS_ACCESS_KEY_ID": "papertrend-test",
                "AWS_SECRET_ACCESS_KEY": "papertrend-test-secret",
                "AWS_REGION": "us-east-1",
                "PAPERTREND_DATA_DIR": DATA_ROOT,
            }.items():
                mp.setenv(name, value)
            mp.delenv("AWS_PROFILE", raising=False)
            import boto3

            client = boto3.client("s3")
            client.create_bucket(Bucket=BUCKET)
            yield client, mp, tmp_path_factory
    finally:
        server.stop()


def on_machine(s3, name: str):
    """A workspace of its own: what another worker, sharing no disk, starts from."""
    _, mp, tmp_path_factory = s3
    mp.setenv("PAPERTREND_WORK_DIR", str(tmp_path_factory.mktemp(name)))
    return get_settings()


def objects(s3, under: str = "") -> dict[str, str]:
    """Key (below the prefix) -> ETag of every object the S3 API lists."""
    client = s3[0]
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{PREFIX}/{under}"):
        for item in page.get("Contents", []):
            found[item["Key"].removeprefix(f"{PREFIX}/")] = item["ETag"]
    return found


def read_object(s3, key: str) -> bytes:
    return s3[0].get_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")["Body"].read()


@pytest.fixture(scope="module")
def pipeline(s3):
    """`make run` on the s3:// root: the samples through the real DAGs (ingest_digests
    three times, then build_warehouse), as scripts/run_sample_pipeline.py runs them."""
    settings = on_machine(s3, "worker-a")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "PAPERTREND_AIRFLOW_HOME": str(s3[2].mktemp("airflow_home")),
    }
    run = subprocess.run(
        [sys.executable, "scripts/run_sample_pipeline.py"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return settings, run.stdout


def test_make_run_reports_the_warehouse_read_from_the_store(pipeline):
    _, printed = pipeline
    assert re.search(r"build_and_publish +success", printed)
    assert f"published version (warehouse/serving/CURRENT): {DATA_ROOT}/warehouse/serving/versions/" in printed
    assert "  papers                  292" in printed


def test_the_store_holds_lake_ledger_raw_warehouse_and_docs(s3, pipeline):
    settings, _ = pipeline
    keys = objects(s3)
    lake = sorted(k for k in keys if k.startswith("lake/digest_entries/"))
    assert lake == [
        "lake/digest_entries/digest_date=2025-07-01/text.parquet",
        "lake/digest_entries/digest_date=2025-07-02/hf_api.parquet",
        "lake/digest_entries/digest_date=2025-07-03/flat_json.parquet",
    ]
    # every landed dump's upvote counts, as an observation of its day
    assert [k for k in keys if k.startswith("lake/upvote_observations/") and k.endswith(".parquet")]
    assert len([k for k in keys if k.startswith("lake/ingest_ledger/") and k.endswith(".parquet")]) == 3
    assert not [k for k in keys if "/_pending/" in k or k.endswith(".tmp")]
    assert len([k for k in keys if k.startswith("raw/")]) == 3
    version = read_object(s3, "warehouse/serving/CURRENT").decode()
    assert f"warehouse/serving/versions/{version}/warehouse.duckdb" in keys
    for mart in ("papers", "topics", "paper_topics", "paper_links", "digest_appearances", "topic_daily_trends", "paper_upvotes_daily"):
        assert f"warehouse/serving/versions/{version}/marts/{mart}/{mart}.parquet" in keys
        assert f"warehouse/marts/{mart}/{mart}.parquet" in keys
    assert "warehouse/serving/warehouse.duckdb" in keys
    assert "warehouse/build/warehouse.duckdb" in keys
    assert "docs/great_expectations/index.html" in keys
    assert "docs/dbt/index.html" in keys
    # dbt read the lake in the store (httpfs), not the workspace's copy of it
    from papertrend.duckdb_connections import connect

    with connect(str(settings.build_db_path), read_only=True) as con:
        view = con.execute("select sql from duckdb_views() where view_name = 'stg_lake__digest_entries'").fetchone()[0]
    assert f"{DATA_ROOT}/lake/digest_entries/*/*.parquet" in view
    # the copies are the objects as written: the public serving file is the current version's
    assert read_object(s3, "warehouse/serving/warehouse.duckdb") == read_object(
        s3, f"warehouse/serving/versions/{version}/warehouse.duckdb"
    )


def test_lake_and_marts_open_from_the_store_with_duckdb_and_pyarrow(s3, pipeline):
    import pyarrow.dataset as ds
    import pyarrow.fs

    from papertrend.duckdb_connections import connect

    with connect() as con:
        rows = con.execute(
            f"select digest_date, count(*) from read_parquet('{DATA_ROOT}/lake/digest_entries/*/*.parquet',"
            " hive_partitioning = true) group by all order by 1"
        ).fetchall()
        assert [(str(day), count) for day, count in rows] == [
            ("2025-07-01", 290), ("2025-07-02", 2), ("2025-07-03", 5)
        ]
        assert con.execute(
            f"select count(*) from read_parquet('{DATA_ROOT}/warehouse/marts/papers/*.parquet')"
        ).fetchone()[0] == 292

    filesystem, base = pyarrow.fs.FileSystem.from_uri(f"{DATA_ROOT}/lake/digest_entries")
    table = ds.dataset(base, filesystem=filesystem, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 297


def test_a_reader_attaches_the_published_warehouse_over_s3_and_the_readme_queries_answer(pipeline):
    from papertrend.warehouse.reading import open_serving, serving_location

    location = serving_location(pipeline[0])
    assert location.startswith(f"{DATA_ROOT}/warehouse/serving/versions/")
    with open_serving(location) as con:
        for sql, shown in readme_queries():
            assert str(con.sql(sql)).strip() == shown.strip()


def test_a_bad_dump_from_another_machine_is_quarantined_in_the_store_and_the_lake_is_unchanged(s3, pipeline, tmp_path):
    lake_before = objects(s3, "lake/digest_entries/")
    on_machine(s3, "worker-b")
    bad = tmp_path / "2025-07-04_export.json"
    bad.write_text(json.dumps({"date": "2025-07-04", "papers": [{"title": "", "abstract": "x"}]}))

    result = run_cli("ingest", str(bad))

    assert result.returncode != 0
    assert "empty_title" in result.stdout + result.stderr
    assert objects(s3, "lake/digest_entries/") == lake_before
    reasons = [k for k in objects(s3, "quarantine/") if k.endswith("/reason.json")]
    assert len(reasons) == 1
    assert json.loads(read_object(s3, reasons[0]))["file_name"] == bad.name
    assert any(k.endswith("_rejected.parquet") for k in objects(s3, "lake/ingest_ledger/"))


def test_the_samples_again_from_a_fresh_machine_change_nothing(s3, pipeline):
    lake_before = objects(s3, "lake/digest_entries/")
    on_machine(s3, "worker-c")

    result = run_cli("ingest", *SAMPLES)

    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[:3]] == ["unchanged"] * 3
    assert objects(s3, "lake/digest_entries/") == lake_before


def test_a_reader_keeps_answering_while_another_machine_republishes(s3, pipeline):
    from papertrend.warehouse.reading import open_serving, serving_location

    before = serving_location(pipeline[0])
    with open_serving(before) as reader:
        count = reader.execute("select count(*) from papers").fetchone()[0]
        republisher = on_machine(s3, "worker-d")
        result = run_cli("build", "--full-refresh")
        assert result.returncode == 0, result.stdout + result.stderr
        # the attached version is never rewritten: the reader goes on
        assert reader.execute("select count(*) from papers").fetchone()[0] == count

    after = serving_location(republisher)
    assert after != before
    with open_serving(after) as con:
        assert con.execute("select count(*) from papers").fetchone()[0] == count
    # the version before the current one stays for readers like this one; none older
    versions = {k.split("/")[3] for k in objects(s3, "warehouse/serving/versions/")}
    assert versions == {before.split("/")[-2], after.split("/")[-2]}


def test_the_workspace_is_only_a_copy(s3, pipeline):
    """A worker that loses its disk rebuilds from the store alone."""
    shutil.rmtree(pipeline[0].data_dir)
    on_machine(s3, "worker-e")
    result = run_cli("build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "292 rows" in result.stdout


def test_ensure_bucket_creates_the_data_root_s_bucket_once(s3, pipeline):
    """What compose's airflow-init runs before anything writes to a fresh MinIO."""
    from papertrend.object_store import ensure_bucket

    s3[1].setenv("PAPERTREND_DATA_DIR", "s3://papertrend-fresh/data")
    try:
        assert ensure_bucket(get_settings(), wait_seconds=5) == "papertrend-fresh"
        assert ensure_bucket(get_settings(), wait_seconds=5) == "papertrend-fresh"
        assert "papertrend-fresh" in [b["Name"] for b in s3[0].list_buckets()["Buckets"]]
    finally:
        s3[1].setenv("PAPERTREND_DATA_DIR", DATA_ROOT)


def test_a_writer_on_another_machine_is_refused_while_one_holds_the_store(s3, pipeline):
    from papertrend.writers import EXIT_LOCKED, exclusive_writer

    holder = on_machine(s3, "worker-f")
    with exclusive_writer(holder):
        assert ".writer.lock" in objects(s3)
        on_machine(s3, "worker-g")  # its own flock is free: only the store's lease stops it
        result = run_cli("ingest", *SAMPLES)
        assert result.returncode == EXIT_LOCKED, result.stdout + result.stderr
        assert f"data root {DATA_ROOT} is busy: another writer holds .writer.lock (pid" in result.stderr
    assert ".writer.lock" not in objects(s3)

    # once the holder is done, the same command goes through
    assert run_cli("ingest", *SAMPLES).returncode == 0


def test_a_lease_whose_holder_was_killed_is_taken_over_once_it_ends(s3, pipeline):
    lease = {"holder": "pid 1, 'papertrend build', killed", "expires_at": "2026-01-01T00:00:00+00:00"}
    s3[0].put_object(Bucket=BUCKET, Key=f"{PREFIX}/.writer.lock", Body=json.dumps(lease).encode())
    on_machine(s3, "worker-h")

    result = run_cli("ingest", *SAMPLES)

    assert result.returncode == 0, result.stdout + result.stderr
    assert ".writer.lock" not in objects(s3)
