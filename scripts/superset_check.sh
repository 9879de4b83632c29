#!/usr/bin/env bash
# Superset, as docker-compose.yaml runs it, against a real papertrend serving file
# (docker-compose is only checked statically; this is the native run of its
# superset service).
#
#   scripts/superset_check.sh [--serving-file PATH] [--report FILE]
#
# 1. Superset and the DuckDB driver from scripts/superset/requirements.txt (the
#    compose image's apache-superset, duckdb-engine and duckdb pins) go into
#    their own venv, .venv-superset (SUPERSET_VENV overrides it): Superset's
#    pins conflict with Airflow's, so never into .venv. Reinstalled only when
#    the lock changes.
# 2. Without --serving-file, builds one from samples/digests with the project's
#    own pipeline (.venv/bin/papertrend ingest + build) in a temporary data root.
# 3. Initialises a throwaway Superset (temporary SUPERSET_HOME, SQLite metadata,
#    SUPERSET_SECRET_KEY from the environment or a random one), registers the
#    serving file with compose's URI form
#    duckdb:////path/warehouse.duckdb?access_mode=read_only, starts the web
#    server on 127.0.0.1, and queries every mart through the REST API (SQL Lab).
#
# Prints the rows per mart; --report writes them as JSON. Exits non-zero on any
# failure. Every wait is bounded; everything it starts is stopped on exit.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SUPERSET_VENV:-$REPO/.venv-superset}"
DATABASE_NAME=papertrend
INSTALL_TIMEOUT=900
CLI_TIMEOUT=300
SERVER_START_TIMEOUT=120
QUERY_TIMEOUT=300

serving_file=""
report=""
while (($#)); do
    case "$1" in
        --serving-file) serving_file="${2:?--serving-file needs a path}"; shift 2 ;;
        --report) report="${2:?--report needs a path}"; shift 2 ;;
        -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '[superset-check] %s\n' "$*"; }
fail() { printf '[superset-check] FAILED: %s\n' "$*" >&2; exit 1; }

# Runs a step with a time limit, its output in a log that is shown only on failure.
step() {
    local log="$1" limit="$2"
    shift 2
    if ! timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        fail "$(basename "$log" .log) (the end of its log above)"
    fi
}

unset VIRTUAL_ENV PYTHONPATH PYTHONHOME

work="$(mktemp -d "${TMPDIR:-/tmp}/papertrend-superset.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
logs="$work/logs"
mkdir -p "$logs"

# 1. The Superset venv, installed from the lock (skipped when the lock is unchanged).
say "Superset venv: $VENV"
step "$logs/install.log" "$((INSTALL_TIMEOUT + 130))" "$REPO/scripts/superset/install_venv.sh"
SUPERSET="$VENV/bin/superset"
say "$("$VENV/bin/python" -c 'from importlib.metadata import version as v
print(" ".join(f"{p}=={v(p)}" for p in ("apache-superset", "duckdb-engine", "duckdb", "sqlalchemy")))')"

# 2. The serving file.
if [[ -z "$serving_file" ]]; then
    say "building a serving file from samples/digests in a temporary data root"
    export PAPERTREND_DATA_DIR="$work/data"
    step "$logs/papertrend-ingest.log" 300 "$REPO/.venv/bin/papertrend" ingest "$REPO"/samples/digests/*
    step "$logs/papertrend-build.log" 600 "$REPO/.venv/bin/papertrend" build
    serving_file="$PAPERTREND_DATA_DIR/warehouse/serving/warehouse.duckdb"
fi
[[ -f "$serving_file" ]] || fail "no serving file at $serving_file"
serving_file="$(realpath "$serving_file")"
uri="duckdb:///$serving_file?access_mode=read_only"

# 3. A throwaway Superset: metadata, admin, roles, the warehouse database.
# The superset CLI needs FLASK_APP to find its app (the image sets it in its Dockerfile).
export FLASK_APP=superset
export SUPERSET_HOME="$work/superset_home"
export SUPERSET_CONFIG_PATH="$REPO/scripts/superset/superset_config.py"
export SUPERSET_SECRET_KEY="${SUPERSET_SECRET_KEY:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))')}"
export SUPERSET_CHECK_PASSWORD="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(16))')"
mkdir -p "$SUPERSET_HOME"
start=$SECONDS
say "initialising Superset in $SUPERSET_HOME"
step "$logs/db-upgrade.log" "$CLI_TIMEOUT" "$SUPERSET" db upgrade
step "$logs/create-admin.log" "$CLI_TIMEOUT" "$SUPERSET" fab create-admin --username admin \
    --firstname Papertrend --lastname Check --email admin@example.com --password "$SUPERSET_CHECK_PASSWORD"
step "$logs/init.log" "$CLI_TIMEOUT" "$SUPERSET" init
step "$logs/set-database-uri.log" "$CLI_TIMEOUT" "$SUPERSET" set-database-uri -d "$DATABASE_NAME" -u "$uri"
say "initialised in $((SECONDS - start)) s; database $DATABASE_NAME = $uri"

# The web server, on loopback only, on a free port unless SUPERSET_CHECK_PORT is set.
port="${SUPERSET_CHECK_PORT:-$("$VENV/bin/python" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
url="http://127.0.0.1:$port"
start=$SECONDS
"$SUPERSET" run --host 127.0.0.1 --port "$port" --with-threads >"$logs/server.log" 2>&1 &
server_pid=$!
until curl --silent --fail --max-time 5 "$url/health" >/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        tail -n 40 "$logs/server.log" >&2
        fail "Superset exited before answering on $url"
    fi
    if ((SECONDS - start > SERVER_START_TIMEOUT)); then
        tail -n 40 "$logs/server.log" >&2
        fail "Superset did not answer on $url within $SERVER_START_TIMEOUT s"
    fi
    sleep 1
done
say "Superset up on $url in $((SECONDS - start)) s (pid $server_pid); querying every mart via SQL Lab"

query_args=(--url "$url" --database "$DATABASE_NAME" --username admin --password-env SUPERSET_CHECK_PASSWORD)
[[ -z "$report" ]] || query_args+=(--report "$report")
if ! timeout --kill-after=10 "$QUERY_TIMEOUT" "$VENV/bin/python" "$REPO/scripts/superset/query_marts.py" "${query_args[@]}"; then
    tail -n 40 "$logs/server.log" >&2
    fail "querying the marts through Superset (server log above)"
fi
say "OK: Superset read every mart of $serving_file"
