#!/usr/bin/env bash
# Superset's own venv (.venv-superset, or SUPERSET_VENV), from scripts/superset/requirements.txt
# (the compose image's apache-superset, duckdb-engine and duckdb pins). Never .venv: Superset's
# pins conflict with Airflow's. Reinstalled only when the lock changes; prints the venv's path.
# Used by scripts/superset_check.sh, scripts/superset_bi.sh and tests/bi.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCK="$REPO/scripts/superset/requirements.txt"
VENV="${SUPERSET_VENV:-$REPO/.venv-superset}"
PYTHON="${SUPERSET_PYTHON:-python3.11}"  # the lock is resolved for Python 3.11
INSTALL_TIMEOUT="${SUPERSET_INSTALL_TIMEOUT:-900}"
if [[ -x "$REPO/.venv/bin/uv" ]]; then UV="$REPO/.venv/bin/uv"; else UV="$(command -v uv)" || { echo "uv not found: run make install" >&2; exit 1; }; fi
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME
# One installer at a time (parallel test workers may each ask for the venv).
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
lock_hash="$(sha256sum "$LOCK" | cut -d' ' -f1)"
stamp="$VENV/.installed-lock"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
    echo "installing Superset into $VENV (from ${LOCK#"$REPO"/})" >&2
    start=$SECONDS
    [[ -x "$VENV/bin/python" ]] || timeout 120 "$UV" venv --quiet --python "$PYTHON" "$VENV" >&2
    timeout --kill-after=10 "$INSTALL_TIMEOUT" "$UV" pip sync --quiet --python "$VENV/bin/python" "$LOCK" >&2
    echo "$lock_hash" >"$stamp"
    echo "installed in $((SECONDS - start)) s" >&2
fi
echo "$VENV"
