# Two commands for a fresh clone: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
# Two pytest-xdist workers: each gets its own test database and Redis key prefix.
PYTEST_ARGS ?= -n 2
PORT ?= 8000

.PHONY: run run-host-check test lint format migrate demo worker beat bench lighthouse messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

## Install, migrate, load the demo family and serve HTTP + WebSocket with daphne.
run: run-host-check $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Grocer is running at http://$(HOST):$(PORT)/"
	@echo "  Log in as ana@demo.grocer or ben@demo.grocer, password: grocer-demo"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/ as admin@demo.grocer, password: grocer-demo"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) grocer.asgi:application

# The demo runs with DEBUG pages and a published password (admin included): serving it
# beyond this machine needs saying so.
run-host-check:
	@case "$(HOST)" in \
	  127.*|localhost|::1|"[::1]") ;; \
	  *) if [ "$(DEMO_ON_NETWORK)" != "yes" ]; then \
	    echo "Refusing to serve the demo on HOST=$(HOST)." >&2; \
	    echo "  make run loads a demo family whose accounts, the admin included, share the" >&2; \
	    echo "  published password 'grocer-demo', and shows DEBUG error pages: anyone who can" >&2; \
	    echo "  reach this address could log in as the admin." >&2; \
	    echo "  Only on a network you trust: make run HOST=$(HOST) DEMO_ON_NETWORK=yes" >&2; \
	    echo "  A real deployment: see 'Production shape' in README.md." >&2; \
	    exit 1; \
	  fi ;; \
	esac

## Install the test requirements and run the whole suite.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=.ci $(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## After changing marked strings (needs GNU gettext): refresh locale/*/LC_MESSAGES/*.po,
## translate the new entries, compile. The .mo files are committed: `make run` and
## `make test` need no gettext tools. CI checks the catalogues are complete and current.
messages: $(VENV)/.installed
	PYTHON=$(BIN)/python .ci/translations.sh update

worker: $(VENV)/.installed
	$(BIN)/celery -A grocer worker --loglevel=INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A grocer beat --loglevel=INFO

## Benchmark the production shape on this machine (bench/README.md). BENCH_ARGS="--smoke".
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## Lighthouse (mobile) on the list page with 30 items, production shape (bench/audit.py).
lighthouse: $(VENV)/.installed-dev
	$(BIN)/python -m bench.audit $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
