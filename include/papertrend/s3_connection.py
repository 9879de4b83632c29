"""The object store's Airflow Connection: `papertrend_s3`, optional, for the DAG tasks.

Without it, everything reads the usual ``AWS_*`` variables (the default, and all
the CLI reads). With it, the DAG tasks that touch an ``s3://`` data root take the
endpoint and credentials from the connection instead, as the Amazon provider's
``aws`` connection type lays them out: login = access key id, password = secret
access key, extra ``endpoint_url``, ``region_name``, ``aws_session_token``::

    AIRFLOW_CONN_PAPERTREND_S3='{"conn_type": "aws", "login": "...", "password": "...",
        "extra": {"endpoint_url": "http://minio:9000", "region_name": "us-east-1"}}'

Every client the pipeline uses (pyarrow's S3 filesystem, boto3 for the writer
lease, DuckDB's secret, dbt's profile) reads the ``AWS_*`` variables, so the
connection is turned into those variables for the task's ``with`` block: this
module is the only place that knows the connection. A connection says all of it:
the process's own ``AWS_*`` variables are not mixed in (a key from one and a
session token from the other would be neither identity). Airflow is imported
only when a task calls it, and only for an ``s3://`` data root.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from papertrend.settings import get_settings, temporary_environment

S3_CONNECTION_ID = "papertrend_s3"
# What the S3 clients read; a connection replaces all of them.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
)


@contextmanager
def s3_credentials() -> Iterator[None]:
    """For the ``with`` block: the ``papertrend_s3`` connection's endpoint and
    credentials as the ``AWS_*`` variables, when the data root is in an object
    store and the connection exists; otherwise the environment as it is."""
    variables = connection_aws_variables() if get_settings().data_root_uri else None
    if variables is None:
        yield
        return
    with temporary_environment({name: variables.get(name) for name in AWS_VARIABLES}):
        yield


def connection_aws_variables() -> dict[str, str] | None:
    """The ``AWS_*`` variables the ``papertrend_s3`` connection stands for; None without one."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = BaseHook.get_connection(S3_CONNECTION_ID)
    except AirflowNotFoundException:
        return None
    extra = connection.extra_dejson
    variables = {
        "AWS_ACCESS_KEY_ID": connection.login,
        "AWS_SECRET_ACCESS_KEY": connection.password,
        "AWS_SESSION_TOKEN": extra.get("aws_session_token"),
        "AWS_ENDPOINT_URL": extra.get("endpoint_url"),
        "AWS_REGION": extra.get("region_name"),
    }
    return {name: str(value) for name, value in variables.items() if value}
