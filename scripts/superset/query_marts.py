"""Query every papertrend mart through a running Superset's REST API.

Run by scripts/superset_check.sh with the Superset venv's Python (it needs only
`requests`, which Superset depends on). What a Superset user does, in order:
log in, find the warehouse database, run SQL Lab queries (a row count and a
sample of rows per mart; the sample makes Superset serialize every column type
the mart has), then list the database's tables (duckdb-engine's inspector, what
the dataset editor shows).

Prints one line per mart and, with --report, writes {mart: row_count} as JSON.
Exits 1 when anything is missing, empty or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import requests

MARTS = (
    "papers",
    "topics",
    "paper_topics",
    "paper_links",
    "digest_appearances",
    "topic_daily_trends",
    "paper_upvotes_daily",
)
SCHEMA = "main"
SAMPLE_ROWS = 5
REQUEST_TIMEOUT_SECONDS = 60


class CheckFailed(Exception):
    pass


class SupersetClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(
            method, self.base_url + path, timeout=REQUEST_TIMEOUT_SECONDS, **kwargs
        )
        if response.status_code >= 400:
            raise CheckFailed(
                f"{method} {path} -> HTTP {response.status_code}: {response.text[:2000]}"
            )
        return response.json()

    def log_in(self, username: str, password: str) -> None:
        token = self.call(
            "POST",
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
        )["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        # Superset's CSRF protection covers API writes too: the token is bound
        # to the session cookie this request sets.
        csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})

    def database_id(self, name: str) -> int:
        databases = self.call("GET", "/api/v1/database/", params={"q": "(page_size:100)"})
        for database in databases["result"]:
            if database["database_name"] == name:
                return database["id"]
        raise CheckFailed(f"Superset has no database named {name!r}")

    def table_names(self, database_id: int, schema: str) -> set[str]:
        tables = self.call(
            "GET",
            f"/api/v1/database/{database_id}/tables/",
            params={"q": f"(force:!t,schema_name:{schema})"},
        )
        return {table["value"] for table in tables["result"]}

    def sql_lab(self, database_id: int, sql: str) -> list[dict]:
        result = self.call(
            "POST",
            "/api/v1/sqllab/execute/",
            json={"database_id": database_id, "sql": sql, "schema": SCHEMA, "runAsync": False},
        )
        if result.get("status") != "success":
            raise CheckFailed(f"SQL Lab: {sql!r} -> {json.dumps(result)[:2000]}")
        return result["data"]


def check_marts(client: SupersetClient, database: str) -> dict[str, int]:
    database_id = client.database_id(database)
    row_counts = {}
    for mart in MARTS:
        table = f"{SCHEMA}.{mart}"
        row_count = client.sql_lab(database_id, f"select count(*) as row_count from {table}")[0][
            "row_count"
        ]
        sample = client.sql_lab(database_id, f"select * from {table} limit {SAMPLE_ROWS}")
        if row_count < 1 or not sample:
            raise CheckFailed(f"{table} is empty in Superset ({row_count} rows)")
        row_counts[mart] = row_count
        print(f"  {mart:<20} {row_count:>7} rows  ({len(sample[0])} columns)", flush=True)

    # Last, so that a file Superset cannot open fails above with DuckDB's own
    # message (SQL Lab reports it; the tables endpoint only says "422").
    missing = set(MARTS) - client.table_names(database_id, SCHEMA)
    if missing:
        raise CheckFailed(f"Superset does not list these marts in {SCHEMA}: {sorted(missing)}")
    return row_counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Superset base URL")
    parser.add_argument("--database", required=True, help="Superset database name")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-env", required=True, help="variable holding the password")
    parser.add_argument("--report", type=Path, help="write {mart: row_count} JSON here")
    args = parser.parse_args()

    client = SupersetClient(args.url)
    try:
        client.log_in(args.username, os.environ[args.password_env])
        row_counts = check_marts(client, args.database)
    except (CheckFailed, requests.RequestException) as error:
        print(f"superset check FAILED: {error}", file=sys.stderr)
        return 1
    if args.report:
        args.report.write_text(json.dumps(row_counts, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
