"""The `papertrend_s3` Airflow connection: what the DAG tasks' S3 clients see with
and without it. End to end (a Celery worker whose only credentials are the
connection): tests/integration/test_celery_worker.py."""

from __future__ import annotations

import json
import os

import pytest

from papertrend.s3_connection import AWS_VARIABLES, s3_credentials

CONNECTION = {
    "conn_type": "aws",
    "login": "connection-key-id",
    "password": "connection-secret-key",
    "extra": {"endpoint_url": "http://127.0.0.1:9000", "region_name": "eu-west-3"},
}
OPERATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "environment-key-id",
    "AWS_SECRET_ACCESS_KEY": "environment-secret-key",
    "AWS_SESSION_TOKEN": "environment-session-token",
    "AWS_PROFILE": "environment-profile",
    "AWS_REGION": "us-east-1",
}


def aws_environment() -> dict[str, str]:
    return {name: os.environ[name] for name in AWS_VARIABLES if name in os.environ}


@pytest.fixture
def environment(monkeypatch):
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in OPERATOR_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAPERTREND_DATA_DIR", "s3://papertrend/data")
    monkeypatch.delenv("AIRFLOW_CONN_PAPERTREND_S3", raising=False)
    return monkeypatch


def test_the_connection_replaces_the_aws_variables_for_the_block_only(environment):
    environment.setenv("AIRFLOW_CONN_PAPERTREND_S3", json.dumps(CONNECTION))

    with s3_credentials():
        inside = aws_environment()

    # the connection says all of it: no session token or profile of the process mixed in
    assert inside == {
        "AWS_ACCESS_KEY_ID": "connection-key-id",
        "AWS_SECRET_ACCESS_KEY": "connection-secret-key",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_REGION": "eu-west-3",
    }
    assert aws_environment() == OPERATOR_ENV


def test_a_session_token_in_the_connection_is_passed_on(environment):
    connection = {**CONNECTION, "extra": {"aws_session_token": "connection-session-token"}}
    environment.setenv("AIRFLOW_CONN_PAPERTREND_S3", json.dumps(connection))

    with s3_credentials():
        assert os.environ["AWS_SESSION_TOKEN"] == "connection-session-token"
        # no endpoint in the connection: AWS itself, whatever the process had
        assert "AWS_ENDPOINT_URL" not in os.environ


def test_without_the_connection_the_aws_variables_stay_as_they_are(environment):
    with s3_credentials():
        assert aws_environment() == OPERATOR_ENV


def test_a_local_data_root_does_not_look_for_the_connection(environment, tmp_path):
    environment.setenv("PAPERTREND_DATA_DIR", str(tmp_path / "data"))
    environment.setenv("AIRFLOW_CONN_PAPERTREND_S3", "not a connection")

    with s3_credentials():
        assert aws_environment() == OPERATOR_ENV
