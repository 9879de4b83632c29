"""The dbt-duckdb plugin of profiles.yml: each dbt connection loads its extensions from
the installed wheels and gets the S3 secret from the environment, as every other
papertrend connection does (:mod:`papertrend.duckdb_connections`)."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from papertrend.duckdb_connections import prepare_connection


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        prepare_connection(conn)
