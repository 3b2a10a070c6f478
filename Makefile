# Two commands for a newcomer: `make run` and `make test`. See README.md and docs/deploy.md.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help venv run test stack stack-stop stack-status bench

help:
	@echo "make run          serve the portal at http://127.0.0.1:$(PORT) (SQLite, inline jobs, demo data)"
	@echo "make test         the whole test suite on SQLite and PostgreSQL, with Redis and Chromium"
	@echo "make stack        the production shape on this machine (PostgreSQL, Redis, Celery, gunicorn)"
	@echo "make stack-stop   stop it"
	@echo "make bench        load run of the production shape on data set L, ratios to H (docs/performance.md)"

venv:
	@bin/venv requirements-test.txt

# Embedded mode: SQLite (db.sqlite3), jobs run inline, no services needed.
run: export DJANGO_SETTINGS_MODULE = portal.settings.dev
run: venv
	$(PY) manage.py migrate --noinput
	LOG_LEVEL=WARNING $(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test:
	bin/test

stack:
	PORT=$(PORT) bin/stack start

stack-stop:
	bin/stack stop

stack-status:
	bin/stack status

# Issue 8: seeds S and L once (reused), then load, certificate and scale runs (bin/bench-all).
bench: venv
	bin/bench-all
