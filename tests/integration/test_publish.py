"""Publishing: the serving file and the marts Parquet switch together, even
when the build is killed at the switch, and a reader in a long-lived process
sees each new publish."""

from __future__ import annotations

import duckdb
import pytest

from papertrend.duckdb_connections import sql_literal
from papertrend.ingest import ingest_or_raise
from papertrend.report import MARTS, pipeline_report
from tests.conftest import HF_API_SAMPLE, TEXT_SAMPLE
from tests.integration.interrupted import run_cli, run_killed

pytestmark = pytest.mark.slow


def serving_counts(settings) -> dict[str, int]:
    # A fresh in-memory DuckDB: never a cached instance of an older serving file.
    with duckdb.connect() as con:
        con.execute(f"ATTACH {sql_literal(str(settings.serving_db_path))} AS serving (READ_ONLY)")
        return {m: con.execute(f"select count(*) from serving.{m}").fetchone()[0] for m in MARTS}


def parquet_counts(settings) -> dict[str, int]:
    with duckdb.connect() as con:
        return {
            m: con.execute("select count(*) from read_parquet(?)", [str(settings.mart_parquet_path(m))]).fetchone()[0]
            for m in MARTS
        }


def build(settings) -> None:
    built = run_cli("build")
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]


def test_a_build_killed_at_its_publish_leaves_serving_file_and_marts_of_one_build(data_root):
    ingest_or_raise([TEXT_SAMPLE])
    build(data_root)
    first = serving_counts(data_root)
    assert parquet_counts(data_root) == first
    ingest_or_raise([HF_API_SAMPLE])

    versions_dir = data_root.serving_db_path.parent / "versions"
    # The first rename in serving/ is the publish: killed just before it, then just after it.
    serving_dir = f"{data_root.serving_db_path.parent}/"
    assert run_killed("os:replace", "kill-before", ["build"], match=serving_dir) == -9
    assert serving_counts(data_root) == parquet_counts(data_root) == first
    assert len(list(versions_dir.iterdir())) == 2  # the served one and the killed build's

    assert run_killed("os:replace", "kill-after", ["build"], match=serving_dir) == -9
    second = serving_counts(data_root)
    assert parquet_counts(data_root) == second
    assert second["digest_appearances"] == first["digest_appearances"] + 2

    build(data_root)
    assert serving_counts(data_root) == parquet_counts(data_root) == second
    # The next build swept the killed ones: the served version and the one before it stay.
    assert len(list(versions_dir.iterdir())) == 2
    assert not list(data_root.warehouse_dir.rglob(".*.tmp"))


def test_a_reader_in_the_same_process_sees_the_rows_of_a_new_publish(data_root):
    ingest_or_raise([TEXT_SAMPLE])
    build(data_root)
    # A long-lived reader (a dashboard's pooled connection) keeps its connection open.
    held = duckdb.connect(str(data_root.serving_db_path), read_only=True)
    before = held.execute("select count(*) from digest_appearances").fetchone()[0]

    ingest_or_raise([HF_API_SAMPLE])
    build(data_root)

    after = before + 2
    report = pipeline_report(data_root)
    assert f"  {'digest_appearances':<20} {after:>6}" in report
    # What the README says of readers: a connection opened after the publish
    # sees it, the one held open keeps the warehouse it opened.
    with duckdb.connect(str(data_root.serving_db_path), read_only=True) as fresh:
        assert fresh.execute("select count(*) from digest_appearances").fetchone()[0] == after
    assert held.execute("select count(*) from digest_appearances").fetchone()[0] == before
    held.close()
