"""The HTTP source's Airflow Connection: on when it exists, off otherwise.

`AIRFLOW_CONN_PAPERTREND_HF_API=https://huggingface.co` (or
`https://mirror.example/some/prefix`) turns the Hugging Face daily-papers
source on for both ingest DAGs. Airflow is imported only when called, so DAG
files can import this module at parse time for free.
"""

from __future__ import annotations

HTTP_CONNECTION_ID = "papertrend_hf_api"


def http_base_url() -> str | None:
    """The API base URL of the `papertrend_hf_api` connection, or None without one."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    from papertrend.sources.hf_api import base_url_from_connection

    try:
        connection = BaseHook.get_connection(HTTP_CONNECTION_ID)
    except AirflowNotFoundException:
        return None
    # The connection's path (Airflow calls it schema) is kept: a mirror may serve
    # the API under a prefix.
    return base_url_from_connection(
        connection.conn_type, connection.host, connection.port, connection.schema
    )
