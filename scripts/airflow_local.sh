#!/usr/bin/env bash
# Run Airflow locally for papertrend (what `make airflow` calls): the UI and API
# on http://127.0.0.1:8080, the scheduler, the DAG processor and the triggerer.
#
# Like `airflow standalone`, but every service listens on 127.0.0.1 only
# (standalone also opens log servers on 0.0.0.0:8793/8794). The Airflow home is
# <repo>/airflow_home (git-ignored; PAPERTREND_AIRFLOW_HOME overrides it) with
# SQLite metadata.
#
# Login: Airflow 3's simple auth manager with one admin user (admin, or
# $PAPERTREND_AIRFLOW_USER). Its password is generated on the first start,
# printed once on this terminal and kept in $AIRFLOW_HOME/passwords.json (mode
# 0600; the Airflow home itself is 0700: it also holds the SQLite database with
# the connections and the generated secrets). Not "all admins": that would hand
# an admin token to anything that can reach the port, i.e. any local user, who
# could then read or create connections. Delete the file to get a new password.
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
ADMIN_USER="${PAPERTREND_AIRFLOW_USER:-admin}"
PASSWORDS_FILE="$AIRFLOW_HOME/passwords.json"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=False
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$ADMIN_USER:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$PASSWORDS_FILE"
export PAPERTREND_DATA_DIR="${PAPERTREND_DATA_DIR:-$REPO/data}"
# The LocalExecutor forks this many workers up front (default 32); the DAGs run
# one at a time anyway, since the lake and the warehouse have a single writer.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"

mkdir -p "$AIRFLOW_HOME" "$AIRFLOW_HOME/logs"
chmod 700 "$AIRFLOW_HOME"

# The admin's password, made here rather than by Airflow: Airflow would print it
# into api-server.log and create the file with the umask's mode (often 0644).
# Prints the new password, or nothing when the file already has the user.
new_password="$(umask 077 && python - "$PASSWORDS_FILE" "$ADMIN_USER" <<'PY'
import json, os, secrets, sys
path, user = sys.argv[1], sys.argv[2]
passwords = {}
if os.path.exists(path):
    with open(path, encoding="utf-8") as file:
        passwords = json.loads(file.read().strip() or "{}")
if user not in passwords:
    passwords[user] = secrets.token_urlsafe(18)
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(passwords, file)
        file.write("\n")
    os.replace(temp, path)
    print(passwords[user])
os.chmod(path, 0o600)
PY
)"
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
if [[ -n "$new_password" ]]; then
    echo "log in as $ADMIN_USER with password $new_password"
    echo "  (shown once; kept in $PASSWORDS_FILE, readable by you only)"
else
    echo "log in as $ADMIN_USER; the password is in $PASSWORDS_FILE"
fi
# Stop everything as soon as any one service dies, instead of limping along.
wait -n "${pids[@]}" || true
echo "an Airflow service exited; stopping the others (logs: $AIRFLOW_HOME/logs/)" >&2
exit 1
