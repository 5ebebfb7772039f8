# Everything bootstraps .venv from a bare Python 3.11+: uv is pip-installed into it at a
# pinned version, then `uv sync --frozen` installs the core and every plugin from uv.lock.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install lock demo test lint typecheck unit dist install-check bench clean env-example system-packages

$(UV):
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock plugins/*/pyproject.toml
	$(UV) sync --frozen --all-packages --compile-bytecode --python $(BIN)/python
	@# Our own (editable) packages too: compiled bytecode halves the CLI's start-up.
	$(BIN)/python -m compileall -q hackattic_core plugins
	@touch $@

install: $(VENV)/.synced

# After adding a plugin under plugins/ (hackattic new): record it in uv.lock.
lock: $(UV)
	$(UV) lock

demo: install
	$(BIN)/hackattic run websocket_chit_chat --sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# The workflows: actionlint (shellcheck on the run: scripts; no Python in them) and
	@# zizmor, offline (no GitHub API here: the audits that ask it are skipped).
	$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck -pyflakes= .github/workflows/*.yml
	$(BIN)/zizmor --offline --quiet .github/workflows

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q

# install-check adds about 30 s: the wheels are what users get, so CI proves them too.
test: lint typecheck unit install-check

# Wheels and sdists of the core and of every plugin, into dist/ (what release.yml publishes).
dist: $(UV)
	$(UV) build --all-packages --clear --out-dir dist --python $(BIN)/python

# The wheels in dist/, installed into a fresh venv outside the source tree: --version, list,
# new (the templates) and run --sandbox for every challenge must work from them alone.
install-check: dist
	$(BIN)/python scripts/install_check.py --dist dist --uv $(UV)

bench: install
	$(BIN)/python -m bench

# .env.example from the settings and condition models (a test fails when it is stale).
env-example: install
	$(BIN)/python -m hackattic_core.env_example > .env.example

# The Debian packages the plugins check against (plugins/*/system-packages.txt), as root.
system-packages:
	scripts/install_system_packages.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache dist
