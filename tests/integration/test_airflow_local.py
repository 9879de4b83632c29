"""`make airflow` (scripts/airflow_local.sh), started for real on a free loopback port:
one admin with a generated password, no admin token for whoever asks."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from papertrend.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "airflow_local.sh"
# db migrate on a fresh SQLite file plus the api-server's start, on a busy 2-CPU box.
STARTUP_LIMIT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def local_airflow(tmp_path_factory):
    """The script running in its own session; yields (base URL, Airflow home, stdout so far)."""
    root = tmp_path_factory.mktemp("make_airflow")
    home, port = root / "airflow_home", free_port()
    out_path = root / "stdout.txt"
    # Only what a developer's shell would carry: the script sets every Airflow option itself.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        "PAPERTREND_AIRFLOW_HOME": str(home),
        "PAPERTREND_DATA_DIR": str(root / "data"),
        "AIRFLOW_PORT": str(port),
    }
    with out_path.open("w") as out:
        process = subprocess.Popen(
            ["bash", str(SCRIPT)], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while time.monotonic() < deadline:
            assert process.poll() is None, f"make airflow exited:\n{out_path.read_text()}"
            try:
                if requests.get(f"{base_url}/api/v2/monitor/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(1)
        else:
            pytest.fail(f"the api-server did not answer within {STARTUP_LIMIT_SECONDS} s:\n{out_path.read_text()}")
        yield base_url, home, out_path.read_text()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # the script's trap stops every service it started
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def printed_password(stdout: str) -> str:
    found = re.findall(r"^log in as admin with password (\S+)$", stdout, flags=re.MULTILINE)
    assert len(found) == 1, f"expected the password printed once:\n{stdout}"
    return found[0]


def test_nobody_gets_an_admin_token_without_the_password(local_airflow):
    base_url, _, _ = local_airflow

    # The all-admins mode hands a token to any GET; a configured user must log in.
    assert requests.get(f"{base_url}/auth/token", timeout=10).status_code == 403
    wrong = requests.post(f"{base_url}/auth/token", json={"username": "admin", "password": "admin"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(f"{base_url}/api/v2/connections", timeout=10).status_code == 401


def test_the_admin_logs_in_with_the_password_printed_once(local_airflow):
    base_url, home, stdout = local_airflow
    password = printed_password(stdout)

    login = requests.post(f"{base_url}/auth/token", json={"username": "admin", "password": password}, timeout=10)
    assert login.status_code == 201, login.text
    token = login.json()["access_token"]
    connections = requests.get(
        f"{base_url}/api/v2/connections", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert connections.status_code == 200, connections.text
    # Airflow did not generate a second one and print it into its own log.
    assert password not in (home / "logs" / "api-server.log").read_text()


def test_the_password_file_and_the_airflow_home_are_private(local_airflow):
    _, home, stdout = local_airflow
    passwords_file = home / "passwords.json"

    assert json.loads(passwords_file.read_text()) == {"admin": printed_password(stdout)}
    assert stat.S_IMODE(passwords_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert str(passwords_file) in stdout
