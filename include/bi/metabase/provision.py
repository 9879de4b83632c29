"""Provision Metabase with papertrend's "Trending papers" dashboard through its REST API.

    MB_ADMIN_PASSWORD=... python include/bi/metabase/provision.py

Idempotent: it creates the admin on a fresh Metabase (``POST /api/setup`` with
the token from ``GET /api/session/properties``), logs in, then finds by name,
and updates, or creates:

- the DuckDB database (the motherduckdb driver's ``duckdb`` engine) on the
  serving file, ``read_only`` on;
- one native-SQL question per file in ``include/bi/queries/*.sql``: the card's
  name is the file's ``-- title:``, its description ``-- description:``, its
  visualization ``-- chart:``, its SQL the file's body;
- the dashboard "Trending papers" holding those questions.

It needs only ``requests`` (the compose service runs it in a plain Python image
with include/bi mounted). Everything that turns the query files into API
payloads is a pure function, tested against the sample warehouse in
tests/bi/test_metabase_provision.py; the HTTP part has only been reasoned from
Metabase's API documentation, never run against a Metabase (see README).

Environment:
    MB_URL                 Metabase's base URL (default http://127.0.0.1:3000)
    MB_ADMIN_EMAIL         the admin's login (default admin@example.com)
    MB_ADMIN_PASSWORD      required; Metabase rejects weak passwords at setup
    PAPERTREND_SERVING_DB  the serving file as Metabase sees it
                           (default /data/serving/warehouse.duckdb)
    PAPERTREND_BI_QUERIES  the query files' folder (default: ../queries)
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATABASE_NAME = "papertrend warehouse"
DASHBOARD_NAME = "Trending papers"
DASHBOARD_DESCRIPTION = (
    "Trending machine-learning papers from papertrend's serving warehouse (marts only). "
    "Provisioned from include/bi/queries by include/bi/metabase/provision.py."
)
DEFAULT_QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
DEFAULT_SERVING_DB = "/data/serving/warehouse.duckdb"

# Metabase's dashboard grid is 24 columns wide.
GRID_WIDTH = 24
CHART_SIZE = (12, 8)
TABLE_SIZE = (24, 9)

_HEADER = re.compile(r"^--\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Query:
    """One question: a file of include/bi/queries with its header."""

    slug: str
    title: str
    description: str
    chart: str
    sql: str
    # Every `-- key: value` header line, title/description/chart included.
    header: dict[str, str] = field(default_factory=dict)

    @property
    def row_limit(self) -> int | None:
        """`-- row_limit: N`: the chart shows the first N rows; the SQL itself returns all,
        so a dashboard filter (a topic) narrows every row, not only the global top N."""
        value = self.header.get("row_limit")
        return int(value) if value else None

    @property
    def series_limit(self) -> int | None:
        """`-- series_limit: N`: a line/area/bar chart draws the N series (`-- series:`) with
        the highest first `-- y:` value; as with row_limit, the SQL returns every series."""
        value = self.header.get("series_limit")
        return int(value) if value else None

    @property
    def aggregate(self) -> str | None:
        """`-- aggregate: sum`: the rows are finer than the chart (a row per digest day, for the
        digest date filter) and the chart draws the sum of each y per x and series."""
        value = self.header.get("aggregate", "").strip().lower()
        if value and value != "sum":
            raise ValueError(f"{self.slug}: '-- aggregate: {value}' (only sum is known)")
        return value or None

    @property
    def limited_sql(self) -> str:
        """The SQL as the chart draws it, for a tool that runs the SQL as it is (Metabase):
        summed per x and series (`-- aggregate: sum`), with its row or series limit."""
        sql = self.sql.rstrip().rstrip(";")
        if self.aggregate:
            x = _columns(self.header.get("x"))[0]
            keys = ", ".join([x] + _columns(self.header.get("series")))
            ys = _columns(self.header.get("y"))
            sums = ", ".join(f"sum({y}) as {y}" for y in ys)
            # the bars in the order Superset sorts them: the biggest total first
            bar_total = " + ".join(f"sum(sum({y})) over (partition by {x})" for y in ys)
            sql = (
                f"with chart_rows as (\n{sql}\n)\nselect {keys}, {sums}\nfrom chart_rows\n"
                f"group by {keys}\norder by {bar_total} desc, {keys}"
            )
        if self.row_limit is not None:
            sql = f"{sql}\nlimit {self.row_limit}"
        if self.series_limit is not None:
            series, value = _columns(self.header.get("series"))[0], _columns(self.header.get("y"))[0]
            sql = (
                f"with chart_rows as (\n{sql}\n)\nselect * from chart_rows\n"
                f"where {series} in (\n    select {series} from chart_rows group by {series}\n"
                f"    order by max({value}) desc, {series} limit {self.series_limit}\n)"
            )
        return sql


def parse_query_file(path: Path) -> Query:
    """Split a query file into its `-- key: value` header and its SQL body."""
    text = Path(path).read_text(encoding="utf-8")
    header: dict[str, str] = {}
    lines = text.splitlines()
    body_start = 0
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        match = _HEADER.match(line)
        if match:
            key = match.group(1).lower().replace("-", "_")
            header[key] = match.group(2)
            body_start = number + 1
            continue
        if line.lstrip().startswith("--") and header:
            # a continuation or a plain comment inside the header block
            body_start = number + 1
            continue
        break
    sql = "\n".join(lines[body_start:]).strip()
    for required in ("title", "chart"):
        if not header.get(required):
            raise ValueError(f"{path}: no '-- {required}:' header line")
    if not sql:
        raise ValueError(f"{path}: no SQL after the header")
    return Query(
        slug=Path(path).stem,
        title=header["title"],
        description=header.get("description", ""),
        chart=header["chart"],
        sql=sql,
        header=header,
    )


def load_queries(folder: Path = DEFAULT_QUERIES_DIR) -> list[Query]:
    """Every *.sql file of the folder, in file-name order (the dashboard's order)."""
    paths = sorted(Path(folder).glob("*.sql"))
    if not paths:
        raise FileNotFoundError(f"no *.sql query files in {folder}")
    queries = [parse_query_file(path) for path in paths]
    titles = [query.title for query in queries]
    duplicates = sorted({title for title in titles if titles.count(title) > 1})
    if duplicates:
        raise ValueError(f"query titles must be unique (cards are found by name): {duplicates}")
    return queries


# --- payloads (pure) -----------------------------------------------------------------

# The header's chart kind -> Metabase's card display.
DISPLAYS = {
    "line": "line",
    "area": "area",
    "stacked_area": "area",
    "bar": "bar",
    "stacked_bar": "bar",
    "row": "row",
    "pie": "pie",
    "table": "table",
    "number": "scalar",
    "big_number": "scalar",
    "scalar": "scalar",
}


def chart_kind(query: Query) -> str:
    """The chart's kind: the first word of `-- chart:`, snake_cased ("Stacked area" -> stacked_area)."""
    words = re.split(r"[\s,;(]+", query.chart.strip().lower())
    two = "_".join(words[:2])
    return two if two in DISPLAYS else words[0].replace("-", "_")


def _columns(value: str | None) -> list[str]:
    return [name.strip() for name in re.split(r"[,\s]+", value or "") if name.strip()]


def card_display(query: Query) -> tuple[str, dict[str, Any]]:
    """Metabase's display and visualization settings for the query's chart."""
    kind = chart_kind(query)
    if kind not in DISPLAYS:
        raise ValueError(f"{query.slug}: chart {query.chart!r} has no Metabase display (known: {sorted(DISPLAYS)})")
    display = DISPLAYS[kind]
    settings: dict[str, Any] = {}
    if display in ("line", "area", "bar", "row"):
        x = _columns(query.header.get("x"))
        series = _columns(query.header.get("series"))
        metrics = _columns(query.header.get("y") or query.header.get("metrics"))
        if x:
            settings["graph.dimensions"] = x + series
        if metrics:
            settings["graph.metrics"] = metrics
        if kind.startswith("stacked") or (display == "area" and series):
            settings["stackable.stack_type"] = "stacked"
    return display, settings


def database_payload(database_file: str, name: str = DATABASE_NAME) -> dict[str, Any]:
    """The DuckDB connection (motherduckdb driver: connection properties database_file, read_only)."""
    return {
        "name": name,
        "engine": "duckdb",
        "details": {
            "database_file": database_file,
            # Publishing replaces the file; a read-only reader never holds its write lock.
            "read_only": True,
        },
        "is_full_sync": True,
        "auto_run_queries": True,
    }


def card_payload(query: Query, database_id: int) -> dict[str, Any]:
    display, settings = card_display(query)
    return {
        "name": query.title,
        "description": query.description or None,
        "display": display,
        "visualization_settings": settings,
        "type": "question",
        "collection_id": None,
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": query.limited_sql, "template-tags": {}},
        },
    }


def dashboard_layout(queries: list[Query]) -> list[dict[str, Any]]:
    """Grid positions in query order: charts two to a row, tables across the full width."""
    placed, row, col, row_height = [], 0, 0, 0
    for query in queries:
        display, _ = card_display(query)
        width, height = TABLE_SIZE if display == "table" else CHART_SIZE
        if col + width > GRID_WIDTH:
            row, col, row_height = row + row_height, 0, 0
        placed.append({"title": query.title, "row": row, "col": col, "size_x": width, "size_y": height})
        col += width
        row_height = max(row_height, height)
    return placed


def dashcards_payload(
    layout: list[dict[str, Any]], card_ids: dict[str, int], existing: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The dashboard's full card list for PUT /api/dashboard/:id.

    A card already on the dashboard keeps its dashcard id (moved into place);
    new ones get negative ids, which Metabase reads as "create"; dashcards not
    listed are removed, so a rerun converges on exactly the query files.
    """
    by_card = {}
    for dashcard in existing:
        by_card.setdefault(dashcard.get("card_id"), dashcard["id"])
    cards = []
    for number, place in enumerate(layout, start=1):
        card_id = card_ids[place["title"]]
        cards.append(
            {
                "id": by_card.get(card_id, -number),
                "card_id": card_id,
                "row": place["row"],
                "col": place["col"],
                "size_x": place["size_x"],
                "size_y": place["size_y"],
                "parameter_mappings": [],
                "visualization_settings": {},
                "series": [],
            }
        )
    return cards


# --- Metabase's REST API -------------------------------------------------------------


class MetabaseError(RuntimeError):
    pass


class Metabase:
    def __init__(self, url: str, timeout: float = 60.0):
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url + path, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise MetabaseError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def wait_until_healthy(self, seconds: float = 300.0) -> None:
        import requests

        deadline = time.monotonic() + seconds
        while True:
            try:
                if self.http.get(self.url + "/api/health", timeout=10).json().get("status") == "ok":
                    return
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() > deadline:
                raise MetabaseError(f"{self.url}/api/health not ok after {seconds:.0f}s")
            time.sleep(5)

    def log_in(self, email: str, password: str) -> None:
        """Create the admin on a fresh Metabase, then open a session."""
        properties = self.call("GET", "/api/session/properties")
        if not properties.get("has-user-setup"):
            token = properties.get("setup-token")
            if not token:
                raise MetabaseError("Metabase is not set up and offers no setup token")
            self.call(
                "POST",
                "/api/setup",
                json={
                    "token": token,
                    "user": {
                        "first_name": "papertrend",
                        "last_name": "admin",
                        "email": email,
                        "password": password,
                        "site_name": "papertrend",
                    },
                    "prefs": {"site_name": "papertrend", "site_locale": "en", "allow_tracking": False},
                },
            )
            print(f"created the admin {email}")
        session = self.call("POST", "/api/session", json={"username": email, "password": password})
        self.http.headers["X-Metabase-Session"] = session["id"]

    def _list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        found = self.call("GET", path, params=params)
        return found.get("data", []) if isinstance(found, dict) else found

    def _named(self, path: str, name: str, **params: Any) -> dict[str, Any] | None:
        matches = [item for item in self._list(path, **params) if item.get("name") == name and not item.get("archived")]
        return min(matches, key=lambda item: item["id"]) if matches else None

    def upsert_database(self, payload: dict[str, Any]) -> int:
        existing = self._named("/api/database", payload["name"])
        if existing:
            self.call("PUT", f"/api/database/{existing['id']}", json=payload)
            print(f"updated database {payload['name']!r} (id {existing['id']})")
            return existing["id"]
        created = self.call("POST", "/api/database", json=payload)
        print(f"created database {payload['name']!r} (id {created['id']})")
        return created["id"]

    def upsert_card(self, payload: dict[str, Any]) -> int:
        existing = self._named("/api/card", payload["name"], f="all")
        if existing:
            self.call("PUT", f"/api/card/{existing['id']}", json=payload)
            print(f"updated question {payload['name']!r} (id {existing['id']})")
            return existing["id"]
        created = self.call("POST", "/api/card", json=payload)
        print(f"created question {payload['name']!r} (id {created['id']})")
        return created["id"]

    def upsert_dashboard(self, name: str, description: str, layout, card_ids) -> int:
        existing = self._named("/api/dashboard", name, f="all")
        if existing:
            dashboard_id = existing["id"]
        else:
            dashboard_id = self.call(
                "POST", "/api/dashboard", json={"name": name, "description": description, "collection_id": None}
            )["id"]
            print(f"created dashboard {name!r} (id {dashboard_id})")
        current = self.call("GET", f"/api/dashboard/{dashboard_id}")
        dashcards = dashcards_payload(layout, card_ids, current.get("dashcards") or [])
        self.call(
            "PUT",
            f"/api/dashboard/{dashboard_id}",
            json={"description": description, "dashcards": dashcards},
        )
        print(f"dashboard {name!r} (id {dashboard_id}) holds {len(dashcards)} questions")
        return dashboard_id


class ServingFileMissing(MetabaseError):
    pass


def provision(
    metabase: Metabase, queries: list[Query], database_file: str, email: str, password: str
) -> int:
    """Admin, database, questions, dashboard; returns the dashboard's id."""
    metabase.wait_until_healthy()
    metabase.log_in(email, password)
    if not Path(database_file).exists():
        # Metabase tests the connection when a database is added, and a
        # read-only DuckDB cannot open a file that does not exist yet. (The
        # compose service mounts the serving folder at the path Metabase sees.)
        raise ServingFileMissing(database_file)
    database_id = metabase.upsert_database(database_payload(database_file))
    card_ids = {query.title: metabase.upsert_card(card_payload(query, database_id)) for query in queries}
    return metabase.upsert_dashboard(DASHBOARD_NAME, DASHBOARD_DESCRIPTION, dashboard_layout(queries), card_ids)


def main() -> int:
    password = os.environ.get("MB_ADMIN_PASSWORD")
    if not password:
        print("MB_ADMIN_PASSWORD is not set: it becomes the Metabase admin's password", file=sys.stderr)
        return 2
    url = os.environ.get("MB_URL", "http://127.0.0.1:3000")
    email = os.environ.get("MB_ADMIN_EMAIL", "admin@example.com")
    database_file = os.environ.get("PAPERTREND_SERVING_DB", DEFAULT_SERVING_DB)
    queries = load_queries(Path(os.environ.get("PAPERTREND_BI_QUERIES", DEFAULT_QUERIES_DIR)))
    try:
        dashboard_id = provision(Metabase(url), queries, database_file, email, password)
    except ServingFileMissing:
        print(
            f"the admin {email} exists, but {database_file} does not yet: build the warehouse "
            "(make run, or the build_warehouse DAG), then run "
            "`docker compose run --rm metabase-provision` again",
            file=sys.stderr,
        )
        return 1
    print(f"Metabase: {url}/dashboard/{dashboard_id}  (log in as {email})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
