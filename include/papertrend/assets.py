"""The Airflow Assets the DAGs hand over through, declared once.

Only the DAG files import this module (it needs Airflow); the rest of the
package stays usable without Airflow installed.
"""

from __future__ import annotations

from airflow.sdk import Asset

# Updated when a day's digest has passed the quality gate and sits in the lake.
LAKE = Asset(name="papertrend_lake", uri="file:///papertrend/lake/digest_entries")
# Updated when a new warehouse has been built, tested and published.
WAREHOUSE = Asset(name="papertrend_warehouse", uri="file:///papertrend/warehouse/serving/warehouse.duckdb")
