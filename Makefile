# The two entry points of the README. Each installs what it needs into .venv first
# (pinned by requirements.lock), so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCHEMA_VERSION := 3.8.4
SCHEMA_DIR := $(VENV)/share/mutation-testing-report-schema

# Python caches bytecode by default; a machine that turns it off (PYTHONDONTWRITEBYTECODE) makes
# every child process of the suite and of the demo compile the toolkit again. Mutation runs turn it
# off for themselves (harness/mutation/run.py), where a stale cache could hide a mutant.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help demo test

help:
	@echo "make demo   run the toolkit end to end on the bundled legacy services (writes reports/)"
	@echo "make test   run the test suite (random order, 2 xdist workers, -W error), then the service suites at wire, then the wheel smoke"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[all,services,dev]'
	# The mutation-testing-elements report schema, which the tests validate our reports against:
	# no Python package ships it, so it comes from its npm package, into the virtualenv.
	mkdir -p $(SCHEMA_DIR)
	cd $(SCHEMA_DIR) && npm pack --silent mutation-testing-report-schema@$(SCHEMA_VERSION) >/dev/null \
	  && tar -xzf mutation-testing-report-schema-$(SCHEMA_VERSION).tgz --strip-components=2 \
	     package/src/mutation-testing-report-schema.json \
	  && rm mutation-testing-report-schema-$(SCHEMA_VERSION).tgz
	touch $@

# The main job, as a team would run it on its own services. Steps whose exit code 1 means
# "found something" (scan: side effects; lint of the broken examples: findings; mutants:
# survivors) are expected to find it; anything else (2, a crash) stops the job.
demo: $(STAMP)
	@echo "== 1/5 harness scan legacy_services: what importing each service does"
	@$(BIN)/harness scan legacy_services; test $$? -le 1
	@echo "== 2/5 harness lint tests harness/scaffold/templates: the project's own suites (clean)"
	@$(BIN)/harness lint tests harness/scaffold/templates
	@echo "== 3/5 harness lint tests/lint/broken: one conftest per trap (findings expected)"
	@$(BIN)/harness lint tests/lint/broken; test $$? -eq 1
	@echo "== 4/5 the services' suites: hand-written baselines, then the plugin suites"
	@$(BIN)/python -m pytest -q -n 2 tests/baseline tests/services
	@echo "== 5/5 harness mutants, targets and suites from [tool.harness.mutants]: how much logic each suite pins (reports/mutation.{md,html,json}, reports/mutation-elements/)"
	@$(BIN)/harness mutants; test $$? -le 1

# Everything at the default `fake` level (with the wire smoke and the fake-vs-real contract),
# then the three services' suites again at `wire` and at `stub` (backend-bound tests skipped):
# the level is session-wide, so each takes a pytest process of its own. Last, the package as a
# user gets it: the wheel built and installed into fresh virtualenvs outside the checkout, on a
# sample project, on each Python at hand, and on the lower bounds of every dependency
# (smoke/wheel_smoke.py).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2
	$(BIN)/python -m pytest -q -n 2 tests/services --harness-fidelity=wire
	$(BIN)/python -m pytest -q tests/services --harness-fidelity=stub
	$(BIN)/python smoke/wheel_smoke.py
