# Two commands set everything up on a fresh machine:
#   make demo   builds .venv, installs Roadwise, runs the end-to-end demo on the sample product
#   make test   installs the test extras, runs ruff, mypy (the whole package) and pytest

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DIR ?= roadwise-demo

.PHONY: demo test lint typecheck pytest install install-test install-nlp clean

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

# The optional embedding backend (roadwise[nlp]). torch is installed first and pinned: a bare
# `torch` requirement would pull a multi-gigabyte CUDA build where a CPU build is all we need.
install-nlp: $(VENV)/.installed-test
	$(BIN)/pip install --quiet 'torch==2.13.0'
	$(BIN)/pip install --quiet -e '.[test,nlp]'

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
