"""Where code lives, as messages and attributions need it: library or the user's, and how a path
is shown."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

_HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))
_SHOWN_FROM: list[str] = []  # the directory paths are shown from while an import moved the cwd


@contextmanager
def shown_from(directory: str) -> Iterator[None]:
    """Paths in messages stay relative to `directory` for the block (the directory the user ran
    from, while a service's import runs in its own)."""
    _SHOWN_FROM.append(directory)
    try:
        yield
    finally:
        _SHOWN_FROM.pop()


def display_path(filename: str) -> str:
    """A path as messages show it: relative to the working directory (the one the user ran
    from, see `shown_from`) when it is below it."""
    try:
        relative = os.path.relpath(filename, _SHOWN_FROM[-1] if _SHOWN_FROM else None)
    except ValueError:  # another drive
        return filename
    return filename if relative.startswith("..") else relative


def is_library_file(filename: str) -> bool:
    """True for the standard library, installed packages, the harness and generated code: never
    the legacy code under test or a test, even when they share a directory (a service at the
    root of a project whose virtualenv lives inside it)."""
    return filename.startswith(("<", *_library_prefixes()))


@lru_cache(maxsize=1)
def _library_prefixes() -> tuple[str, ...]:
    import sysconfig  # only when a frame has to be attributed

    paths = sysconfig.get_paths()
    found = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    found.add(_HARNESS_DIR)
    return tuple(sorted(prefix.rstrip(os.sep) + os.sep for prefix in found))
