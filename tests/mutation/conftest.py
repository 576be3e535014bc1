"""Fixtures of the mutation tests: a tiny legacy-style project to run mutmut on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TOY = Path(__file__).parent / "fixtures" / "toy"

# The toy project's own suite is run by the tests below, inside a copy; never collected here.
collect_ignore = ["fixtures"]


@pytest.fixture
def toy_project(tmp_path: Path) -> Path:
    """A copy of the toy project: legacy_services/current/current.py and its baseline suite."""
    root = tmp_path / "toy"
    shutil.copytree(TOY, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root
