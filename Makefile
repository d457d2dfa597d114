# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/bookings
SQLITE_TEST_URL ?= sqlite:///$(CURDIR)/var/test.sqlite3
TEST_SECRET_KEY := test-only-not-secret
PYTEST_ARGS ?=

.PHONY: venv run test test-sqlite test-postgres lint check-postgres browser-deps bench bench-full clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

var:
	mkdir -p var

# The Celery worker, with beat embedded (-B), runs in the background for exactly as long as
# the server: the trap stops it however runserver ends (Ctrl-C, error, port taken). Without
# REDIS_URL its broker is the filesystem transport in var/celery (settings). The solo pool
# has no child processes, so Ctrl-C ends in a clean warm shutdown (a prefork child killed
# mid-shutdown logged "ForkPoolWorker … exited with signal 15").
run: venv var
	mkdir -p var/celery/queue var/celery/control var/celery/processed
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo_data
	DEBUG=true $(BIN)/celery -A config worker -B --loglevel INFO --pool solo & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=$(TEST_SECRET_KEY) $(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=$(TEST_SECRET_KEY) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	SECRET_KEY=$(TEST_SECRET_KEY) $(BIN)/mypy accounts bookings calendars config core events idempotency officernd overbooked payments rentals slots webhooks

check-postgres: venv
	@$(BIN)/python -c "import psycopg, sys; from urllib.parse import urlsplit; \
	u = urlsplit('$(PG_TEST_URL)'); \
	psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, password=u.password, dbname='postgres', connect_timeout=3).close()" \
	|| { echo; echo "PostgreSQL is not reachable at $(PG_TEST_URL)."; \
	     echo "Start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start"; \
	     echo "(or point PG_TEST_URL at a running server)"; exit 1; }

test-sqlite: venv var
	SECRET_KEY=$(TEST_SECRET_KEY) DATABASE_URL=$(SQLITE_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv check-postgres
	SECRET_KEY=$(TEST_SECRET_KEY) DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

# The admin's browser tests drive Debian's Chromium through its chromedriver; nothing
# downloads a browser at test time.
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
	  echo; echo "The browser tests need Chromium and its driver. As root, run:"; \
	  echo "  apt-get install -y chromium chromium-driver"; \
	  echo "(they provide /usr/bin/chromium and /usr/bin/chromedriver)"; exit 1; \
	fi

test: lint browser-deps test-sqlite test-postgres

# Benchmarks on the PostgreSQL database bookings_bench and Redis DB 7 (docs/performance.md).
# Needs wrk (Debian: apt-get install -y wrk).
bench: venv check-postgres
	$(BIN)/python -m bench.run --size small

bench-full: venv check-postgres
	$(BIN)/python -m bench.run --size full

clean:
	rm -rf var db.sqlite3 db.sqlite3-* .pytest_cache
