"""The plugin's own tests: generated projects run by `pytester` (legacy sources are constants)."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"

PYTEST_INI = """
[tool.pytest.ini_options]
filterwarnings = ["error"]
addopts = "-p no:randomly -p no:cacheprovider {options}"
"""


class Project:
    """A throwaway project: legacy modules, a `[tool.harness]` table, test files."""

    def __init__(self, pytester: pytest.Pytester, session_options: tuple[str, ...]) -> None:
        self.pytester = pytester
        self.ini = PYTEST_INI.format(options=" ".join(session_options))

    def legacy(self, path: str, source: str) -> None:
        target = self.pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))

    def config(self, harness_toml: str = "") -> None:
        self.pytester.makefile(".toml", pyproject=self.ini + textwrap.dedent(harness_toml))

    def tests(self, source: str, name: str = "test_legacy") -> None:
        self.pytester.makepyfile(**{name: textwrap.dedent(source)})

    def hostile(self, name: str, path: str = "svc/service.py") -> None:
        """Copy one of our hostile legacy modules (tests/plugin/hostile/) into the project."""
        target = self.pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HOSTILE / name, target)

    def run_isolated(self, *args: str, timeout: float = 60) -> pytest.RunResult:
        """pytest in a child process with a network namespace of its own (loopback only, up):
        whatever the hostile code or a failing guard does, nothing can leave the machine."""
        command = (
            "ip link set lo up && exec "
            + " ".join([sys.executable, "-m", "pytest", "-p", "no:xdist", *args])
        )
        return self.pytester.run("unshare", "--net", "sh", "-c", command, timeout=timeout)


@pytest.fixture(scope="session", autouse=True)
def _shared_imports() -> None:
    """Import what every generated session imports, once: `pytester` gives each in-process run
    a copy of `sys.modules` taken at its start, so these are then reused instead of re-imported."""
    import importlib

    for name in (
        "harness.session",
        "harness.fakes_adapter",
        "harness.fakes.confluent",
        "harness.fakes.kafka_python",
        "harness.fakes.mongo",
        "harness.fakes.http",
        "harness.fakes.stub",
        "harness.analysis",
        "mongomock",
        "fastavro",
        "responses",
        "flask",
    ):
        importlib.import_module(name)


@pytest.fixture
def project(pytester: pytest.Pytester, child_session_options: tuple[str, ...]) -> Project:
    made = Project(pytester, child_session_options)
    made.config()
    return made
