# papertrend: `make run` runs the pipeline on the bundled samples, `make test` tests it.
# Both create .venv (Python 3.11) from the pinned lock file on first use.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
INSTALLED := $(VENV)/.installed

export PAPERTREND_DATA_DIR ?= $(CURDIR)/data

.PHONY: install run test fuzz bench lock airflow superset-check bi clean

install: $(INSTALLED)

# --compile-bytecode: the .pyc files are written once here, not on each first import, and
# not never: with PYTHONDONTWRITEBYTECODE=1 (containers, CI) every `papertrend` run compiled
# Great Expectations and dbt again (about 5 s of CPU per backfill, 0.1-2 s per CLI call).
$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	touch $@

# The whole pipeline on the bundled samples, through the real DAGs (dag.test()).
run: install
	$(BIN)/python scripts/run_sample_pipeline.py

# The test files on both cores (pytest-xdist, one Airflow home per worker; slowest
# files first: tests/conftest.py). PYTEST_ARGS= (empty) runs them one after another.
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Seeded mutations of the samples through `papertrend ingest` (the suite runs 300:
# tests/integration/test_fuzz.py); FUZZ_CASES and FUZZ_SEED change the run.
FUZZ_CASES ?= 2000
FUZZ_SEED ?= 13
fuzz: install
	$(BIN)/python -m tests.fuzz.harness --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --batch 250

# SKIP_3Y=1 runs the end-to-end backfill benchmark for 1 year only (not 1 and 3).
bench: install
	$(BIN)/python bench/run.py $(if $(SKIP_3Y),--skip-3y)

# The Airflow UI with the project's DAGs on http://127.0.0.1:8080 (Ctrl-C stops it); log in as
# admin with the password printed on the first start (kept in airflow_home/passwords.json, 0600).
airflow: install
	scripts/airflow_local.sh

# Superset (docker-compose's versions, in its own .venv-superset) natively against
# a serving file built from the samples; tests/bi/test_superset.py runs the same
# SQL Lab check (scripts/superset/query_marts.py) on its own Superset.
superset-check: install
	scripts/superset_check.sh

# Superset natively (.venv-superset) on http://127.0.0.1:8088 with the "Trending papers"
# dashboard (include/bi/superset) imported, on the serving file of `make run`;
# the admin password is printed once (kept in .superset/). Ctrl-C stops it.
bi: install
	scripts/superset_bi.sh

# Re-resolve the full lock from requirements.in (needs the package registry).
lock: install
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --quiet -o requirements.txt

clean:
	rm -rf $(VENV) .venv-superset .superset data airflow_home dbt_project/target dbt_project/logs
