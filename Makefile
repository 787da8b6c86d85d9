# The two commands: `make run` (demo on SQLite at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench-earn bench-import clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/patron demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench-earn: $(VENV)/.installed-test
	$(BIN)/python bench/earn.py

bench-import: $(VENV)/.installed-test
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) patron.db patron.db-wal patron.db-shm .pytest_cache .mypy_cache .ruff_cache
