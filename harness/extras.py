"""Which extra of legacy-harness brings a missing library: the one line a user needs to go on.

A bare `pip install legacy-harness` brings what every user needs (the plugin, lint, scan, init).
The libraries of one job come with an extra (`[project.optional-dependencies]` in
pyproject.toml): mongomock for services using MongoDB, fastavro and the Kafka clients, responses,
werkzeug for the wire level, mutmut for `harness mutants`. When the harness itself imports one
that is not installed, the `ModuleNotFoundError` is turned into::

    the harness needs mongomock, which is not installed: pip install 'legacy-harness[mongo]'

The table is the installed distribution's own metadata (its `Requires-Dist` lines), so the
extras are declared once, in pyproject.toml.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata
from pathlib import Path
from types import TracebackType

DISTRIBUTION = "legacy-harness"
# Extras that gather others, or serve only this repository: never the one to suggest.
_NOT_SUGGESTED = frozenset({"all", "dev", "services"})
_PACKAGE_DIR = Path(__file__).resolve().parent


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@cache
def extras_by_requirement() -> dict[str, tuple[str, ...]]:
    """Normalized distribution name -> the extras of legacy-harness that require it."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return {}
    found: dict[str, list[str]] = {}
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        marker = str(requirement.marker or "")
        match = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        if match and match.group(1) not in _NOT_SUGGESTED:
            found.setdefault(_normalize(requirement.name), []).append(match.group(1))
    return {name: tuple(extras) for name, extras in found.items()}


def extra_for_module(module: str) -> str | None:
    """The extra that brings the top-level `module` ("mongomock", "confluent_kafka", "kafka")."""
    top = _normalize(module.partition(".")[0])
    table = extras_by_requirement()
    if top in table:
        return table[top][0]
    # A distribution named after its module with a suffix: kafka -> kafka-python.
    for name, extras in sorted(table.items()):
        if name.startswith(top + "_"):
            return extras[0]
    return None


def install_hint(error: BaseException, traceback: TracebackType | None = None) -> str | None:
    """One line for a `ModuleNotFoundError` raised by the harness's own code for a library one of
    its extras brings; None for anything else (the user's own imports are theirs to read)."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    if not _raised_in_harness(traceback or error.__traceback__):
        return None
    extra = extra_for_module(error.name)
    if extra is None:
        return None
    return (
        f"the harness needs {error.name.partition('.')[0]}, which is not installed: "
        f"pip install '{DISTRIBUTION}[{extra}]'"
    )


def _raised_in_harness(traceback: TracebackType | None) -> bool:
    """True when the frame that ran the failing import is a module of this package."""
    last = None
    while traceback is not None:
        if not traceback.tb_frame.f_code.co_filename.startswith("<frozen"):
            last = traceback
        traceback = traceback.tb_next
    if last is None:
        return False
    try:
        Path(last.tb_frame.f_code.co_filename).resolve().relative_to(_PACKAGE_DIR)
    except ValueError:
        return False
    return True


__all__ = ["extra_for_module", "install_hint"]
