# svtoolkit: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SVT := $(BIN)/svtoolkit
PORT ?= 8000
STATIC_BUILD := build/static
VENDOR := $(STATIC_BUILD)/vendor
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# Python keeps compiled modules (and pytest its rewritten test modules) even where the machine's environment
# says not to: without them every test worker and every server a test starts compiles the code again (pytest
# took 10 s to collect the suite instead of 5).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run dev test checks lock test-sqlite test-postgres bench bench-scale-out lint assets install install-dev worker clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exactly the versions that were tested: requirements/*.txt pin every package with its hashes (`make lock`
# writes them from pyproject.toml's ranges); svtoolkit itself is then installed without resolving again.
define install_locked
	$(BIN)/pip install --quiet --require-hashes -r requirements/$(1).txt
	$(BIN)/pip install --quiet --no-deps -e .
endef

$(VENV)/.installed: pyproject.toml requirements/base.txt | $(BIN)/python
	$(call install_locked,base)
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.txt | $(BIN)/python
	$(call install_locked,dev)
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml requirements/bench.txt | $(BIN)/python
	$(call install_locked,bench)
	touch $@ $(VENV)/.installed

# After changing a dependency in pyproject.toml: pin the newest versions its ranges allow, with their hashes.
lock: install-dev
	for extra in base dev bench; do \
	  $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links $$([ $$extra = base ] || echo --extra $$extra) -o requirements/$$extra.txt pyproject.toml; \
	done

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(STATIC_BUILD)/.built: node_modules/.package-lock.json assets/app.scss assets/app.js assets/charts.js assets/map.js assets/picker.js assets/img/favicon.svg
	npm run -s build:css
	mkdir -p $(VENDOR)/govuk $(VENDOR)/moj $(VENDOR)/htmx $(VENDOR)/chartjs $(VENDOR)/leaflet $(STATIC_BUILD)/js $(STATIC_BUILD)/img
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/
	cp -r node_modules/@ministryofjustice/frontend/moj/assets/images/. $(VENDOR)/govuk/assets/images/
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js $(VENDOR)/moj/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chartjs/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp assets/app.js assets/charts.js assets/map.js assets/picker.js $(STATIC_BUILD)/js/
	cp assets/img/favicon.svg $(STATIC_BUILD)/img/
	touch $@

assets: $(STATIC_BUILD)/.built

run: install assets
	SVTOOLKIT_ENV=demo $(SVT) migrate --noinput
	SVTOOLKIT_ENV=demo $(SVT) collectstatic --noinput --verbosity 0
	SVTOOLKIT_ENV=demo $(SVT) seed_demo --if-empty
	SVTOOLKIT_ENV=demo PORT=$(PORT) bin/serve

dev: install-dev assets
	SVTOOLKIT_ENV=dev $(SVT) migrate --noinput
	SVTOOLKIT_ENV=dev $(SVT) seed_demo --if-empty
	@# The worker (restarting on code changes, like runserver) in a process group of its own, all stopped with it
	@# by one signal (the trap clears itself: Ctrl-C then the exit would send two, which the worker takes for
	@# "stop at once").
	SVTOOLKIT_ENV=dev setsid $(SVT) worker & worker=$$!; \
	  trap 'trap - EXIT INT TERM; kill -- -$$worker 2>/dev/null || true' EXIT INT TERM; \
	  SVTOOLKIT_ENV=dev $(SVT) runserver 127.0.0.1:$(PORT)

# The task workers, the default queue's and the alerts' (RQ's when SVTOOLKIT_TASK_QUEUE=redis), with the
# scheduler of the scheduled jobs.
worker: install
	SVTOOLKIT_ENV=$${SVTOOLKIT_ENV:-demo} $(SVT) worker

# The house's shape and hygiene, before any test runs: the import contracts in pyproject.toml (layers, no
# circles), ruff's lint and format, and no model change without its migration. PYTHONPATH=src makes a git
# worktree check its own code even when the virtualenv was installed from another checkout.
checks: install-dev
	PYTHONPATH=src $(BIN)/lint-imports
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	SVTOOLKIT_ENV=test PYTHONPATH=src $(SVT) makemigrations --check --dry-run

# The checks, then the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
# Each run ends with its slowest tests (--durations), to see where the suite's time goes (docs/performance.md).
# The two runs share one directory for the databases they migrate from zero (tests/databases.py).
test: checks assets
	@shared=$$(mktemp -d); trap 'rm -rf "$$shared"' EXIT; export SVTOOLKIT_TEST_SHARED_DIR="$$shared"; \
	$(MAKE) --no-print-directory test-sqlite || exit 1; \
	if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL run was skipped."; fi

test-sqlite:
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -n 2 --dist loadgroup --durations=15

test-postgres:
	@echo "== Test suite on PostgreSQL ($$TEST_DATABASE_URL) =="
	DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -n 2 --dist loadgroup --durations=15

# Benchmarks: never part of `make test`. SQLite under var/bench/ unless DATABASE_URL is set; bigger runs with
# BENCH_INCIDENTS=1000000 and the other BENCH_ variables in docs/performance.md.
bench: $(VENV)/.installed-bench assets
	$(BIN)/python bench/run.py

# One app server against two, each limited to BENCH_SERVER_CPU cores by a cgroup (Linux, cgroup v1, as root).
bench-scale-out: $(VENV)/.installed-bench assets
	$(BIN)/python bench/scale_out.py

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean:
	rm -rf build node_modules $(VENV)
