# Praktijkloket: `make run` starts the demo, `make test` runs every test (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-dev browser lint bench pdf-voorbeeld clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(PY) app.py

# Debian's Chromium for the browser tests (Playwright's own download does not work offline).
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Chromium installeren (Debian-pakket) voor de browsertests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	else \
		echo "Chromium ontbreekt: installeer het Debian-pakket 'chromium' (sudo apt-get install chromium)."; \
		echo "Zonder Chromium worden de browsertests overgeslagen."; \
	fi

test: install-dev browser
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements-bench.txt
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null && ! ldconfig -p | grep -q libpangoft2; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi
	$(PIP) install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache bench/out test-artifacts
