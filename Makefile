# One command per job. `make test` and `make demo` work on a fresh machine with nothing but Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench up clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## sync seeded Magento orders into Odoo end to end and print the result
	$(BIN)/connector demo

test: $(STAMP)  ## run the test suite (real Redis: REDIS_URL, else an embedded one)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)  ## throughput and call-count benchmark (figures quoted in the README)
	$(BIN)/python bench/pull.py

up:  ## run the stack with docker compose (redis, webhook, worker, beat, flower)
	docker compose -f docker/compose.yaml up --build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
