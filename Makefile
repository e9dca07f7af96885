# Two commands set everything up on a fresh machine:
#   make demo   builds .venv, installs Roadwise, runs the end-to-end demo on the sample product
#   make test   installs the test extras, runs ruff, mypy (domain and engines) and pytest

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DIR ?= roadwise-demo

.PHONY: demo test lint typecheck pytest install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/roadwise demo $(DEMO_DIR)

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest -n auto -q $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info
