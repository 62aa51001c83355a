# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Set up and run the demo on SQLite at http://127.0.0.1:8000/, with the task worker
## (webhook deliveries) beside the server; Ctrl-C stops both.
DEMO_PORT ?= 8000
demo: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT)

## Set up and run every test (SQLite unless DATABASE_URL says otherwise)
test: install
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(PY) -m pytest $(PYTEST_ARGS)

## The full benchmark runs, for figures (minutes; PostgreSQL, Redis and wrk on this
## machine; never part of `make test`, which runs them only as tiny smoke tests). Each
## holds /tmp/loadtest.lock, so it never overlaps another load run.
BENCH_ARTICLES ?= 1000
SEARCH_ARTICLES ?= 100000
BENCH_DB_SERVER ?= postgres://postgres@127.0.0.1:5432
bench: install
	flock /tmp/loadtest.lock $(PY) bench/bench_pages.py --articles $(BENCH_ARTICLES) \
		--db-server $(BENCH_DB_SERVER)
	flock /tmp/loadtest.lock env DATABASE_URL=$(BENCH_DB_SERVER)/hub_search_bench \
		SECRET_KEY=bench-only-secret-key $(PY) bench/bench_search.py --articles $(SEARCH_ARTICLES)
	flock /tmp/loadtest.lock env SECRET_KEY=bench-only-secret-key $(PY) bench/bench_linking.py
	flock /tmp/loadtest.lock env SECRET_KEY=bench-only-secret-key $(PY) bench/bench_hostile_markdown.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles screenshots
