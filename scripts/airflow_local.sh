#!/usr/bin/env bash
# Run Airflow locally for papertrend (what `make airflow` calls): the UI and API
# on http://127.0.0.1:8080, the scheduler, the DAG processor and the triggerer.
#
# Like `airflow standalone`, but every service listens on 127.0.0.1 only
# (standalone also opens log servers on 0.0.0.0:8793/8794). The Airflow home is
# <repo>/airflow_home (git-ignored; PAPERTREND_AIRFLOW_HOME overrides it) with
# SQLite metadata. The simple auth manager makes every user an admin, which is
# only fine on a developer machine.
# Ctrl-C stops every service this script started.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${AIRFLOW_PORT:-8080}"

export PATH="$REPO/.venv/bin:$PATH"
# Not $AIRFLOW_HOME: a developer's global Airflow home must not leak in.
export AIRFLOW_HOME="${PAPERTREND_AIRFLOW_HOME:-$REPO/airflow_home}"
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$REPO/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$AIRFLOW_HOME/airflow.db"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True
export PAPERTREND_DATA_DIR="${PAPERTREND_DATA_DIR:-$REPO/data}"
# The LocalExecutor forks this many workers up front (default 32); the DAGs run
# one at a time anyway, since the lake and the warehouse have a single writer.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"

mkdir -p "$AIRFLOW_HOME" "$AIRFLOW_HOME/logs"
# Then the one-slot pool of the tasks that write the data root (papertrend.pools).
{ airflow db migrate && python -m papertrend.pools; } >"$AIRFLOW_HOME/logs/db-migrate.log" 2>&1 || {
    cat "$AIRFLOW_HOME/logs/db-migrate.log" >&2
    exit 1
}

pids=()
stop_all() {
    trap - INT TERM EXIT
    if ((${#pids[@]})); then
        echo "stopping Airflow (pids ${pids[*]})"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

start() {
    local name="$1"
    shift
    airflow "$@" >"$AIRFLOW_HOME/logs/$name.log" 2>&1 &
    pids+=("$!")
    echo "started $name (pid $!), log: $AIRFLOW_HOME/logs/$name.log"
}

start api-server api-server --host 127.0.0.1 --port "$PORT"
start scheduler scheduler --skip-serve-logs
start dag-processor dag-processor
start triggerer triggerer --skip-serve-logs

echo "Airflow UI: http://127.0.0.1:$PORT  (data root: $PAPERTREND_DATA_DIR; Ctrl-C stops)"
# Stop everything as soon as any one service dies, instead of limping along.
wait -n "${pids[@]}" || true
echo "an Airflow service exited; stopping the others (logs: $AIRFLOW_HOME/logs/)" >&2
exit 1
