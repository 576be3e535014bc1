# The two entry points of the README. Each installs what it needs into .venv first
# (pinned by requirements.lock), so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test

help:
	@echo "make demo   run the toolkit end to end on the bundled legacy services (writes reports/)"
	@echo "make test   run the test suite (random order, 2 xdist workers, -W error)"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[services,dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly tests/baseline

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2
