# 宁波市级党政部门职责管理 — developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help

help: ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) ## Create the virtual environment and install the pinned dependencies

install-prod: ## Production: the pinned runtime dependencies only (no test or lint tools), see deploy/README.md
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip check

run: $(STAMP) ## Start the whole suite on embedded defaults (SQLite, embedded Redis, platform stand-in, demo data)
	$(BIN)/python -m shared.devrun

test: $(STAMP) ## Run the tests (on PostgreSQL and Redis when *_DATABASE_URL and REDIS_URL are set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP) ## Run the benchmarks under bench/; each prints ratios measured in the same run
	@set -e; for b in bench/bench_*.py; do m=$${b%.py}; echo "== $${m//\//.}"; $(BIN)/python -m $${m//\//.}; done

fuzz: $(STAMP) ## The API contract fuzzer, longer than in make test (DM_FUZZ_EXAMPLES per operation, default 50)
	DM_FUZZ_EXAMPLES=$${DM_FUZZ_EXAMPLES:-50} $(BIN)/python -m pytest tests/foundation/test_every_service_keeps_its_api_contract.py -q -s -p no:cacheprovider

lint: $(STAMP) ## ruff, and mypy on shared/ and every service
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## Bring every service's database to the latest migration
	$(BIN)/python -m shared.migrations upgrade all

token: $(STAMP) ## Print a bearer token for a demo user: make token USER=bb.clerk (development only)
	@test "$(origin USER)" = "command line" || { echo "usage: make token USER=<demo account>  (see make accounts)"; exit 2; }
	@$(BIN)/python -m services.intake.cli token "$(USER)"

accounts: $(STAMP) ## List the demo accounts
	@$(BIN)/python -m services.intake.cli accounts

lock: ## Re-pin requirements*.txt from requirements*.in in a scratch environment
	rm -rf /tmp/dm-lock && $(PYTHON) -m venv /tmp/dm-lock
	/tmp/dm-lock/bin/pip install --quiet -r requirements.in && /tmp/dm-lock/bin/pip freeze > /tmp/dm-rt.txt
	/tmp/dm-lock/bin/pip install --quiet -r requirements-dev.in && /tmp/dm-lock/bin/pip freeze > /tmp/dm-all.txt
	{ echo "# Pinned runtime dependencies, generated from requirements.in (make lock)."; cat /tmp/dm-rt.txt; } > requirements.txt
	{ echo "# Pinned test and lint dependencies on top of requirements.txt, generated from requirements-dev.in (make lock)."; comm -13 <(sort /tmp/dm-rt.txt) <(sort /tmp/dm-all.txt); } > requirements-dev.txt

clean: ## Remove local data (var/) — the databases of `make run`
	rm -rf var/

.PHONY: help install install-prod run test bench fuzz lint format migrate token accounts lock clean
