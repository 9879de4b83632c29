"""Superset, as docker-compose.yaml pins it, reads the serving file (no Docker).

Runs scripts/superset_check.sh: the compose image's apache-superset, duckdb-engine
and duckdb in their own venv (.venv-superset), a throwaway Superset on 127.0.0.1,
and a SQL Lab query per mart through its REST API. About 1 minute once the venv
exists (the first run installs it: about 15 s more from a warm uv cache).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess

import pytest

from papertrend.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

SUPERSET_CHECK = PROJECT_ROOT / "scripts" / "superset_check.sh"
MARTS = {
    "papers", "topics", "paper_topics", "paper_links", "digest_appearances", "topic_daily_trends",
    "paper_upvotes_daily",
}
CHECK_TIMEOUT_SECONDS = 900


@pytest.fixture(scope="module")
def serving_file(samples_warehouse):
    return samples_warehouse.serving_db_path


@pytest.fixture(scope="module")
def superset_row_counts(serving_file, tmp_path_factory) -> dict[str, int]:
    if shutil.which("python3.11") is None:
        pytest.skip("the Superset venv needs python3.11")
    report = tmp_path_factory.mktemp("superset_check") / "row_counts.json"
    # Its own session, so that a timeout can stop the script and the Superset
    # server it started together (the script's exit trap stops the server).
    with subprocess.Popen(
        [SUPERSET_CHECK, "--serving-file", serving_file, "--report", report],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as check:
        try:
            output, _ = check.communicate(timeout=CHECK_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(check.pid, signal.SIGTERM)
            output, _ = check.communicate(timeout=60)
            pytest.fail(f"superset_check.sh took over {CHECK_TIMEOUT_SECONDS} s:\n{output}")
    assert check.returncode == 0, output
    print(output)
    return json.loads(report.read_text(encoding="utf-8"))


def test_superset_reads_every_mart_of_the_serving_file(superset_row_counts):
    assert set(superset_row_counts) == MARTS
    assert all(rows > 0 for rows in superset_row_counts.values()), superset_row_counts


def test_superset_sees_the_rows_duckdb_sees(serving_file, superset_row_counts):
    import duckdb

    with duckdb.connect(str(serving_file), read_only=True) as con:
        duckdb_row_counts = {
            mart: con.execute(f"select count(*) from main.{mart}").fetchone()[0] for mart in MARTS
        }

    assert superset_row_counts == duckdb_row_counts
