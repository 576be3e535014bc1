"""Running a rule's VALID/INVALID example projects, shared by the rule tests."""

from __future__ import annotations

from pathlib import Path

from harness.lint.config import load_config
from harness.lint.engine import LintRun
from harness.lint.rule import Finding


def write_project(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def lint_project(root: Path, paths: list[str]) -> tuple[list[Finding], list]:
    result = LintRun(load_config(str(root)), [str(root / p) for p in paths],
                     use_cache=False, jobs=1).execute()
    return result.findings, result.errors
