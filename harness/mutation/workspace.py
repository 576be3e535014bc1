"""A throw-away copy of the project for mutmut to mutate, so the checkout is never touched.

mutmut 2.5.1 writes each mutant into the source file itself and restores it afterwards; a
Ctrl-C at the wrong moment leaves the mutant in place. Running it in a copy makes that
harmless: the copy is deleted when the run ends, however it ends.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Not copied: version control, environments, caches, earlier results, and mutmut's own cache
# (a stale cache would replay verdicts from an older hook or older tests).
IGNORED = (
    ".git",
    ".hg",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".mutmut-cache",
    "html",
    "reports",
    "build",
    "dist",
    ".coverage*",
)


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED)
    }


def copy_tree(root: Path, destination: Path) -> Path:
    """Copy the project at `root` into `destination` (created), without the IGNORED entries.

    In a git checkout, only what git would keep (tracked files, and untracked ones that
    `.gitignore` does not exclude): a benchmark corpus or a build directory can weigh more than
    the whole project, and each job makes its own copy.
    """
    listed = _git_files(root)
    if listed is None:
        shutil.copytree(root, destination, ignore=_ignore, symlinks=True)
        return destination
    destination.mkdir(parents=True)
    for relative in listed:
        parts = Path(relative).parts
        if any(_ignore("", [part]) for part in parts):
            continue
        source = root / relative
        if not source.is_file():  # deleted in the working tree, or a submodule
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return destination


def _git_files(root: Path) -> list[str] | None:
    """Files git keeps under `root`, relative to it; None outside a git checkout."""
    try:
        listed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return sorted({name for name in listed.decode().split("\0") if name})


@contextmanager
def workspace(root: Path, name: str) -> Iterator[Path]:
    """A fresh copy of `root`, deleted on exit (KeyboardInterrupt included)."""
    parent = Path(tempfile.mkdtemp(prefix=f"harness-mutants-{name}-"))
    try:
        yield copy_tree(root, parent / "tree")
    finally:
        shutil.rmtree(parent, ignore_errors=True)
