#!/usr/bin/env bash
# `make bi`: Superset (the compose image's pins, in .venv-superset) natively on
# http://127.0.0.1:8088 with the "Trending papers" dashboard imported from
# include/bi/superset, on the serving file `make run` publishes. Ctrl-C stops it.
#
# Metadata (SQLite), the secret key and the admin password live in
# .superset/ (git-ignored; BI_HOME overrides it). The admin password is
# generated on first use and printed once; it stays in .superset/admin_password.
# The bundle is imported on every start (import_bundle.py: idempotent, matched by uuid,
# and an edited chart or query in the repository replaces the old one).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${PAPERTREND_DATA_DIR:-$REPO/data}"
SERVING_FILE="$DATA_DIR/warehouse/serving/warehouse.duckdb"
HOME_DIR="${BI_HOME:-$REPO/.superset}"
PORT="${BI_PORT:-8088}"
say() { printf '[bi] %s\n' "$*"; }

if [[ ! -f "$SERVING_FILE" ]]; then
    say "no serving file at $SERVING_FILE: run \`make run\` first (it builds and publishes the warehouse from the samples)" >&2
    exit 1
fi
SERVING_FILE="$(realpath "$SERVING_FILE")"
VENV="$("$REPO/scripts/superset/install_venv.sh")"
SUPERSET="$VENV/bin/superset"
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME
mkdir -p "$HOME_DIR"
chmod 700 "$HOME_DIR"
[[ -s "$HOME_DIR/secret_key" ]] || "$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))' >"$HOME_DIR/secret_key"
export FLASK_APP=superset SUPERSET_HOME="$HOME_DIR" SUPERSET_CONFIG_PATH="$REPO/scripts/superset/superset_config.py"
export SUPERSET_SECRET_KEY="$(cat "$HOME_DIR/secret_key")"
log="$HOME_DIR/setup.log"
run() { "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; say "FAILED: $* (log: $log)" >&2; exit 1; }; }
: >"$log"
say "initialising Superset metadata in $HOME_DIR (about a minute the first time)"
run "$SUPERSET" db upgrade
new_password=""
if [[ ! -s "$HOME_DIR/admin_password" ]]; then
    new_password="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    run "$SUPERSET" fab create-admin --username admin --firstname Papertrend --lastname Admin \
        --email admin@example.com --password "$new_password"
    (umask 077; echo "$new_password" >"$HOME_DIR/admin_password")
fi
run "$SUPERSET" init
run "$VENV/bin/python" "$REPO/include/bi/superset/bundle.py" --serving-file "$SERVING_FILE" --output "$HOME_DIR/bundle.zip"
run "$VENV/bin/python" "$REPO/include/bi/superset/import_bundle.py" "$HOME_DIR/bundle.zip" -u admin
say "dashboard imported: http://127.0.0.1:$PORT/superset/dashboard/trending-papers/"
if [[ -n "$new_password" ]]; then
    say "log in as admin, password: $new_password (shown once; kept in $HOME_DIR/admin_password)"
else
    say "log in as admin (password in $HOME_DIR/admin_password)"
fi
say "Ctrl-C stops Superset"
exec "$SUPERSET" run --host 127.0.0.1 --port "$PORT" --with-threads
