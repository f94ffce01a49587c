# AI Platform Portfolio — every command a developer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= uv
PYTEST := $(UV) run --no-sync pytest
# Some machines set this; without bytecode caches every subprocess re-compiles its imports (~10 s each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install run test test-python test-frontend lint bench token fuzz up down clean eval

help: ## list the commands
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

install: ## install Python (uv) and frontend (npm) dependencies
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
		npm ci --prefix frontend --no-audit --no-fund; fi

run: install ## set up what is missing and start every service (Ctrl-C stops them)
	$(UV) run --no-sync python scripts/devstack.py

test: install test-python test-frontend ## every test suite (Python, frontend, browser, system)

test-python: ## the Python suites, one pytest run per workspace member, then repo-wide checks
	$(PYTEST) services/shared/tests
	$(PYTEST) services/scraper/tests
	$(PYTEST) services/analytics/tests
	$(PYTEST) services/document-processor/tests
	cd backend && $(PYTEST)
	$(PYTEST) tests/infra
	$(PYTEST) tests/contracts  # OpenAPI snapshots, declared operations, no service spells another's routes
	$(PYTEST) tests/system  # includes the slow `make run` newcomer test (marked slow)
	$(PYTEST) tests/fuzz  # schemathesis on the four OpenAPI schemas, deterministic (a few minutes)
	$(PYTEST) tests/eval  # a fixed subset of the chatbot's evaluation set, with thresholds

test-frontend: ## frontend unit tests and browser end-to-end tests
	npm --prefix frontend test
	npm --prefix frontend run e2e

lint: ## ruff, mypy (strict for portfolio_shared), biome + tsc for the frontend
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy services/shared/src
	npm --prefix frontend run lint
	npm --prefix frontend run typecheck

bench: install ## benchmarks: figures and ratios against a baseline measured in the same run
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
		echo "wrk is missing (apt-get install wrk, brew install wrk): the ingestion benchmark is skipped"
	$(UV) run --no-sync python -m benchmarks

eval: install ## the chatbot's evaluation set on the real stack: make eval [ARGS="--part heldout --verbose --json out.json"]
	$(UV) run --no-sync python -m scripts.eval_chatbot $(ARGS)

token: ## a 5-minute service token for Swagger: make token FOR=scraper [CALLER=admin] (local dev keys)
	@test -n "$(FOR)" || { echo "usage: make token FOR=core|scraper|analytics|documents [CALLER=name]"; exit 2; }
	@$(UV) run --no-sync python -m scripts.service_token $(FOR) --as $(or $(CALLER),admin)

fuzz: ## exploratory schema fuzzing: random (FUZZ_SEED, default 1) and longer (FUZZ_MAX_EXAMPLES, default 300)
	FUZZ_SEED=$${FUZZ_SEED:-1} FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-300} $(PYTEST) tests/fuzz -k under_fuzzing -s

up: ## the whole platform in Docker (needs a Docker engine)
	docker compose up --build

down: ## stop the Docker platform
	docker compose down

clean: ## remove local data (.data) and build output
	rm -rf .data backend/staticfiles frontend/dist
