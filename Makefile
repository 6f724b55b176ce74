# Two commands for a fresh clone: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
# Two pytest-xdist workers: each gets its own test database and Redis key prefix.
PYTEST_ARGS ?= -n 2
PORT ?= 8000

.PHONY: run test lint format migrate demo worker beat bench lighthouse clean

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
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Grocer is running at http://$(HOST):$(PORT)/"
	@echo "  Log in as ana@demo.grocer or ben@demo.grocer, password: grocer-demo"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/ as admin@demo.grocer, password: grocer-demo"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) grocer.asgi:application

## Install the test requirements and run the whole suite.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

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
