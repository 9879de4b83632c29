"""A data root whose path holds quotes (and braces, a dollar sign) ingests, builds and
publishes like any other: paths reach SQL as parameters or properly quoted literals."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE, TEXT_SAMPLE

PAPERTREND = Path(sys.executable).with_name("papertrend")


def papertrend(data_root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERTREND_DATA_DIR": str(data_root)}
    return subprocess.run([str(PAPERTREND), *args], env=env, capture_output=True, text=True, timeout=600)


def serving_rows(data_root: Path, sql: str) -> list[tuple]:
    serving = data_root / "warehouse" / "serving" / "warehouse.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_ingest_and_build_under_a_data_root_with_quotes(tmp_path):
    data_root = tmp_path / "x" / "it's \"here\" {1} $HOME" / "data"

    samples = [str(TEXT_SAMPLE), str(HF_API_SAMPLE), str(FLAT_JSON_SAMPLE)]
    ingested = papertrend(data_root, "ingest", *samples)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    built = papertrend(data_root, "build")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]

    assert serving_rows(data_root, "select count(*) from digest_appearances") == [(297,)]
    marts = data_root / "warehouse" / "marts"
    with duckdb.connect() as con:
        papers_parquet = str(marts / "papers" / "papers.parquet")
        assert con.execute("select count(*) from read_parquet(?)", [papers_parquet]).fetchone()[0] > 0

    # An incremental build after a changed dump reads the lake through the same quoted path.
    export = json.loads(FLAT_JSON_SAMPLE.read_text(encoding="utf-8"))
    export["papers"][0]["title"] = "A renamed paper under a quoted data root"
    changed = tmp_path / FLAT_JSON_SAMPLE.name
    changed.write_text(json.dumps(export), encoding="utf-8")
    assert papertrend(data_root, "ingest", str(changed)).returncode == 0
    rebuilt = papertrend(data_root, "build")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    renamed = "select count(*) from papers where title = 'A renamed paper under a quoted data root'"
    assert serving_rows(data_root, renamed) == [(1,)]


def test_the_report_s_example_command_runs_as_printed_under_a_quoted_data_root(tmp_path):
    """`make run` ends with a command to copy into a shell: the path must survive it."""
    from papertrend.report import _example_code

    serving = tmp_path / "it's \"here\"" / "warehouse.duckdb"
    serving.parent.mkdir()
    with duckdb.connect(str(serving)) as con:
        con.execute("create table papers as select 'a paper' as title")

    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(_example_code(serving))}"
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)

    assert ran.returncode == 0, ran.stderr
    assert "a paper" in ran.stdout
