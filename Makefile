# Stageflow: `make run` to try it, `make test` to check it. Everything installs into .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export STAGEFLOW_DATA_DIR ?= $(CURDIR)/var
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/stageflow

.PHONY: install install-dev run test test-sqlite test-postgres lint bench lock messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

install-dev: install $(VENV)/.installed-dev
	scripts/ensure-chromium

run: install
	$(BIN)/stageflow migrate --no-input -v 0
	$(BIN)/stageflow demo
	@echo "Open http://127.0.0.1:8000/ and sign in as one of the users above."
	STAGEFLOW_INSECURE_HTTP=1 $(BIN)/stageflow serve --host 127.0.0.1 --port 8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

test-sqlite: install-dev
	$(BIN)/pytest

test-postgres: install-dev
	@if scripts/postgres-available "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" REDIS_TEST_URL=redis://127.0.0.1:6379/14 \
			$(BIN)/pytest --output=test-results-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required in CI but $(PG_TEST_URL) does not answer." >&2; exit 1; \
	else \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL): its run of the suite is skipped."; \
	fi

# The two databases' runs share the machine's cores; each one's output is printed whole.
test: lint
	$(MAKE) --no-print-directory --output-sync=target -j2 test-sqlite test-postgres

bench: install-dev
	$(BIN)/python bench/run.py

lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 -q
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --python-version 3.11 -q

messages: install
	cd src/stageflow && ../../$(BIN)/stageflow makemessages -l nl --no-obsolete && ../../$(BIN)/stageflow compilemessages

clean:
	rm -rf $(VENV) node_modules
