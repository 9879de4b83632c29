"""Build the dbt-duckdb warehouse from the lake and publish it for readers."""

from papertrend.warehouse.build import (
    BuildReport,
    NodeResult,
    WarehouseBuildError,
    build_warehouse,
)

__all__ = ["BuildReport", "NodeResult", "WarehouseBuildError", "build_warehouse"]
