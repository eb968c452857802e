# The two commands of the quick start are `make run` and `make test`; both set up
# everything they need first (scripts/bootstrap.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export QT_QPA_PLATFORM_TEST := offscreen

.PHONY: setup setup-test run server test lint benchmarks screenshots package install-desktop clean

# The app's own dependencies only; the test tools (pytest, moto, ruff, ...) come with
# setup-test, so `make run` installs nothing it does not use.
setup:
	@./scripts/bootstrap.sh

setup-test:
	@./scripts/bootstrap.sh test

run: setup
	$(PY) -m desktop_app

server: setup
	$(PY) -m sequencer_server

# The linters and the type check first: CI (.ci/run) is `make test` and nothing else.
test: lint
	QT_QPA_PLATFORM=offscreen PULSE_SERVER=unix:/nonexistent $(PY) -m pytest -q -n auto

lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

benchmarks: setup-test  # moto and psutil are test tools
	@for b in $$($(PY) -m benchmarks --list); do echo "== $$b"; $(PY) -m benchmarks $$b; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

# Real window under Xvfb, throw-away SEQUENCER_HOME, real server and real renders.
screenshots: setup
	xvfb-run -a -s "-screen 0 2600x1500x24" $(PY) scripts/screenshots.py

# One-folder PyInstaller bundle in dist/sequencer/ (packaging/sequencer.spec): builds it,
# reports its size, archives it and runs the bundle's own smoke test.
package: setup
	@./scripts/package.sh

# Launcher, icons, AppStream metadata and the pattern file type for the current user
# (runs the bundle if `make package` built one, the .venv's `sequencer` otherwise).
install-desktop: setup
	@./scripts/install_desktop.sh
