# The few commands a newcomer needs. Each creates .venv and installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test

.PHONY: demo test bench lint install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## make demo: the web app on SQLite with a demo federation, at http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/communard demo

## make test: the whole suite (unit, web on SQLite and PostgreSQL, browser)
test: $(STAMP)
	scripts/system-deps
	$(BIN)/lint-imports --no-cache
	scripts/run-tests

## make bench: every benchmark against its peers (needs the bench extras)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	for b in bench/*_bench.py; do $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
