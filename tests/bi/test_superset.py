"""Superset (the compose image's pins) on the serving file, and the "Trending papers"
dashboard (include/bi/superset) in it, read by a real browser.

One throwaway Superset for the whole module, started once (about a minute):
the compose image's pins in .venv-superset (scripts/superset/install_venv.sh),
SQLite metadata, random SUPERSET_SECRET_KEY, 127.0.0.1, with the bundle
imported twice by include/bi/superset/import_bundle.py exactly as `make bi` and
the compose service import it. The serving file is a copy of the sample
warehouse's (the ``samples_warehouse`` fixture), so the refresh test can
publish over it.

- SQL Lab reads every mart, with the rows DuckDB counts: the check of
  `make superset-check` (scripts/superset/query_marts.py, which
  scripts/superset_check.sh runs against a Superset of its own);
- the import creates one dashboard, a chart and a dataset per query file, one database,
  however often it runs, and a changed bundle replaces what is in Superset;
- every dataset, through Superset's chart-data API, returns the rows DuckDB
  returns for its query file;
- headless Chromium (Debian's, via Playwright's executable_path) logs in, opens
  the dashboard, waits for every chart: no error, each shows data, and the
  chart-data responses the page received equal DuckDB's answers; a screenshot
  goes under the data root;
- a publish (os.replace of a new serving file) is seen by the next chart-data
  query and by the dashboard reopened, with Superset still running.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from papertrend.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

INSTALL_VENV = PROJECT_ROOT / "scripts" / "superset" / "install_venv.sh"
QUERY_MARTS = PROJECT_ROOT / "scripts" / "superset" / "query_marts.py"
MARTS = {
    "papers", "topics", "paper_topics", "paper_links", "digest_appearances", "topic_daily_trends",
    "paper_upvotes_daily",
}
SUPERSET_CONFIG = PROJECT_ROOT / "scripts" / "superset" / "superset_config.py"
BUNDLE_DIR = PROJECT_ROOT / "include" / "bi" / "superset"
DASHBOARD_SLUG = "trending-papers"
DATABASE_NAME = "papertrend"
CLI_TIMEOUT = 300
SERVER_START_TIMEOUT = 120
CHART_TIMEOUT_MS = 90_000


def _bundle_module():
    spec = importlib.util.spec_from_file_location("papertrend_superset_bundle", BUNDLE_DIR / "bundle.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bundle = _bundle_module()
QUERIES = bundle.load_queries()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Superset:
    """A running throwaway Superset with the bundle imported."""

    def __init__(self, home: Path, serving_file: Path, venv: Path):
        self.home = home
        self.serving_file = serving_file
        self.venv = venv
        self.password = secrets.token_urlsafe(16)
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        }
        self.env.update(
            FLASK_APP="superset",
            SUPERSET_HOME=str(home),
            SUPERSET_CONFIG_PATH=str(SUPERSET_CONFIG),
            SUPERSET_SECRET_KEY=secrets.token_hex(32),
        )
        self.server: subprocess.Popen | None = None
        self.log = home / "server.log"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [str(self.venv / "bin" / "superset"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        assert result.returncode == 0, f"superset {args[0]}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout + result.stderr

    def import_bundle(self, files: dict[str, str] | None = None) -> str:
        """Import the repository's bundle (or the given bundle files) as `make bi` does."""
        zip_path = self.home / "bundle.zip"
        bundle.zip_bundle(files or bundle.bundle_files(str(self.serving_file)), zip_path)
        result = subprocess.run(
            [str(self.venv / "bin" / "python"), str(BUNDLE_DIR / "import_bundle.py"), str(zip_path), "-u", "admin"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        assert result.returncode == 0, f"import_bundle.py:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    def start(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        with open(self.log, "w") as log:
            self.server = subprocess.Popen(
                [str(self.venv / "bin" / "superset"), "run", "--host", host, "--port", port, "--with-threads"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        import requests

        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.server.poll() is None, f"Superset exited:\n{self.log.read_text()[-3000:]}"
            try:
                if requests.get(self.url + "/health", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        pytest.fail(f"Superset did not answer on {self.url}:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)

    def api(self):
        spec = importlib.util.spec_from_file_location(
            "papertrend_query_marts", PROJECT_ROOT / "scripts" / "superset" / "query_marts.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        client = module.SupersetClient(self.url)
        client.log_in("admin", self.password)
        return client


@pytest.fixture(scope="module")
def source_serving_file(request) -> Path:
    """The sample warehouse's serving file (PAPERTREND_BI_SERVING_FILE: another one, e.g. make run's)."""
    override = os.environ.get("PAPERTREND_BI_SERVING_FILE")
    if override:
        return Path(override)
    return request.getfixturevalue("samples_warehouse").serving_db_path


@pytest.fixture(scope="module")
def superset(source_serving_file, tmp_path_factory):
    if shutil.which("python3.11") is None:
        pytest.skip("the Superset venv needs python3.11")
    venv = Path(
        subprocess.run(
            [str(INSTALL_VENV)], capture_output=True, text=True, check=True, timeout=1100
        ).stdout.strip()
    )
    root = tmp_path_factory.mktemp("superset_dashboard")
    serving = root / "data" / "warehouse" / "serving"
    serving.mkdir(parents=True)
    shutil.copyfile(source_serving_file, serving / "warehouse.duckdb")
    home = root / "superset_home"
    home.mkdir()
    instance = Superset(home, serving / "warehouse.duckdb", venv)
    started = time.monotonic()
    instance.cli("db", "upgrade")
    instance.cli(
        "fab", "create-admin", "--username", "admin", "--firstname", "Papertrend",
        "--lastname", "Test", "--email", "admin@example.com", "--password", instance.password,
    )
    instance.cli("init")
    instance.import_bundle()
    instance.import_bundle()  # idempotent: nothing new
    instance.start()
    print(f"Superset with the bundle up in {time.monotonic() - started:.0f} s on {instance.url}")
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def client(superset):
    return superset.api()


@pytest.fixture(scope="module")
def superset_row_counts(superset, tmp_path_factory) -> dict[str, int]:
    """Every mart's row count through SQL Lab, by the program `make superset-check` runs."""
    report = tmp_path_factory.mktemp("superset_check") / "row_counts.json"
    checked = subprocess.run(
        [
            str(superset.venv / "bin" / "python"), str(QUERY_MARTS), "--url", superset.url,
            "--database", DATABASE_NAME, "--username", "admin",
            "--password-env", "SUPERSET_CHECK_PASSWORD", "--report", str(report),
        ],
        env={**superset.env, "SUPERSET_CHECK_PASSWORD": superset.password},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    print(checked.stdout)
    return json.loads(report.read_text(encoding="utf-8"))


# --- SQL Lab (before any test publishes over the serving file) -------------------------


def test_superset_reads_every_mart_of_the_serving_file(superset_row_counts):
    assert set(superset_row_counts) == MARTS
    assert all(rows > 0 for rows in superset_row_counts.values()), superset_row_counts


def test_superset_sees_the_rows_duckdb_sees(superset, superset_row_counts):
    import duckdb

    with duckdb.connect(str(superset.serving_file), read_only=True) as con:
        duckdb_row_counts = {
            mart: con.execute(f"select count(*) from main.{mart}").fetchone()[0] for mart in MARTS
        }

    assert superset_row_counts == duckdb_row_counts


# --- DuckDB's answers ----------------------------------------------------------------


def _plain(value):
    """A value as Superset's JSON carries it: dates as epoch milliseconds, numbers as floats."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc).timestamp() * 1000
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp() * 1000
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return round(float(value), 6)
    return value


def duckdb_rows(serving_file: Path, slug: str) -> list[dict]:
    import duckdb

    with duckdb.connect(str(serving_file), read_only=True) as con:
        relation = con.sql(QUERIES[slug].sql)
        columns = relation.columns
        return [dict(zip(columns, map(_plain, row))) for row in relation.fetchall()]


def _sorted(rows: list[dict]) -> list[dict]:
    plain = [{key: _plain(value) for key, value in row.items()} for row in rows]
    return sorted(plain, key=lambda row: json.dumps(row, sort_keys=True, default=str))


# --- through the REST API ------------------------------------------------------------


def dashboard_charts(client) -> dict[str, dict]:
    """The dashboard's charts by query slug (matched through the dataset's uuid)."""
    datasets = {}
    import yaml

    for path in (BUNDLE_DIR / "datasets").rglob("*.yaml"):
        datasets[yaml.safe_load(path.read_text())["table_name"]] = path.stem
    charts = client.call("GET", f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")["result"]
    by_slug = {}
    for chart in charts:
        dataset = client.call("GET", f"/api/v1/dataset/{_datasource_id(chart)}")["result"]
        by_slug[datasets[dataset["table_name"]]] = chart
    return by_slug


def _datasource_id(chart: dict) -> int:
    return int(str(chart["form_data"]["datasource"]).split("__")[0])


def dataset_rows(client, chart: dict, force: bool = True) -> list[dict]:
    """All rows of the chart's dataset (its query file's SQL), through /api/v1/chart/data."""
    datasource_id = _datasource_id(chart)
    dataset = client.call("GET", f"/api/v1/dataset/{datasource_id}")["result"]
    columns = [column["column_name"] for column in dataset["columns"]]
    payload = {
        "datasource": {"id": datasource_id, "type": "table"},
        "force": force,
        "queries": [{"columns": columns, "metrics": [], "row_limit": 10000, "orderby": []}],
        "result_format": "json",
        "result_type": "full",
    }
    result = client.call("POST", "/api/v1/chart/data", json=payload)["result"][0]
    assert not result.get("error"), result
    return result["data"]


def test_importing_twice_creates_each_object_once(superset, client):
    dashboards = client.call("GET", "/api/v1/dashboard/")["result"]
    assert [d["dashboard_title"] for d in dashboards] == ["Trending papers"]
    charts = client.call("GET", "/api/v1/chart/", params={"q": "(page_size:100)"})["result"]
    assert sorted(c["slice_name"] for c in charts) == sorted(q.title for q in QUERIES.values())
    datasets = client.call("GET", "/api/v1/dataset/", params={"q": "(page_size:100)"})["result"]
    assert len(datasets) == len(QUERIES)
    databases = client.call("GET", "/api/v1/database/")["result"]
    assert [d["database_name"] for d in databases] == [DATABASE_NAME]
    database = client.call("GET", f"/api/v1/database/{databases[0]['id']}/connection")["result"]
    assert database["sqlalchemy_uri"] == f"duckdb:///{superset.serving_file}"
    extra = json.loads(database["extra"])
    assert extra["engine_params"]["connect_args"] == {"read_only": True}


def test_reimporting_a_changed_bundle_replaces_the_chart_and_the_dataset_sql(superset, client):
    """A query file or chart edited in the repository reaches Superset on the next import."""
    import yaml

    original = bundle.bundle_files(str(superset.serving_file))
    edited = dict(original)
    chart_file = next(name for name in original if name.startswith("charts/") and "01_papers_per_day" in name)
    dataset_file = next(name for name in original if name.startswith("datasets/") and name.endswith("01_papers_per_day.yaml"))
    chart = yaml.safe_load(original[chart_file])
    chart["slice_name"] = "Papers per digest day (edited)"
    edited[chart_file] = yaml.safe_dump(chart, sort_keys=False)
    dataset = yaml.safe_load(original[dataset_file])
    dataset["sql"] = dataset["sql"].rstrip() + "\n-- edited"
    edited[dataset_file] = yaml.safe_dump(dataset, sort_keys=False)
    try:
        superset.import_bundle(edited)
        charts = client.call("GET", "/api/v1/chart/", params={"q": "(page_size:100)"})["result"]
        assert "Papers per digest day (edited)" in [c["slice_name"] for c in charts]
        assert len(charts) == len(QUERIES)
        chart_row = dashboard_charts(client)["01_papers_per_day"]
        dataset_row = client.call("GET", f"/api/v1/dataset/{_datasource_id(chart_row)}")["result"]
        assert dataset_row["sql"].endswith("-- edited")
    finally:
        superset.import_bundle(original)
    charts = client.call("GET", "/api/v1/chart/", params={"q": "(page_size:100)"})["result"]
    assert sorted(c["slice_name"] for c in charts) == sorted(q.title for q in QUERIES.values())


def test_every_dataset_returns_what_duckdb_returns_for_its_query_file(superset, client):
    charts = dashboard_charts(client)
    assert set(charts) == set(QUERIES)
    for slug, chart in charts.items():
        expected = duckdb_rows(superset.serving_file, slug)
        assert expected, f"{slug}: no rows in the sample warehouse"
        assert _sorted(dataset_rows(client, chart)) == _sorted(expected), slug


# --- in a browser ---------------------------------------------------------------------


class DashboardPage:
    """A logged-in browser page on the dashboard; records the chart data it received."""

    def __init__(self, browser, superset: Superset):
        self.superset = superset
        self.context = browser.new_context(viewport={"width": 1600, "height": 1900})
        self.page = self.context.new_page()
        self.chart_data: list[dict] = []
        self.page.on("response", self._record)
        self.page.goto(superset.url + "/login/")
        self.page.fill("input[name=username]", "admin")
        self.page.fill("input[name=password]", superset.password)
        self.page.click("[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)

    def _record(self, response):
        if "/api/v1/chart/data" in response.url and response.request.method == "POST":
            try:
                self.chart_data.append(response.json())
            except Exception:  # noqa: BLE001 - a non-JSON answer is an error the test shows
                self.chart_data.append({"error": response.text()[:2000], "status": response.status})

    def open_dashboard(self, native_filters: str = "") -> str:
        self.chart_data.clear()
        query = f"&native_filters={urllib.parse.quote(native_filters)}" if native_filters else ""
        self.page.goto(f"{self.superset.url}/superset/dashboard/{DASHBOARD_SLUG}/?standalone=1{query}")
        # Superset's CSP forbids Playwright's wait_for_function: poll locators instead.
        holders = self.page.locator(".dashboard-component-chart-holder")
        spinners = self.page.locator(".dashboard-component-chart-holder .loading")
        deadline = time.monotonic() + CHART_TIMEOUT_MS / 1000
        while holders.count() < len(QUERIES) or spinners.count() > 0 or len(self.chart_data) < len(QUERIES):
            assert time.monotonic() < deadline, "the dashboard's charts did not finish loading"
            self.page.wait_for_timeout(250)
        self.page.wait_for_load_state("networkidle")
        return self.page.inner_text("body")

    def chart_texts(self, expected: int) -> dict[str, str]:
        """Each chart's title and text, read once all `expected` charts are on the page.

        Superset may re-render the grid (a resize, a late layout pass); polling until
        every chart is back keeps a re-render from reading as missing charts.
        """
        holders = self.page.locator(".dashboard-component-chart-holder")
        deadline = time.monotonic() + CHART_TIMEOUT_MS / 1000
        while True:
            texts = {}
            for index in range(holders.count()):
                holder = holders.nth(index)
                title = holder.locator("[data-test=editable-title], .editable-title").first
                if title.count():
                    texts[title.inner_text().strip()] = holder.inner_text()
            if len(texts) >= expected or time.monotonic() > deadline:
                return texts
            self.page.wait_for_timeout(250)

    def results_by_columns(self) -> list[dict]:
        return [result for body in self.chart_data for result in body.get("result", [])]


@pytest.fixture(scope="module")
def dashboard(browser, superset):
    page = DashboardPage(browser, superset)
    yield page
    page.context.close()


def test_the_dashboard_renders_every_chart_with_the_warehouse_s_data(superset, dashboard):
    started = time.monotonic()
    body = dashboard.open_dashboard()
    print(f"dashboard rendered in {time.monotonic() - started:.1f} s")

    assert "Trending papers" in body
    errors = dashboard.page.locator(
        ".dashboard-component-chart-holder .alert-danger, .dashboard-component-chart-holder [role=alert]"
    )
    assert errors.count() == 0, errors.all_inner_texts()
    for body_json in dashboard.chart_data:
        assert "error" not in body_json, body_json
        for result in body_json.get("result", []):
            assert not result.get("error"), result

    texts = dashboard.chart_texts(expected=len(QUERIES))
    assert set(texts) == {query.title for query in QUERIES.values()}, texts.keys()
    for title, text in texts.items():
        assert "No results" not in text, title
    # The tables show the warehouse's rows as DuckDB answers them.
    longest = duckdb_rows(superset.serving_file, "04_papers_trending_longest")
    assert longest[0]["title"] in texts["Papers trending longest"]
    latest = duckdb_rows(superset.serving_file, "06_latest_digest")
    for row in latest[:3]:
        assert row["title"] in texts["The latest digest"]
    # The charts (canvas): each drew something from the data the page received.
    for title in (q.title for q in QUERIES.values() if q.chart != "table"):
        holder = dashboard.page.locator(".dashboard-component-chart-holder", has_text=title)
        assert holder.locator("canvas, svg").count() > 0, f"{title}: nothing drawn"

    # What the page received equals DuckDB's answer for the same query files.
    results = dashboard.results_by_columns()
    per_day = duckdb_rows(superset.serving_file, "01_papers_per_day")
    received = [r for r in results if set(r.get("colnames", [])) == {"digest_date", "papers", "new_papers"}]
    assert received and _sorted(received[0]["data"]) == _sorted(per_day)
    top = duckdb_rows(superset.serving_file, "03_top_topics_last_7_days")
    received = [r for r in results if r.get("colnames") == ["topic_name", "papers"]]
    assert received and _sorted(received[0]["data"]) == _sorted(top)

    # Last: a full-page screenshot resizes the viewport, which re-renders the grid.
    screenshot = superset.serving_file.parents[2] / "trending_papers_dashboard.png"
    dashboard.page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")


def test_the_upvotes_chart_draws_the_warehouse_s_upvotes_of_the_most_upvoted_papers(superset, dashboard):
    """'How upvotes build after a paper trends': the page received, for each of the papers
    with the most upvotes (the chart's series limit), the upvotes DuckDB has on each day."""
    query = QUERIES["07_upvotes_since_first_trending"]
    rows = duckdb_rows(superset.serving_file, query.slug)
    assert rows, "no paper of the sample warehouse has upvotes"
    expected = {(row["days_since_first_trending"], row["paper"]): row["upvotes"] for row in rows}
    peaks = sorted({row["paper"]: row["peak_upvotes"] for row in rows}.values(), reverse=True)
    drawn = min(query.series_limit, len(peaks))

    dashboard.open_dashboard()
    received = [r for r in dashboard.results_by_columns() if "days_since_first_trending" in r.get("colnames", [])]
    assert received, f"the page received no data for {query.title!r}"
    # Superset pivots the rows: one row per x value, one column per paper.
    points = {
        (_plain(row["days_since_first_trending"]), paper): _plain(value)
        for row in received[0]["data"]
        for paper, value in row.items()
        if paper != "days_since_first_trending" and value is not None
    }
    assert points and all(expected.get(point) == value for point, value in points.items()), points
    papers = {paper for _, paper in points}
    assert len(papers) == drawn
    # the most upvoted ones (a tie at the limit may go either way)
    assert all(max(expected[p] for p in expected if p[1] == paper) >= peaks[drawn - 1] for paper in papers)
    assert points == {point: value for point, value in expected.items() if point[1] in papers}


def kinds_by_topic(rows: list[dict]) -> dict[tuple[str, str], float]:
    """Papers per (topic, kind), summed over the query file's rows (one per first digest day)."""
    totals: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (row["topic_name"], row["paper_kind"])
        totals[key] = totals.get(key, 0) + row["papers"]
    return totals


def received_kinds_by_topic(dashboard) -> dict[tuple[str, str], float]:
    """What the page received for 'What kinds of papers trend, by topic' (pivoted by Superset:
    one row per topic, one column per kind)."""
    received = [
        result
        for result in dashboard.results_by_columns()
        if "topic_name" in result.get("colnames", []) and "method" in result["colnames"]
    ]
    assert len(received) == 1, f"the page received {len(received)} answers for the paper kinds chart"
    return {
        (row["topic_name"], kind): _plain(papers)
        for row in received[0]["data"]
        for kind, papers in row.items()
        if kind != "topic_name" and papers is not None
    }


def test_the_paper_kinds_chart_draws_the_warehouse_s_papers_per_topic_and_kind(superset, dashboard):
    """'What kinds of papers trend, by topic': a stacked bar per topic whose segments are the
    papers of each kind first seen in the last 30 digest days, as DuckDB counts them."""
    query = QUERIES["08_paper_kinds_by_topic"]
    expected = kinds_by_topic(duckdb_rows(superset.serving_file, query.slug))
    assert len({topic for topic, _ in expected}) == 10 and len({kind for _, kind in expected}) > 1, expected

    dashboard.open_dashboard()
    assert received_kinds_by_topic(dashboard) == expected
    holder = dashboard.page.locator(".dashboard-component-chart-holder", has_text=query.title)
    assert holder.locator("canvas, svg").count() > 0, "nothing drawn"


def _rison_string(value: str) -> str:
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def topic_filter(topic: str) -> str:
    """The dashboard's Topic filter set to one topic, as Superset's `native_filters` URL parameter (rison)."""
    name = "NATIVE_FILTER-papertrend-topic"
    value = _rison_string(topic)
    return (
        f"({name}:(extraFormData:(filters:!((col:topic_name,op:IN,val:!({value})))),"
        f"filterState:(label:{value},validateStatus:!f,value:!({value})),id:{name},ownState:()))"
    )


def test_the_topic_filter_narrows_every_paper_not_only_the_overall_top_rows(superset, dashboard):
    """'Papers trending longest' for a topic none of whose papers is in the overall top 25:
    the chart shows that topic's longest-trending papers (the limit is the chart's, not the SQL's)."""
    query = QUERIES["04_papers_trending_longest"]
    rows = duckdb_rows(superset.serving_file, "04_papers_trending_longest")
    overall_top = rows[: query.row_limit]
    topics_in_top = {row["topic_name"] for row in overall_top}
    topic = next((row["topic_name"] for row in rows if row["topic_name"] not in topics_in_top), None)
    assert topic, "every topic of the samples is in the overall top rows: no topic to test with"
    expected = [row for row in rows if row["topic_name"] == topic][: query.row_limit]

    dashboard.open_dashboard(native_filters=topic_filter(topic))
    received = [
        result
        for result in dashboard.results_by_columns()
        if "days_trending" in result.get("colnames", []) and "best_position" in result["colnames"]
    ]
    assert received, "the page received no data for 'Papers trending longest'"
    assert [row["title"] for row in received[0]["data"]] == [row["title"] for row in expected]
    table = dashboard.chart_texts(expected=len(QUERIES))["Papers trending longest"]
    assert expected[0]["title"] in table
    assert overall_top[0]["title"] not in table


def test_the_topic_filter_narrows_the_paper_kinds_chart_to_that_topic(superset, dashboard):
    query = QUERIES["08_paper_kinds_by_topic"]
    expected = kinds_by_topic(duckdb_rows(superset.serving_file, query.slug))
    topic = min(topic for topic, _ in expected)

    dashboard.open_dashboard(native_filters=topic_filter(topic))
    assert received_kinds_by_topic(dashboard) == {key: papers for key, papers in expected.items() if key[0] == topic}


# --- a publish while Superset runs -----------------------------------------------------


def publish(serving_file: Path, change_sql: str) -> None:
    """Replace the serving file the way publish does: a new file, then os.replace."""
    import duckdb

    new = serving_file.with_name("warehouse.duckdb.new")
    shutil.copyfile(serving_file, new)
    with duckdb.connect(str(new)) as con:
        con.execute(change_sql)
    os.replace(new, serving_file)


def test_a_published_warehouse_is_read_without_restarting_superset(superset, client, dashboard):
    charts = dashboard_charts(client)
    before = _sorted(dataset_rows(client, charts["01_papers_per_day"], force=False))
    assert before == _sorted(duckdb_rows(superset.serving_file, "01_papers_per_day"))
    server_pid = superset.server.pid

    # the new warehouse: the last digest day is gone
    publish(
        superset.serving_file,
        "delete from digest_appearances where digest_date = (select max(digest_date) from digest_appearances)",
    )
    after_expected = _sorted(duckdb_rows(superset.serving_file, "01_papers_per_day"))
    assert len(after_expected) == len(before) - 1

    after = _sorted(dataset_rows(client, charts["01_papers_per_day"], force=False))
    assert after == after_expected
    assert superset.server.pid == server_pid and superset.server.poll() is None

    # and the dashboard, reopened, draws the new numbers
    dashboard.open_dashboard()
    received = [
        r
        for r in dashboard.results_by_columns()
        if set(r.get("colnames", [])) == {"digest_date", "papers", "new_papers"}
    ]
    assert received and _sorted(received[0]["data"]) == after_expected
