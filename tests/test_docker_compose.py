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
    # LocalExecutor unless .env asks for the celery profile's CeleryExecutor
    assert env["AIRFLOW__CORE__EXECUTOR"] == "${PAPERTREND_EXECUTOR:-LocalExecutor}"
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
    # ./data unless .env names an object store (the s3 profile).
    assert service["environment"]["PAPERTREND_DATA_DIR"] == "${PAPERTREND_COMPOSE_DATA_DIR:-/opt/papertrend/data}"


def test_the_init_service_migrates_the_metadata_db_once(services):
    init = services["airflow-init"]

    assert "airflow db migrate" in " ".join(init["command"])
    assert "python -m papertrend.pools" in " ".join(init["command"]), "no writer pool: DAG writers could overlap"
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


# Every secret the stack needs: compose must refuse to start without each
# (`${VAR:?message}`), never fall back to a default such as admin/airflow.
REQUIRED_SECRETS = {
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_DB_PASSWORD",
    "AIRFLOW_ADMIN_PASSWORD",
    "SUPERSET_SECRET_KEY",
    "SUPERSET_ADMIN_PASSWORD",
    "METABASE_ADMIN_PASSWORD",
    "S3_SECRET_ACCESS_KEY",
}
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}
INTERPOLATION = re.compile(r"(?<!\$)\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|_KEY$")


def interpolations(raw: str) -> list[tuple[str, str, str]]:
    """(variable, operator, default or message) for every ${...} compose substitutes."""
    return [(name, operator or "", rest) for name, operator, rest in INTERPOLATION.findall(raw)]


def test_every_secret_is_required_and_none_has_a_default():
    found = interpolations(COMPOSE_FILE.read_text(encoding="utf-8"))
    secrets = {name for name, _, _ in found if SECRET_NAME.search(name)}

    assert secrets == REQUIRED_SECRETS, "a secret was added or removed: update REQUIRED_SECRETS"
    for name, operator, message in found:
        if name in REQUIRED_SECRETS:
            assert operator == ":?", f"${{{name}}} is not required (`:?`): it would start without it"
            assert name in message, f"${{{name}:?...}}: the message should name the variable"


def test_no_service_sets_a_password_or_secret_literally(services):
    """A literal value (POSTGRES_PASSWORD: airflow) is a default everyone knows."""
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert "${" in str(value), f"{name}: {key} is set literally"
        for arg, value in (service.get("build", {}).get("args") or {}).items():
            assert "${" in str(value), f"{name}: build arg {arg} is set literally"


def test_env_example_lists_every_required_secret_empty_and_the_readme_names_them():
    env_example = ENV_EXAMPLE.read_text(encoding="utf-8")
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    for name in sorted(REQUIRED_SECRETS):
        values = re.findall(rf"^{name}=(.*)$", env_example, flags=re.MULTILINE)
        assert values == [""], f".env.example: {name} should appear once, empty (got {values})"
        assert f"`{name}`" in readme, f"README does not name {name}"


def test_airflow_uses_one_named_admin_not_all_admins(services):
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"  # user admin, role admin
        assert "AIRFLOW_ADMIN_PASSWORD" not in env or name == "airflow-init"


def test_airflow_init_writes_the_admin_password_file_readable_by_its_owner_only(services, tmp_path):
    """The init command's Python, run as written (compose's $$ unescaped) on a temporary file."""
    import json
    import os
    import stat
    import subprocess
    import sys

    init = services["airflow-init"]
    kind, flag, script = init["command"]
    assert (kind, flag) == ("bash", "-c")
    assert script.index("airflow db migrate") < script.index("python - <<'PY'")
    program = script.split("python - <<'PY'\n", 1)[1].split("\nPY", 1)[0].replace("$$", "$")
    passwords_file = tmp_path / "passwords.json"
    password = "s3cret-\"quoted\"-pässword"

    subprocess.run(
        [sys.executable, "-c", program],
        env={
            **os.environ,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            "AIRFLOW_ADMIN_PASSWORD": password,
        },
        check=True,
    )

    assert json.loads(passwords_file.read_text(encoding="utf-8")) == {"admin": password}
    assert stat.S_IMODE(passwords_file.stat().st_mode) == 0o600
    assert init["environment"]["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == (
        "/opt/airflow/auth/passwords.json"
    )


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


# --- the Compose Specification, healthchecks, verified downloads ---------------------

ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose_spec_validator():
    """The Compose Specification's JSON schema, as vendored by check-jsonschema (a test dependency)."""
    import json
    from importlib.resources import files

    import jsonschema

    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text("utf-8")
    )
    assert schema["title"] == "Compose Specification"
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_the_compose_file_validates_against_the_compose_specification(compose, compose_spec_validator):
    errors = [
        f"{error.json_path}: {error.message}" for error in compose_spec_validator.iter_errors(compose)
    ]
    assert errors == []


def test_the_compose_schema_check_catches_a_misspelt_key(compose, compose_spec_validator):
    """The check above can fail: the schema rejects keys the specification does not know."""
    import copy

    broken = copy.deepcopy(compose)
    broken["services"]["metabase"]["healthchek"] = broken["services"]["metabase"].pop("healthcheck")
    broken["services"]["postgres"]["depends_on"] = {"airflow-init": {"condition": "service_finished"}}

    paths = {error.json_path for error in compose_spec_validator.iter_errors(broken)}
    assert "$.services.metabase" in paths
    assert any(path.startswith("$.services.postgres.depends_on") for path in paths)


def service_blocks(raw: str) -> dict[str, str]:
    """Each service's text in the compose file, comments included (yaml drops them)."""
    body = raw.split("\nservices:\n", 1)[1].split("\n\n" + "volumes:", 1)[0]
    blocks = re.split(r"^  (?=[\w-]+:\s*$)", body, flags=re.MULTILINE)
    return {block.split(":", 1)[0]: block for block in blocks if block.strip()}


def test_every_service_has_a_healthcheck_or_says_why_not(services):
    blocks = service_blocks(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert set(blocks) == set(services)

    for name, service in services.items():
        if "healthcheck" in service:
            assert not service["healthcheck"].get("disable"), name
            assert service["healthcheck"]["test"], name
            continue
        reason = re.search(r"^\s*# no healthcheck: (.{20,})", blocks[name], flags=re.MULTILINE)
        assert reason, f"{name} has no healthcheck and no '# no healthcheck: <why>' comment"


def test_services_waited_on_for_health_have_a_healthcheck(services):
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if condition.get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency], (
                    f"{name} waits for {dependency} to be healthy, which it never reports"
                )
            if condition.get("condition") == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", (
                    f"{name} waits for {dependency} to exit, but it is restarted"
                )


def test_metabase_healthcheck_asks_the_health_endpoint_over_bash(services, tmp_path):
    """The check's own shell, run against a local HTTP server answering like /api/health."""
    import http.server
    import subprocess
    import threading

    answers = {"/api/health": (200, b'{"status":"ok"}')}

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, body = answers.get(self.path, (404, b"{}"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        kind, *command = services["metabase"]["healthcheck"]["test"]
        assert kind == "CMD" and command[:2] == ["bash", "-c"]
        script = command[2].replace("127.0.0.1/3000", f"127.0.0.1/{server.server_port}")

        def check() -> int:
            return subprocess.run(["bash", "-c", script], timeout=10).returncode

        assert check() == 0
        answers["/api/health"] = (503, b'{"status":"initializing","progress":0.4}')
        assert check() != 0
    finally:
        server.shutdown()
        server.server_close()


def test_metabase_downloads_are_verified_against_pinned_sha256_sums(services, tmp_path):
    """ADD'ed jars pass `sha256sum --check` against build args before Metabase uses them.

    Runs the image's verification step (compose's $$ unescaped) on stand-in files:
    it must refuse unset sums and a wrong sum, and accept the right ones.
    """
    import hashlib
    import os
    import subprocess

    build = services["metabase"]["build"]
    dockerfile = build["dockerfile_inline"]
    added = dict(
        (target, url) for url, target in re.findall(r"^ADD\s+(https://\S+)\s+(\S+)$", dockerfile, re.M)
    )
    targets = {
        target if not target.endswith("/") else target + added[target].rsplit("/", 1)[1]: target
        for target in added
    }
    assert set(targets) == {"/app/metabase.jar", "/plugins/duckdb.metabase-driver.jar"}

    sums = {"/app/metabase.jar": "METABASE_JAR_SHA256", "/plugins/duckdb.metabase-driver.jar": "DUCKDB_DRIVER_SHA256"}
    env_example = ENV_EXAMPLE.read_text(encoding="utf-8")
    for arg in sums.values():
        assert f"ARG {arg}\n" in dockerfile
        assert build["args"][arg] == "${" + arg + ":-}"
        assert re.search(rf"^#?\s*{arg}=", env_example, re.M), f"{arg} is not in .env.example"

    (run,) = [step for step in re.findall(r"^RUN (.*?)(?=^[A-Z]+ )", dockerfile, re.S | re.M) if "sha256sum" in step]
    script = run.replace("$$", "$")
    stand_ins = {}
    for path in sums:
        stand_in = tmp_path / Path(path).name
        stand_in.write_bytes(f"contents of {path}".encode())
        stand_ins[path] = stand_in
        script = script.replace(path, str(stand_in))
    right = {arg: hashlib.sha256(stand_ins[path].read_bytes()).hexdigest() for path, arg in sums.items()}

    def verify(**args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["sh", "-c", script], env={"PATH": os.environ["PATH"], **args}, capture_output=True, text=True
        )

    assert verify(**right).returncode == 0
    unset = verify()
    assert unset.returncode != 0 and "METABASE_JAR_SHA256" in unset.stderr
    for arg in sums.values():
        assert verify(**{**right, arg: "0" * 64}).returncode != 0, f"a wrong {arg} passed"


def test_metabase_is_provisioned_by_a_one_shot_service_once_healthy(services):
    service = services["metabase-provision"]
    locked = dict(
        re.findall(r"^([\w.-]+)==(\S+)", (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    )

    assert service["depends_on"] == {"metabase": {"condition": "service_healthy"}}
    assert service["restart"] == "no"
    assert service["command"] == ["python", "/bi/metabase/provision.py"]
    assert (PROJECT_ROOT / "include" / "bi" / "metabase" / "provision.py").is_file()
    mounts = volume_mounts(service)
    assert mounts["/bi"] == ("./include/bi", True)
    # The serving file at the same path as in the metabase service.
    assert mounts["/data/serving"] == (SERVING_DIR, True)
    env = service["environment"]
    assert env["PAPERTREND_SERVING_DB"] == services["metabase"]["environment"]["PAPERTREND_SERVING_DB"]
    assert env["MB_URL"] == "http://metabase:3000"
    # The admin's password is required, never defaulted.
    assert env["MB_ADMIN_PASSWORD"].startswith("${METABASE_ADMIN_PASSWORD:?")
    assert re.search(r"^METABASE_ADMIN_PASSWORD=$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    # requests as the project's lock pins it.
    assert pip_pins(service) == {"requests": locked["requests"]}


def test_superset_imports_the_dashboard_bundle_on_start(services):
    """The compose superset service provisions the Trending papers dashboard itself."""
    service = services["superset"]
    command = " ".join(service["command"])
    mounts = volume_mounts(service)
    bi_mount = [target for target, (source, _) in mounts.items() if source == "./include/bi"]
    assert bi_mount, "include/bi is not mounted into the superset service"
    bundle_py = f"{bi_mount[0]}/superset/bundle.py"
    assert bundle_py in command
    assert "--serving-file" in command and "PAPERTREND_SERVING_DB" in command
    import_py = f"{bi_mount[0]}/superset/import_bundle.py"
    assert f"python {import_py} /app/superset_home/papertrend_bundle.zip -u admin" in command
    # bundle, then import, then the server
    assert command.index(bundle_py) < command.index(import_py) < command.index("run-server.sh")
    for script in ("bundle.py", "import_bundle.py"):
        assert (PROJECT_ROOT / "include" / "bi" / "superset" / script).is_file()


def profiles_of(services: dict) -> dict[str, list[str]]:
    return {name: service.get("profiles", []) for name, service in services.items()}


def test_the_default_stack_starts_without_profile_services(services):
    """`docker compose up` is the LocalExecutor stack on ./data, as before the profiles."""
    profiled = {name for name, profiles in profiles_of(services).items() if profiles}
    assert profiled == {"redis", "airflow-worker", "flower", "minio"}
    for name in profiled:
        for other, service in services.items():
            if not service.get("profiles"):
                assert name not in (service.get("depends_on") or {}), f"{other} needs {name}, which only a profile starts"


def test_the_celery_profile_follows_airflow_s_compose(services):
    assert profiles_of(services)["redis"] == ["celery"]
    assert services["redis"]["image"].startswith("redis:7.2")
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]

    worker = services["airflow-worker"]
    assert worker["profiles"] == ["celery"]
    command = " ".join(worker["command"])
    assert "exec airflow celery worker" in command
    # a worker under a LocalExecutor scheduler would idle: it refuses to start instead
    assert 'test "$${AIRFLOW__CORE__EXECUTOR}" = CeleryExecutor' in command
    assert "inspect ping" in worker["healthcheck"]["test"][1]
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0"
    for dependency, condition in [("redis", "service_healthy"), ("postgres", "service_healthy"),
                                  ("airflow-apiserver", "service_healthy"),
                                  ("airflow-init", "service_completed_successfully")]:
        assert worker["depends_on"][dependency]["condition"] == condition

    flower = services["flower"]
    assert flower["profiles"] == ["celery"]
    assert flower["command"] == "celery flower"
    assert flower["ports"] == ["127.0.0.1:5555:5555"]

    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].endswith("@postgres:5432/airflow")


@pytest.mark.parametrize("name", ["airflow-worker", "flower", *AIRFLOW_SERVICES, "airflow-init"])
def test_airflow_containers_reach_the_object_store_and_keep_their_own_workspace(services, name):
    env = services[name]["environment"]
    mounts = volume_mounts(services[name])

    assert env["AWS_ENDPOINT_URL"] == "${S3_ENDPOINT_URL:-http://minio:9000}"
    assert env["AWS_ACCESS_KEY_ID"] == "${S3_ACCESS_KEY_ID:-papertrend}"
    assert env["AWS_SECRET_ACCESS_KEY"].startswith("${S3_SECRET_ACCESS_KEY:?")
    # the workspace of an s3:// data root is the container's own, never a shared mount
    workspace = env["PAPERTREND_WORK_DIR"]
    assert not any(workspace == target or workspace.startswith(target + "/") for target in mounts)


def test_the_s3_profile_runs_minio_and_init_creates_the_bucket(services):
    minio = services["minio"]
    assert minio["profiles"] == ["s3"]
    assert minio["environment"]["MINIO_ROOT_USER"] == "${S3_ACCESS_KEY_ID:-papertrend}"
    assert minio["environment"]["MINIO_ROOT_PASSWORD"].startswith("${S3_SECRET_ACCESS_KEY:?")
    assert minio["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert volume_mounts(minio)["/data"] == ("minio-data", False)
    assert "python -m papertrend.object_store ensure-bucket" in " ".join(services["airflow-init"]["command"])
