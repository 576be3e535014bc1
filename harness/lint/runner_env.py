"""Environment variables the project's own test runners set before the tests start.

A suite run as `env -i API_KEY=test pytest tests` from `scripts/test-unit.sh`, from a Makefile
target, a tox `setenv`, a pytest.ini `env` line, a compose service or a CI step gets those
variables though no Python file sets them.  LH301 counts a variable as set when a runner file
assigns it: a shell script, Makefile, ini/cfg/toml file, YAML file or Dockerfile of the project
that mentions a test runner (`pytest`, `py.test`, `unittest`, `tox`, `nox`) and holds `NAME=...`,
`export NAME=...`, `NAME := ...` or a YAML `NAME: ...` key.  A name assigned where the tests are
not run (a production compose file, a deploy script) counts too: the linter cannot tell which
file runs which tests, and stays silent rather than guess.

Text patterns, not parsers: the assignments of six file formats are read with one regular
expression each way (hand-written; no library reads "the variables a runner sets" across them).
"""

from __future__ import annotations

import os
import re

_RUNNERS = re.compile(r"\b(?:pytest|py\.test|unittest|tox|nox)\b")
_SUFFIXES = (".sh", ".bash", ".mk", ".ini", ".cfg", ".toml", ".yml", ".yaml", ".env")
_NAMES = ("Makefile", "makefile", "GNUmakefile", "Justfile", "justfile", "Dockerfile")
# `NAME=value` anywhere a word starts (shell, compose lists, pytest-env, tox setenv on one line),
# `NAME = value` / `NAME := value` / `NAME ?= value` / `NAME: value` at the start of a line
# (Makefile, ini, YAML maps).  `$NAME=` and `${NAME}` are reads, not assignments.
_INLINE = re.compile(r"(?<![\w$.{/-])([A-Za-z_][A-Za-z0-9_]*)=(?!=)")
_AT_LINE_START = re.compile(
    r"^[ \t]*(?:-[ \t]*)?(?:export[ \t]+|ENV[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::=|\?=|=|:(?=[ \t]|$))",
    re.MULTILINE,
)
_MAX_BYTES = 1 << 20
_MAX_FILES = 2000


def _is_runner_file(name: str) -> bool:
    return name in _NAMES or name.startswith("Dockerfile") or name.endswith(_SUFFIXES)


def runner_env(root: str, skipped: frozenset[str]) -> frozenset[str]:
    """Names assigned by the project's files that run tests (bounded walk, never an error)."""
    names: set[str] = set()
    seen = 0
    for directory, dirs, files in os.walk(root):
        # `.github` holds CI workflows; other dot-directories are tools' own state.
        dirs[:] = sorted(
            d for d in dirs if d not in skipped and (not d.startswith(".") or d == ".github")
        )
        for name in sorted(files):
            if not _is_runner_file(name):
                continue
            seen += 1
            if seen > _MAX_FILES:
                return frozenset(names)
            try:
                with open(os.path.join(directory, name), "rb") as handle:
                    data = handle.read(_MAX_BYTES)
            except OSError:
                continue
            text = data.decode("utf-8", "replace")
            if _RUNNERS.search(text):
                names.update(_INLINE.findall(text))
                names.update(_AT_LINE_START.findall(text))
    return frozenset(names)
