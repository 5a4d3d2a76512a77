# Otklik: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432/otklik_ci
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint audit test-sqlite test-postgres services browser venv clean guide-images

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Run the system locally: SQLite in ./data, demo data, web server + job consumer.
# E-mail goes to files in data/mail/ (a local sink), not to an SMTP server. ADDR=127.0.0.1:8001 for another port.
ADDR ?= 127.0.0.1:8000
# Each background task is a log line at INFO: the demo shows only warnings of the job consumer.
DEMO_ENV := DEBUG=1 EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend HUEY_LOG_LEVEL=WARNING
run: $(STAMP)
	@$(DEMO_ENV) $(PY) manage.py run_demo --check-ports $(ADDR)
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py seed_demo_cases
	$(DEMO_ENV) $(PY) manage.py run_demo $(ADDR)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy otklik

# Known vulnerabilities in pinned dependencies: fails on a finding, only warns when the
# vulnerability service cannot be reached (time limit PIP_AUDIT_TIMEOUT, default 180 s).
audit: $(STAMP)
	bash .ci/pip-audit.sh

# Services the suite needs: PostgreSQL and Redis (started if installed but not running),
# Debian's Chromium for the browser tests.
services:
	@bash .ci/services.sh

test-sqlite: $(STAMP)
	$(VENV)/bin/pytest -q -m "not browser and not heavy" -p no:randomly

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) REDIS_TEST_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest -q

# The whole suite: lint, the fast suite on SQLite, everything on PostgreSQL.
test: $(STAMP) services lint audit test-sqlite test-postgres

# The user guide's screenshots (docs/guide/img) made anew from the demo by the browser test.
guide-images: $(STAMP)
	OTKLIK_GUIDE_IMAGES=write $(VENV)/bin/pytest -q -p no:randomly otklik/web/tests/test_browser_guide_images.py

clean:
	rm -rf $(VENV) artifacts
