# Trackwell: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# Development settings (DEBUG on) for run, test and bench; production is trackwell.settings.
export DJANGO_SETTINGS_MODULE := trackwell.settings_dev

.PHONY: run serve backup loadtest test test-sqlite test-postgres lint typecheck bench setup browser-deps pdf-deps demo clean lock

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

## Front-end packages pinned by package-lock.json, from the npm registry
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)
	mkdir -p var

## Serve Trackwell on SQLite with the demo school at http://127.0.0.1:$(PORT); a task
## worker beside it renders report PDFs in the background (stopped with the server).
run: setup pdf-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py demo_logins --port $(PORT)
	$(BIN)/python manage.py db_worker --interval 1 --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Serve Trackwell with production settings under gunicorn on 127.0.0.1:$(PORT):
## DEBUG off, static files collected and served by WhiteNoise, a secret key kept in
## var/secret_key. Plain HTTP on loopback only (HTTPS=false), always the local demo
## database (never a DATABASE_URL from the environment); see docs/deploy.md.
SERVE_ENV = DEBUG=false HTTPS=false SERVE_COLLECTED_STATIC=true \
	DATABASE_URL=sqlite:///$(CURDIR)/var/trackwell.sqlite3 \
	SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS=127.0.0.1,localhost
serve: setup
	@test -s var/secret_key || (umask 077 && $(BIN)/python -c \
		"import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py load_demo --if-empty
	$(SERVE_ENV) GUNICORN_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c python:trackwell.gunicorn

## A consistent, checksummed backup under var/backups (see docs/operations.md)
backup: setup
	$(BIN)/python manage.py backup

## Debian's Pango and fonts for WeasyPrint (report PDFs), installed when missing
pdf-deps:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi dejavu || \
		(apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
			libharfbuzz-subset0 fonts-dejavu-core fonts-liberation fontconfig)

## Debian's Chromium for the browser tests, installed when missing
browser-deps:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
		(apt-get update -qq && apt-get install -y -qq chromium)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy trackwell tests bench

test-sqlite: setup browser-deps pdf-deps
	DATABASE_URL= $(BIN)/pytest -n 2 -p no:cacheprovider

test-postgres: setup browser-deps pdf-deps
	@$(BIN)/python scripts/check_postgres.py; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "PostgreSQL run SKIPPED: server not reachable."; exit 0; fi; \
	test $$rc -eq 0 || exit $$rc; \
	DATABASE_URL=$${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/trackwell} \
		$(BIN)/pytest -n 2 -p no:cacheprovider

## Lint, type checks, then every test on SQLite and on PostgreSQL
test: lint typecheck test-sqlite test-postgres

## Simulated staff (15, then 75) against gunicorn on loopback, SQLite then PostgreSQL:
## latencies, errors and lost updates beside the same requests one at a time
loadtest: setup
	$(BIN)/python -m bench.loadtest

## Timings with query counts on demo-sized data (see docs/performance.md)
bench: setup
	DATABASE_URL= $(BIN)/python -m bench.run

lock:
	$(PYTHON) -m venv /tmp/trackwell-uv && /tmp/trackwell-uv/bin/pip install --quiet uv
	/tmp/trackwell-uv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var node_modules
