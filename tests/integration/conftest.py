"""Run the project's DAGs end to end with ``dag.test()`` on a throwaway Airflow.

The Airflow home (a temporary folder with a SQLite metadata database) is set
up by ``tests/conftest.py``, before anything imports airflow; the schema is
migrated once per session here.

``dag.test()`` only runs DAGs that live in the DAGs folder: it serializes the
folder's DAGs into the metadata database first (a DAG defined elsewhere fails
with "the dag is not serialized"), which is also what registers their Assets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import AIRFLOW_HOME, DAGS_FOLDER


@dataclass(frozen=True)
class DagRunOutcome:
    """What a test asserts about a finished ``dag.test()`` run."""

    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str | None]

    def tasks_in(self, state: str) -> list[str]:
        return sorted(task for task, task_state in self.task_states.items() if task_state == state)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Create the metadata schema once per session (about 2 s in-process)."""
    from airflow import settings
    from airflow.utils import db

    expected = f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}"
    if settings.SQL_ALCHEMY_CONN != expected or Path(settings.DAGS_FOLDER) != DAGS_FOLDER:
        raise RuntimeError(
            f"Airflow is configured for {settings.SQL_ALCHEMY_CONN} and {settings.DAGS_FOLDER}, "
            f"not the test home {AIRFLOW_HOME}: something imported airflow too early"
        )
    db.upgradedb()
    from papertrend.pools import ensure_writer_pool

    ensure_writer_pool()  # as make run, make airflow and compose's airflow-init do
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def dag_bag(airflow_db: Path):
    """The project's DAG folder, parsed once; import errors fail loudly."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=DAGS_FOLDER)
    assert not bag.import_errors, f"DAG import errors: {bag.import_errors}"
    return bag


@pytest.fixture
def papertrend_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data root; tasks run in this process under dag.test(), so they see it."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("PAPERTREND_DATA_DIR", str(data_dir))
    return data_dir


RunDag = Callable[..., DagRunOutcome]


@pytest.fixture
def run_dag(dag_bag) -> Iterator[RunDag]:
    """Run one DAG with ``dag.test()`` and return its outcome.

    ``logical_date`` should be a UTC datetime (``pendulum.datetime(2025, 7, 1, tz="UTC")``);
    running the same DAG and date again replaces the earlier run. ``conf`` is
    validated against the DAG's Params (an invalid value raises
    ``ParamValidationError`` instead of returning a failed run). Retries are
    switched off by default: ``dag.test()`` honours ``retry_delay`` and would
    otherwise sleep through it before a failure test can finish.
    """

    def run(
        dag_id: str,
        *,
        logical_date: datetime,
        conf: dict[str, Any] | None = None,
        retries: int | None = 0,
    ) -> DagRunOutcome:
        dag = dag_bag.get_dag(dag_id)
        assert dag is not None, f"no DAG {dag_id!r} in {DAGS_FOLDER}"
        if retries is not None:
            for task in dag.tasks:
                task.retries = retries
        dag_run = dag.test(logical_date=logical_date, run_conf=conf)
        return DagRunOutcome(
            dag_id=dag_id,
            run_id=dag_run.run_id,
            state=_plain(dag_run.state),
            task_states={ti.task_id: _plain(ti.state) for ti in dag_run.get_task_instances()},
        )

    yield run


def _plain(state: Any) -> str | None:
    """Airflow's state enums as the strings the UI shows ("success", "skipped")."""
    return None if state is None else str(getattr(state, "value", state))


@pytest.fixture
def asset_event_count(airflow_db: Path) -> Callable[[str], int]:
    """How many events an Asset (by URI) has received, e.g. from a task outlet."""

    def count(uri: str) -> int:
        from sqlalchemy import func, select

        from airflow.models.asset import AssetEvent, AssetModel
        from airflow.utils.session import create_session

        with create_session() as session:
            return session.scalar(
                select(func.count(AssetEvent.id))
                .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                .where(AssetModel.uri == uri)
            )

    return count


JsonResponder = Callable[[str, dict[str, str]], tuple[int, object]]


@contextmanager
def loopback_json_api(respond: JsonResponder) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a free port) answering each GET with
    ``respond(path, query)``: a status and a payload sent as JSON. Yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            status, payload = respond(url.path, {key: values[0] for key, values in parse_qs(url.query).items()})
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
