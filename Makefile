PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all install demo test test-fast test-lowest lint typecheck format bench clean acceptance

all: test

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q visit_audit  # as pip does for an installed wheel
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/visit-audit audit sample_data/cases.csv sample_data/visits.csv --as-of 2026-10-31 --report demo-report.xlsx

# Two processes, one per core (pytest-xdist).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

# The quick part (under 30 s): everything but the tests marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

# The whole suite against the lowest versions pyproject.toml allows, in a venv
# of its own (.venv-lowest), so the declared floors are floors that pass.
LOWEST := .venv-lowest
test-lowest:
	rm -rf $(LOWEST)
	$(PY) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(PY) tools/lowest.py test > $(LOWEST)/pins.txt
	$(LOWEST)/bin/python -m pip install --quiet -c $(LOWEST)/pins.txt -r $(LOWEST)/pins.txt
	$(LOWEST)/bin/python -m pip install --quiet --no-deps -e .
	$(LOWEST)/bin/python -m pip list --format=freeze | grep -iE "^($$(cut -d= -f1 $(LOWEST)/pins.txt | paste -sd'|'))=="
	$(LOWEST)/bin/python -m pytest -n 2 -p no:cacheprovider

acceptance: $(STAMP)
	../shared/acceptance/run $(CURDIR)/$(BIN)/visit-audit

lint: $(STAMP) typecheck
	$(BIN)/ruff check visit_audit tests benchmarks tools
	$(BIN)/ruff format --check visit_audit tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format visit_audit tests benchmarks
	$(BIN)/ruff check --fix visit_audit tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py $(if $(BEFORE),--before $(BEFORE))

clean:
	rm -rf $(VENV) $(LOWEST) build *.egg-info .pytest_cache .mypy_cache demo-report.xlsx
