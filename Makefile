# Parcours — `make` installs, generates the demo data, releases the TDs and builds the book;
# `make test` does the same bootstrap and runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader runs `alembic` as a subprocess: the venv's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONWARNINGS ?=
export MPLBACKEND := Agg

.PHONY: all install datasets exercises wheel book browser test lint bench clean postgresql

all: install datasets exercises book

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[enseignant,dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/translation-extension:plugin": {"locale": "fr_FR"}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

datasets: install
	$(BIN)/parcours donnees --sortie datasets

exercises: install
	$(BIN)/parcours sujets

# The package as a wheel, published inside the book (book/_static/ → _build/html/_static/) for
# students who work off the hub: the student guide links it.
WHEEL_DIR := book/_static
wheel: install
	rm -f $(WHEEL_DIR)/parcours-*.whl
	$(BIN)/python -m pip wheel -q --disable-pip-version-check --no-deps -w $(WHEEL_DIR) .
	rm -rf build

# Builds from the committed datasets/ and exercises/ (`make` regenerates them first).
# Sphinx and the execution cache only look at page sources, not at the data the pages compute
# from: start from scratch when the package changed since the last build.
book: install wheel
	@if [ -f _build/.cache-stamp ] && [ -n "$$(find src/parcours -newer _build/.cache-stamp -name '*.py' -print -quit)" ]; then \
		echo "Paquet parcours modifié : le livre est reconstruit entièrement."; \
		rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute; fi
	rm -rf _build/html
	$(BIN)/jupyter-book build . --builder html -n -W --keep-going
	@touch _build/.cache-stamp

# Browser tests drive Debian's Chromium (Playwright never downloads a browser): install it when
# root, otherwise say in French that those tests will be skipped.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installation de Chromium (paquets Debian $(BROWSER_PACKAGES)) pour les tests dans le navigateur…"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } \
		|| echo "Échec de l'installation de Chromium : les tests dans le navigateur seront ignorés."; \
	else \
		echo "Chromium est absent et « make test » ne tourne pas en root : les tests dans le navigateur seront ignorés. Pour les lancer : sudo apt-get install $(BROWSER_PACKAGES)"; \
	fi

# Tests check that datasets/ and exercises/ are up to date, so they are not regenerated here.
test: install postgresql browser
	$(MAKE) --no-print-directory book
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The PostgreSQL gradebook tests start a throw-away server with Debian's binaries.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installation de postgresql (tests du carnet de notes PostgreSQL)…"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
		|| (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null); \
	else echo "postgresql absent et pas de droits root : les tests PostgreSQL seront ignorés (sudo apt-get install postgresql)."; fi

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build .pytest_cache
