"""A throw-away copy of the project for mutmut to mutate, so the checkout is never touched.

mutmut 2.5.1 writes each mutant into the source file itself and restores it afterwards; a
Ctrl-C at the wrong moment leaves the mutant in place. Running it in a copy makes that
harmless: the copy is deleted when the run ends, however it ends.

"However it ends" includes repeated signals: the copies live in worker threads, and a second
Ctrl-C used to cut the main thread's wait for them short, so the process exited while they were
still being copied or deleted. Every live copy is registered here; `remove_all` (called by the
command line once it is interrupted, with further signals held off) waits for the jobs to delete
theirs, stops copies still being made, and deletes whatever is left; at exit, anything still
registered is deleted too.
"""

from __future__ import annotations

import atexit
import fnmatch
import shutil
import subprocess
import tempfile
import threading
import time
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
        if _closing.is_set():
            raise KeyboardInterrupt  # the run is being stopped: no point finishing the copy
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


# Parent folders of the live copies; `_changed` is notified whenever one goes away.
_live: set[Path] = set()
_changed = threading.Condition()
_closing = threading.Event()


@contextmanager
def workspace(root: Path, name: str) -> Iterator[Path]:
    """A fresh copy of `root`, deleted on exit (KeyboardInterrupt included)."""
    parent = Path(tempfile.mkdtemp(prefix=f"harness-mutants-{name}-"))
    with _changed:
        _live.add(parent)
    try:
        yield copy_tree(root, parent / "tree")
    finally:
        _remove(parent)


def _remove(parent: Path) -> None:
    for _ in range(3):  # again if a copy still being made added files meanwhile
        shutil.rmtree(parent, ignore_errors=True)
        if not parent.exists():
            break
    with _changed:
        _live.discard(parent)
        _changed.notify_all()


def remove_all(timeout: float) -> None:
    """Wait up to `timeout` seconds for the running jobs to delete their copies (their
    processes are being stopped), then delete what is left, including copies being made."""
    _closing.set()
    try:
        deadline = time.monotonic() + timeout
        with _changed:
            while _live and (left := deadline - time.monotonic()) > 0:
                _changed.wait(left)
            remaining = list(_live)
        for parent in remaining:
            _remove(parent)
    finally:
        _closing.clear()


atexit.register(remove_all, 0)
