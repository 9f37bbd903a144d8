# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run playground screenshots test lint typecheck pytest check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamp files re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python -m bot run

# The whole bot in a local web page against the loopback fake Discord: no token, nothing leaves 127.0.0.1.
playground: $(VENV)/.installed
	$(BIN)/python -m bot playground

# Refreshes docs/img/*.png from a real headless Chromium playing through the playground page.
screenshots: $(VENV)/.installed-dev
	CAREERBOT_SCREENSHOTS=docs/img $(BIN)/python -m pytest -q tests/test_playground_browser.py

check: $(VENV)/.installed
	$(BIN)/python -m bot check

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot cogs fakediscord playground tests bench
	$(BIN)/ruff format --check bot cogs fakediscord playground tests bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# Each prints its figures beside a baseline measured in the same run (see README, Performance).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.faq
	$(BIN)/python -m bench.quiz_load
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.stats

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
