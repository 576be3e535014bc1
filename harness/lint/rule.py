"""What a rule is: a class with a code, its documentation, its examples and a `check` method.

Modelled on Fixit: one rule per module under `harness/lint/rules/`, the class docstring is its
documentation (`harness lint --explain CODE`), and `VALID`/`INVALID` carry examples that one
parametrized test runs for every rule, so a rule cannot exist untested.  Unlike a Fixit rule, a
rule here judges a test file against *other* files (the modules it tests), so an example is a
small project: a few files, and the one to lint.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from harness.lint.project import FileContext


@dataclass(frozen=True)
class Fix:
    """Replace the string literal at `line:col` (1-based) whose value is `old` by `new`."""

    line: int
    col: int
    old: str
    new: str


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""
    fix: Fix | None = None


@dataclass(frozen=True)
class Valid:
    """A project in which the rule reports nothing (nor does any other rule)."""

    files: Mapping[str, str]
    lint: str  # the file to lint, relative to the project


@dataclass(frozen=True)
class Invalid:
    """A project in which linting `lint` reports exactly this rule, once, at `line`."""

    files: Mapping[str, str]
    lint: str
    line: int
    fixed: str | None = None  # the linted file after `--fix`, for rules that fix


class Rule:
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    MESSAGE: ClassVar[str]  # one line: what is wrong, as the summary of the rule
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []
    FIXABLE: ClassVar[bool] = False

    def check(self, context: FileContext) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(
        self,
        context: FileContext,
        line: int,
        col: int,
        message: str,
        hint: str = "",
        fix: Fix | None = None,
    ) -> Finding:
        return Finding(context.path, line, col, self.CODE, message, hint, fix)


_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def similar_names(wanted: str, candidates: list[str], limit: int = 3) -> list[str]:
    """Names that look like `wanted`: close spelling, or a shared CamelCase word (`Consumer`)."""
    close = difflib.get_close_matches(wanted, candidates, n=limit, cutoff=0.6)
    words = {w.lower() for w in _CAMEL_WORD.findall(wanted) if len(w) > 3}
    sharing = [
        c
        for c in candidates
        if c not in close and words & {w.lower() for w in _CAMEL_WORD.findall(c) if len(w) > 3}
    ]
    return (close + sorted(sharing))[:limit]
