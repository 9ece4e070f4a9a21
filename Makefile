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

.PHONY: all install datasets exercises wheel book browser hub lock test lint bench clean postgresql

all: install datasets exercises book

install: $(VENV)/.installed

# Exact versions from requirements.lock (the same as the students' image, deploy/install.sh):
# a class gets the pandas the grader has. `make lock` refreshes the lock from pyproject.toml.
LOCK := requirements.lock
$(VENV)/.installed: pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c $(LOCK) -e '.[enseignant,dev]'
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

# The JupyterHub test (tests/test_hub.py) needs configurable-http-proxy, an npm package: it goes
# into the venv (bin/ and lib/node_modules/), at a pinned version. Node.js and npm come from
# Debian's packages when root and absent; otherwise say in French that the test will be skipped.
CHP_VERSION := 5.3.0
hub: install
	@if [ -x $(BIN)/configurable-http-proxy ]; then :; else \
	if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installation de Node.js et npm (paquets Debian nodejs npm) pour le test du JupyterHub…"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; } \
		|| echo "Échec de l'installation de nodejs et npm."; fi; \
	if command -v npm >/dev/null; then \
		echo "Installation de configurable-http-proxy $(CHP_VERSION) (npm) dans $(VENV)/ pour le test du JupyterHub…"; \
		npm install -g --prefix '$(CURDIR)/$(VENV)' --no-audit --no-fund --loglevel=error \
			configurable-http-proxy@$(CHP_VERSION) >/dev/null \
		|| echo "Échec de l'installation de configurable-http-proxy : le test du JupyterHub sera ignoré."; \
	else \
		echo "npm est absent et « make test » ne tourne pas en root : le test du JupyterHub sera ignoré. Pour le lancer : sudo apt-get install nodejs npm, puis make hub."; \
	fi; fi

# Tests check that datasets/ and exercises/ are up to date, so they are not regenerated here.
test: install postgresql browser hub
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

# Resolves pyproject.toml (every extra) to exact versions, for Linux and this Python.
lock: install
	$(BIN)/pip-compile --quiet --upgrade --extra enseignant --extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
	@echo "$(LOCK) mis à jour : vérifiez le diff, puis make install."

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build .pytest_cache
