# Rapport's developer commands. `make demo` and `make test` are all a new machine needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The worker's concurrency; two matches the two cores of the reference machine.
WORKERS ?= 2
# Test processes for `make test` (each with its own test database); 1 runs the suite serially.
TEST_PROCESSES ?= 2
# Every dependency, direct or not, at one version with its hashes: an install today and one in a
# year get the same code. `make lock` resolves it again after pyproject.toml changes.
LOCK := requirements.lock
# The tools that install and build the project, pinned like everything else.
INSTALL_TOOLS := pip==26.3 setuptools==84.2.1 wheel==0.48.0
# Where `make test` writes coverage's report that tests/coverage_floors.py reads.
COVERAGE_JSON := var/coverage.json

# Development and the demo turn DEBUG on; production leaves it off (see docs/deploy.md).
DEV_ENV := DEBUG=1 JUDGE_ALLOWED_HOSTS=127.0.0.1:11434,localhost:11434 JUDGE_ALLOW_LOOPBACK=1
# The demo's users are not developers: they get the app's own error pages, not Django's.
DEMO_ENV := $(DEV_ENV) OWN_ERROR_PAGES=1

.PHONY: compiled-messages system-package install lock demo serve worker run test coverage-floors lint format messages chromium migrate clean help screenshots

help:
	@echo "make demo     set everything up and serve the demo at http://$(HOST):$(PORT)/"
	@echo "make test     lint and run the whole test suite"
	@echo "make install  create .venv with every dependency (fast when nothing changed)"
	@echo "make serve    the web app only;  make worker  the background worker only"
	@echo "make lint     ruff and mypy;     make messages  refresh the translation catalogue"
	@echo "make lock     resolve requirements.lock again after a pin in pyproject.toml changed"
	@echo "make screenshots  retake the pictures in docs/reviewing.md from a fresh demo"

install: $(STAMP) compiled-messages

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Rapport needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(INSTALL_TOOLS)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check --disable-pip-version-check
	@touch $(STAMP)

# Resolve every dependency of pyproject.toml (with the dev extra) again, for Python 3.11 and up
# on any platform. Run it after changing a pin there, and commit both files together.
lock:
	@test -x $(BIN)/uv || $(MAKE) --no-print-directory install
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' --quiet -o $(LOCK)

# Catalogues are compiled from the committed .po files; gettext comes from the system.
compiled-messages: $(STAMP)
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory system-package PKG=gettext
	@$(DEV_ENV) $(MANAGE) compilemessages --ignore=$(VENV) --ignore=var -v 0

system-package:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PKG); \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $(PKG); \
	else echo "Please install the system package '$(PKG)'"; exit 1; fi

chromium:
	@command -v chromium >/dev/null || $(MAKE) --no-print-directory system-package PKG=chromium

migrate: install
	$(DEV_ENV) $(MANAGE) migrate --noinput

demo: migrate
	$(DEV_ENV) $(MANAGE) demo_setup --url http://$(HOST):$(PORT)/
	@$(MAKE) --no-print-directory run

# The web app and a worker together; Ctrl-C or TERM stops both within seconds (see
# core/management/commands/demo_serve.py for why a shell trap cannot).
run: install
	@echo "Serving Rapport at http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	@exec env $(DEMO_ENV) $(MANAGE) demo_serve $(HOST):$(PORT) --workers=$(WORKERS)

serve: install
	$(DEV_ENV) $(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(DEV_ENV) $(BIN)/celery -A config worker --concurrency=$(WORKERS) --loglevel=INFO

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Coverage is measured on every run; the floors are checked only when the whole suite ran
# (a part of it, PYTEST_ARGS=tests/review, covers too little of the other apps to judge them).
test: install chromium lint
	@mkdir -p var
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal --cov --cov-report=json:$(COVERAGE_JSON) $(PYTEST_ARGS)
	@if [ -z "$(PYTEST_ARGS)" ]; then $(MAKE) --no-print-directory coverage-floors; fi

coverage-floors:
	$(BIN)/python tests/coverage_floors.py $(COVERAGE_JSON)

messages: install
	$(DEV_ENV) $(MANAGE) makemessages -l zh_Hans --ignore=$(VENV)/* --ignore=var/* --ignore=tests/* --ignore=bench/* --no-obsolete
	$(DEV_ENV) $(MANAGE) makemessages -d djangojs -l zh_Hans --ignore=$(VENV)/* --ignore=var/* --ignore=tests/* --ignore=bench/* --ignore=static/vendor/* --no-obsolete
	$(DEV_ENV) $(MANAGE) compilemessages --ignore=$(VENV) --ignore=var -v 0

# Retake docs/reviewing.md's pictures from a fresh demo in a temporary folder (needs Chromium, and
# a CJK font such as Debian's fonts-noto-cjk for the Chinese sessions).
screenshots: install chromium
	@fc-list :lang=zh | grep -q . || $(MAKE) --no-print-directory system-package PKG=fonts-noto-cjk
	$(BIN)/python tests/browser/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
