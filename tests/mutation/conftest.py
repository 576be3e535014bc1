"""Fixtures of the mutation tests: a tiny legacy-style project to run mutmut on."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

TOY = Path(__file__).parent / "fixtures" / "toy"
# The mutation-testing-elements report schema (Stryker's, Apache-2.0) is not ours to ship: the
# Makefile's install step takes it from its npm package into the virtualenv (no Python package
# ships it), and the tests read it there.
ELEMENTS_SCHEMA = (
    Path(sys.prefix) / "share" / "mutation-testing-report-schema" / "mutation-testing-report-schema.json"
)

# The toy project's own suite is run by the tests below, inside a copy; never collected here.
collect_ignore = ["fixtures"]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a `harness` process the tests start: without the outer pytest's,
    coverage's or a CI matrix's variables (`CI_NODE_INDEX` would make the run a shard)."""
    prefixes = ("PYTEST_", "COVERAGE_", "CI_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)} | extra


def copy_project(source: Path, root: Path, session_options: tuple[str, ...]) -> Path:
    """A copy of one of the fixture projects, whose pytest sessions (the coverage pass, the warm
    runner's, plain mutmut's) leave out the plugins of our development environment."""
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = root / "pyproject.toml"
    table = "[tool.pytest.ini_options]\n"
    text = pyproject.read_text()
    assert table in text, f"{source}: its pyproject.toml needs a {table.strip()} table"
    addopts = f'addopts = "{" ".join(session_options)}"\n'
    pyproject.write_text(text.replace(table, table + addopts, 1))
    return root


@pytest.fixture
def toy_project(tmp_path: Path, child_session_options: tuple[str, ...]) -> Path:
    """A copy of the toy project: legacy_services/current/current.py and its baseline suite."""
    return copy_project(TOY, tmp_path / "toy", child_session_options)


@pytest.fixture(scope="session")
def elements_schema() -> dict[str, Any]:
    """The mutation-testing-elements JSON schema, as the install step put it in the virtualenv."""
    if not ELEMENTS_SCHEMA.is_file():
        pytest.fail(
            f"{ELEMENTS_SCHEMA} is missing: it comes from the npm package "
            "mutation-testing-report-schema@3.8.4; run `make .venv/.installed` (needs npm)",
            pytrace=False,
        )
    schema: dict[str, Any] = json.loads(ELEMENTS_SCHEMA.read_text())
    return schema
