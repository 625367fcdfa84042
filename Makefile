# consign: `make demo` runs the whole thing locally; `make test` is what CI runs.
# The venv is created with python3.11 when missing, and the project is (re)installed only when
# pyproject.toml is newer than the stamp, so repeated runs start at once.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.consign-installed
ORDERS ?= 60

.PHONY: demo test soak lint dev clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/consign demo --orders $(ORDERS)

test: $(STAMP)
	$(BIN)/pytest -q

# The workflow and end-to-end suites RUNS times in a row (20) beside BURN busy cores (2):
# tests/soak.sh.
soak: $(STAMP)
	tests/soak.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

dev: $(STAMP)
	$(BIN)/consign dev

# The worker image's pinned runtime dependencies, with hashes (tests/deploy/test_image.py checks
# the lock against pyproject.toml). Run after changing [project] dependencies.
lock: $(STAMP)
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" -o requirements.lock

# Local state only (Temporal's SQLite file, the store, logs, caches); the venv stays.
clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
