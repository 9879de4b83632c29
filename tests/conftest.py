"""Fixtures shared by every test folder."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from papertrend.airflow_home import DAGS_FOLDER, local_airflow_env
from papertrend.settings import SAMPLES_DIR, Settings, get_settings



# Airflow reads its configuration once, when it is first imported, so every
# pytest process gets its own Airflow home (temporary folder, SQLite metadata)
# before any test module can import airflow.
def _isolate_airflow() -> Path:
    """Point Airflow at a fresh temporary home; idempotent within one process."""
    # One home per pytest-xdist worker (they inherit the controller's environment).
    marker = "PAPERTREND_TEST_AIRFLOW_HOME" + os.environ.get("PYTEST_XDIST_WORKER", "")
    existing = os.environ.get(marker)
    if existing:
        return Path(existing)
    if "airflow" in sys.modules:
        raise RuntimeError(
            "airflow was imported before tests/conftest.py could isolate it; "
            "import it inside the test instead"
        )
    home = Path(tempfile.mkdtemp(prefix="papertrend-airflow-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ.update(local_airflow_env(home), **{marker: str(home)})
    return home


AIRFLOW_HOME = _isolate_airflow()

# The longest test files, longest first (by `pytest --durations` under `make test`).
# `make test` (pytest-xdist `--dist loadfile --no-loadscope-reorder`) hands files
# to the workers in collection order: a long file started last would leave one
# core working alone at the end. The other files keep their order, after these.
SLOWEST_FILES = (
    "tests/bi/test_superset.py",
    "tests/dbt/test_warehouse.py",
    "tests/integration/test_publish.py",
    "tests/integration/test_make_run.py",
    "tests/integration/test_celery_worker.py",
    "tests/integration/test_s3_data_root.py",
    "tests/integration/test_file_modes.py",
    "tests/integration/test_crash_recovery.py",
    "tests/integration/test_dags.py",
    "tests/integration/test_hostile_ingest.py",
    "tests/integration/test_fuzz.py",
    "tests/integration/test_quoted_data_root.py",
    "tests/integration/test_airflow_local.py",
    "tests/integration/test_one_writer.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


TEXT_SAMPLE = SAMPLES_DIR / "2025-07-01_trending.txt"
HF_API_SAMPLE = SAMPLES_DIR / "2025-07-02_hf_daily_papers.json"
FLAT_JSON_SAMPLE = SAMPLES_DIR / "2025-07-03_mirror_export.json"


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, empty data root that every papertrend function will use."""
    root = tmp_path / "data"
    monkeypatch.setenv("PAPERTREND_DATA_DIR", str(root))
    return get_settings()


@pytest.fixture
def dump_dir(tmp_path: Path) -> Path:
    """A scratch folder for crafted dumps (outside the data root, like an inbox)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    return folder


def copy_sample(sample: Path, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or sample.name)
    shutil.copyfile(sample, target)
    return target


@pytest.fixture(scope="session")
def samples_warehouse(tmp_path_factory) -> Settings:
    """The three bundled samples through the real ingest and build, once per
    session, as `papertrend ingest` + `papertrend build` run them. Read-only for
    the tests that use it."""
    from papertrend.ingest import ingest_or_raise
    from papertrend.warehouse import build_warehouse

    root = tmp_path_factory.mktemp("samples_root")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTREND_DATA_DIR", str(root))
        settings = get_settings()
        ingest_or_raise(sorted(SAMPLES_DIR.iterdir()), settings=settings)
        build_warehouse(settings)
    return settings
