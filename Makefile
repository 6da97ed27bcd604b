# The two commands: `make run` and `make test`. Without DATABASE_URL both use an
# embedded PostgreSQL kept under var/postgres (see b40/embedded_postgres.py).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WITH_DB := $(BIN)/python -m b40.embedded_postgres run --
HOST ?= 127.0.0.1
PORT ?= 8000
# The browser tests drive Debian's Chromium; Playwright cannot download its own.
# The certificate tests render a PDF to PNG (poppler) and decode its QR (zbar).
TEST_TOOLS := /usr/bin/chromium /usr/bin/pdftoppm /usr/bin/zbarimg
TEST_PACKAGES := chromium poppler-utils zbar-tools

.PHONY: run createsuperuser test format check clean-db test-tools

$(INSTALLED): requirements.lock
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# Links in emails and printed certificates point where `make run` serves.
run: export B40_SITE_URL ?= http://$(HOST):$(PORT)
run: $(INSTALLED)
	$(WITH_DB) sh -c 'python manage.py migrate --noinput \
		&& python manage.py load_b40 --if-empty \
		&& echo "Create a secretariat login with: make createsuperuser" \
		&& exec python manage.py runserver $(HOST):$(PORT)'

createsuperuser: $(INSTALLED)
	$(WITH_DB) python manage.py createsuperuser

test: $(INSTALLED) test-tools
	$(WITH_DB) python -m pytest $(PYTEST_ARGS)

# Installs Debian's chromium, poppler-utils and zbar-tools when one is missing
# and we are root; otherwise the tests that need them say what is missing.
test-tools:
	@for tool in $(TEST_TOOLS); do [ -x $$tool ] || missing=1; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(TEST_PACKAGES) for the tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(TEST_PACKAGES); \
	fi

check: $(INSTALLED)
	$(WITH_DB) python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-db:
	rm -rf var/postgres var/run
