# The two commands a newcomer needs are `make demo` and `make test`; both build .venv from python3 alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test e2e bench lint lint-check fmt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gonghui demo

test: $(STAMP)
	$(BIN)/python -m pytest

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e -p no:randomly -o addopts='-q -p no:cacheprovider'

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "# $$f"; $(BIN)/python $$f || exit 1; done

lint-check: $(STAMP)
	$(BIN)/ruff check src benchmarks scripts

lint: $(STAMP)
	$(BIN)/ruff check src benchmarks scripts
	$(BIN)/ruff format --check src benchmarks scripts

fmt: $(STAMP)
	$(BIN)/ruff check --fix src benchmarks scripts
	$(BIN)/ruff format src benchmarks scripts
