"""docker-compose.yaml, checked statically: no Docker needed to catch a broken stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from papertrend.warehouse.build import STORAGE_COMPATIBILITY_VERSION

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yaml"
# What scripts/superset_check.sh installs to run the superset service natively.
SUPERSET_CHECK_LOCK = PROJECT_ROOT / "scripts" / "superset" / "requirements.txt"
# The oldest DuckDB that can open the serving file.
SERVING_FILE_MIN_DUCKDB = Version(STORAGE_COMPATIBILITY_VERSION.removeprefix("v"))

AIRFLOW_SERVICES = [
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
]
BI_SERVICES = ["superset", "metabase"]
SERVING_DIR = "./data/warehouse/serving"
# name:tag where the tag carries a version number; "latest" or no tag drifts.
PINNED_IMAGE = re.compile(r"^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]


def volume_mounts(service: dict) -> dict[str, tuple[str, bool]]:
    """Container path -> (source, read_only), for short and long volume syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *options = volume.split(":")
            mounts[target] = (source, "ro" in options)
        else:
            mounts[volume["target"]] = (volume["source"], bool(volume.get("read_only")))
    return mounts


def base_images(service: dict) -> list[str]:
    dockerfile = service.get("build", {}).get("dockerfile_inline", "")
    return re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)


def pip_pins(service: dict) -> dict[str, str]:
    """package -> version for every `pip install name==version` in the service's image."""
    dockerfile = service.get("build", {}).get("dockerfile_inline", "")
    return dict(re.findall(r"\b([A-Za-z0-9][\w.-]*)==([\w.]+)", dockerfile))


def test_the_stack_has_airflow_its_metadata_db_and_both_bi_tools(services):
    assert {*AIRFLOW_SERVICES, *BI_SERVICES, "postgres", "airflow-init"} <= set(services)


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_run_their_component_on_local_executor_and_postgres(services, name):
    service = services[name]
    env = service["environment"]

    assert service["command"] == name.removeprefix("airflow-").replace("apiserver", "api-server")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "components must share one JWT secret"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")
    assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", [*AIRFLOW_SERVICES, "airflow-init"])
def test_airflow_services_mount_the_project_and_the_data_root(services, name):
    service = services[name]
    mounts = volume_mounts(service)

    assert mounts["/opt/airflow/dags"] == ("./dags", False)
    assert mounts["/opt/papertrend/include"] == ("./include", False)
    assert mounts["/opt/papertrend/dbt_project"] == ("./dbt_project", False)
    assert mounts["/opt/papertrend/data"] == ("./data", False)
    # settings.py finds dbt_project/ next to include/: both must sit under one root.
    assert service["environment"]["PAPERTREND_DATA_DIR"] == "/opt/papertrend/data"


def test_the_init_service_migrates_the_metadata_db_once(services):
    init = services["airflow-init"]

    assert "airflow db migrate" in " ".join(init["command"])
    assert "airflow-init" not in init["depends_on"]
    assert init["restart"] == "no"


@pytest.mark.parametrize("name", BI_SERVICES)
def test_bi_tools_read_the_serving_directory_read_only(services, name):
    mounts = volume_mounts(services[name])
    data_mounts = {
        target: (source, read_only)
        for target, (source, read_only) in mounts.items()
        if source.startswith("./data")
    }

    # The directory, not the file: publish swaps the file atomically.
    assert data_mounts == {"/data/serving": (SERVING_DIR, True)}
    assert services[name]["environment"]["PAPERTREND_SERVING_DB"] == (
        "/data/serving/warehouse.duckdb"
    )


def test_every_image_and_base_image_is_pinned(services):
    for name, service in services.items():
        images = [service["image"], *base_images(service)]
        for image in images:
            assert PINNED_IMAGE.match(image), f"{name}: {image} is not pinned to a version"


def test_downloads_baked_into_images_are_versioned(services):
    for name, service in services.items():
        dockerfile = service.get("build", {}).get("dockerfile_inline", "")
        for url in re.findall(r"^ADD\s+(https?://\S+)", dockerfile, flags=re.MULTILINE):
            assert re.search(r"/v?\d+(\.\d+){2,3}/", url), f"{name}: {url} has no version"
        for command in re.findall(r"pip install ([^\n&\\]*)", dockerfile):
            packages = [arg for arg in command.split() if not arg.startswith(("-", "/"))]
            for package in packages:
                assert "==" in package, f"{name}: {package} is not pinned"


def test_the_airflow_image_installs_the_locked_requirements(services):
    dockerfile = services["airflow-scheduler"]["build"]["dockerfile_inline"]

    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "-r /opt/papertrend/requirements.txt" in dockerfile


def test_published_ports_listen_on_loopback_only(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_secrets_come_from_the_environment(services):
    raw = COMPOSE_FILE.read_text(encoding="utf-8")

    assert "${AIRFLOW_JWT_SECRET:?" in raw
    assert "${SUPERSET_SECRET_KEY:?" in raw
    assert services["superset"]["environment"]["SUPERSET_SECRET_KEY"].startswith("${")


def test_superset_image_has_a_duckdb_that_opens_the_serving_file(services):
    pins = pip_pins(services["superset"])

    assert Version(pins["duckdb"]) >= SERVING_FILE_MIN_DUCKDB, (
        f"superset installs duckdb=={pins['duckdb']}, which cannot open a file in the "
        f"{STORAGE_COMPATIBILITY_VERSION} storage format"
    )
    assert "duckdb-engine" in pins


def test_the_native_superset_check_runs_the_superset_image_s_versions(services):
    """scripts/superset_check.sh stands in for the superset service: same versions."""
    service = services["superset"]
    (base_image,) = base_images(service)
    locked = dict(
        re.findall(r"^([\w.-]+)==(\S+)", SUPERSET_CHECK_LOCK.read_text(encoding="utf-8"), re.M)
    )

    assert base_image.startswith("apache/superset:")
    assert locked["apache-superset"] == base_image.removeprefix("apache/superset:")
    for package, version in pip_pins(service).items():
        assert locked[package] == version, f"{package}: compose {version}, lock {locked[package]}"


def test_metabase_driver_bundles_a_duckdb_that_opens_the_serving_file(services):
    dockerfile = services["metabase"]["build"]["dockerfile_inline"]
    (release,) = re.findall(r"metabase_duckdb_driver/releases/download/([\w.]+)/", dockerfile)

    # From 1.4.4.0 on, a driver release is named <DuckDB version>.<driver patch>.
    assert Version(release) >= SERVING_FILE_MIN_DUCKDB
