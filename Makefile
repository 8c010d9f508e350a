PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all install demo test lint format bench clean acceptance

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

test: $(STAMP)
	$(BIN)/python -m pytest

acceptance: $(STAMP)
	../shared/acceptance/run $(CURDIR)/$(BIN)/visit-audit

lint: $(STAMP)
	$(BIN)/ruff check visit_audit tests benchmarks
	$(BIN)/ruff format --check visit_audit tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format visit_audit tests benchmarks
	$(BIN)/ruff check --fix visit_audit tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py $(if $(BEFORE),--before $(BEFORE))

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache demo-report.xlsx
