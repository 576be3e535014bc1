"""The throw-away copy mutmut works in: what it holds, and that it always goes away."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.mutation.workspace import copy_tree, workspace


def make_project(root: Path) -> Path:
    for name in (
        "svc/app.py",
        "tests/test_app.py",
        "mutmut_config.py",
        ".git/HEAD",
        ".venv/bin/python",
        ".mutmut-cache",
        "svc/__pycache__/app.cpython-311.pyc",
        "reports/mutation.md",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    return root


def test_the_copy_holds_the_code_and_tests_but_no_caches_or_environments(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")

    copy = copy_tree(project, tmp_path / "copy")

    copied = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert copied == ["mutmut_config.py", "svc/app.py", "tests/test_app.py"]


def test_the_workspace_is_deleted_on_exit(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")

    with workspace(project, "job") as tree:
        (tree / "svc" / "app.py").write_text("mutated")
        parent = tree.parent

    assert not parent.exists()
    assert (project / "svc" / "app.py").read_text() == "svc/app.py"


def test_the_workspace_is_deleted_on_ctrl_c(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")

    with pytest.raises(KeyboardInterrupt), workspace(project, "job") as tree:
        parent = tree.parent
        raise KeyboardInterrupt

    assert not parent.exists()


def test_in_a_git_checkout_what_gitignore_excludes_is_not_copied(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project")
    shutil.rmtree(project / ".git")
    (project / "bench" / ".corpus").mkdir(parents=True)
    (project / "bench" / ".corpus" / "big.tar").write_text("a large benchmark corpus")
    (project / ".gitignore").write_text("bench/.corpus/\n")
    subprocess.run(["git", "init", "-q", str(project)], check=True)

    copy = copy_tree(project, tmp_path / "copy")

    copied = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert copied == [
        ".gitignore",
        "mutmut_config.py",
        "svc/app.py",
        "tests/test_app.py",
    ]
