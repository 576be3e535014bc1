"""Each directory of `projects/` is a legacy-style project we wrote to reproduce one pattern seen
in real services (a producer three imports down, a client built in a constructor or in a thread's
target, env read through a helper or left `None`, a package `__init__` service, loops that sleep
or poll). Each declares its service with only `path = ...` and tests its logic through the
fixtures; here each project runs in its own pytest process (`pytester`: a session of its own,
untouched by what other tests leave behind), and every test it holds must pass.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PROJECTS = Path(__file__).parent / "projects"
PYTEST_OPTIONS = ("-p", "no:randomly", "-p", "no:cacheprovider")


def _test_count(project: Path) -> int:
    return sum(
        1
        for path in project.rglob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_the_project_passes_with_only_its_path_declared(
    pytester: pytest.Pytester, child_session_options: tuple[str, ...], name: str
) -> None:
    source = PROJECTS / name
    shutil.copytree(source, pytester.path, dirs_exist_ok=True)
    harness_table = (source / "pyproject.toml").read_text().split("[tool.harness")[1:]
    assert harness_table and all(
        section.startswith(".services.") and section.split("]", 1)[1].strip().startswith("path =")
        and section.split("]", 1)[1].strip().count("\n") == 0
        for section in harness_table
    ), f"{name}: declare each service with only path = ..."

    result = pytester.runpytest_subprocess(*PYTEST_OPTIONS, *child_session_options)

    result.assert_outcomes(passed=_test_count(source))
