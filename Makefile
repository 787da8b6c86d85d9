# The two commands: `make run` (demo on SQLite at http://127.0.0.1:8000) and `make test`.
# Both install exactly the locked dependency set (requirements/*.txt, with hashes);
# `make lock` refreshes it from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
UV     := $(BIN)/uv
INSTALL := $(UV) pip install --python $(BIN)/python
# Playwright (a test dependency) drives the machine's Chromium: never a browser download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint lock messages mutants bench-earn bench-import bench-chaos clean

$(UV):
	@echo "== creating $(VENV) with uv $(UV_VERSION) (the installer)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) requirements/run.txt pyproject.toml
	@echo "== installing the locked run dependencies (requirements/run.txt)"
	$(INSTALL) --require-hashes -r requirements/run.txt
	$(INSTALL) --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	@echo "== installing the locked test dependencies (requirements/test.txt)"
	$(INSTALL) --require-hashes -r requirements/test.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/patron demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# the suite on every core of the machine (pytest-xdist): each worker has its own PostgreSQL
# database and temporary folders
test: lint
	$(BIN)/pytest -n auto

# Re-resolve the newest versions pyproject.toml allows; the run set is constrained to the
# test set so both install the same version of every shared package.
lock: $(UV)
	$(UV) pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
	    --upgrade -o requirements/test.txt
	$(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes \
	    -c requirements/test.txt -o requirements/run.txt

# Mutation testing of the ledger rules (not part of `make test`: it takes the better part
# of an hour on two cores). Re-runs only what changed; docs/testing.md lists the survivors.
mutants: $(VENV)/.installed-test
	$(BIN)/mutmut run --max-children $${MUTANTS_JOBS:-2}
	$(BIN)/mutmut results

bench-earn: $(VENV)/.installed-test
	$(BIN)/python bench/earn.py

bench-import: $(VENV)/.installed-test
	$(BIN)/python bench/import.py

bench-chaos: $(VENV)/.installed-test
	$(BIN)/python bench/chaos.py

clean:
	rm -rf $(VENV) mutants patron.db patron.db-wal patron.db-shm .pytest_cache .mypy_cache .ruff_cache

# the pages' catalogs in line with the templates: new messages added untranslated, unused
# ones dropped (tests/web/test_i18n.py fails until each one is translated)
messages: $(VENV)/.installed-test
	$(BIN)/python -m tests.support.messages
