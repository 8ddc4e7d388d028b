# djgc_direct — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
# Debian packages. The app itself needs CJK fonts for the bulletin's chart; the tests also need a
# real browser for end-to-end tests and LibreOffice Writer with poppler-utils to render documents.
RUNTIME_PACKAGES := fonts-noto-cjk
SYSTEM_PACKAGES := $(RUNTIME_PACKAGES) chromium libreoffice-writer-nogui poppler-utils

.PHONY: run test bench bench-suite system-deps runtime-deps translations messages db demo clean help docs-images

help:
	@echo "make run    set up and serve the app on http://$(HOST):$(PORT) with demo data"
	@echo "make test   set up and run the whole test suite (DJGC_TEST_DATABASE_URL picks the database)"
	@echo "make bench  measure the benchmarks and the scale table, write bench-results/*.json"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d djgc_direct/translations

# Installs those of the given Debian packages that are missing, with apt-get (as root, or through sudo).
define install_debian_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call install_debian_packages,$(SYSTEM_PACKAGES))

runtime-deps:
	$(call install_debian_packages,$(RUNTIME_PACKAGES))

db: $(VENV)/.installed
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) djgc seed-demo

# The scheduler runs in its own process beside the development server and stops with it.
run: runtime-deps translations demo
	@$(FLASK) djgc scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed translations system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Re-render docs/images/{slip,pack,supervision-notice}.png from sample documents (docs/documents.md).
docs-images: $(VENV)/.installed system-deps
	$(BIN)/python scripts/render_document_samples.py

# Figures the issues ask for (not part of `make test`); DJGC_BENCH_DATABASE_URL picks the database.
# The scale table (bench.suite): realistic databases of SUITE_SIZES cases, every figure beside its
# floor; docs/performance.md runs SUITE_SIZES=1000000 on PostgreSQL. SUITE_ARGS=--reuse keeps the
# databases and measures them again.
SUITE_SIZES ?= 10000 100000
bench: $(VENV)/.installed runtime-deps translations
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.concurrency
	$(BIN)/python -m bench.suite --sizes $(SUITE_SIZES) $(SUITE_ARGS)

# The scale table alone.
bench-suite: $(VENV)/.installed runtime-deps translations
	$(BIN)/python -m bench.suite --sizes $(SUITE_SIZES) $(SUITE_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache

# Re-extract the Chinese source strings and merge them into the English catalogue.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o djgc_direct/translations/messages.pot djgc_direct templates
	@if [ -f djgc_direct/translations/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i djgc_direct/translations/messages.pot -d djgc_direct/translations -l en; \
	else $(BIN)/pybabel init -i djgc_direct/translations/messages.pot -d djgc_direct/translations -l en; fi
