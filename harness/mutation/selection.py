"""Which tests can notice a mutant, from per-test coverage collected once on the intact code.

The coverage pass labels every executed line with the phase that ran it: ``<nodeid>|setup``,
``<nodeid>|call``, ``<nodeid>|teardown``, ``shared:<scope>:<fixture>`` for fixtures wider than a
test, ``before tests`` (configuration, collection, conftest imports), ``after tests``, or no
label (between tests). From that:

* a mutant on a line that runs at import (module level, decorators, default values) may change
  what every test sees: run the **full** suite;
* a mutant on a line that no test ran cannot change any test's outcome, since every run is
  identical up to the first execution of the mutated line: **none** to run, it survives;
* a mutant on a line run only inside tests: run **those tests** first; a failure kills it, and
  a pass is confirmed by the full suite (a test that did not run the line can still see state
  left behind by one that did, when a suite does not isolate its tests);
* a line also run outside a test (by a shared fixture, at teardown, at collection): **full**.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from functools import lru_cache

from harness.mutation import zones

TEST_PHASES = ("setup", "call")
SHARED_PREFIX = "shared:"
BEFORE_TESTS = "before tests"  # pytest configuration and collection
AFTER_TESTS = "after tests"  # session finish

NONE = "none"
TESTS = "tests"
FULL = "full"


def phase_label(nodeid: str, phase: str) -> str:
    return f"{nodeid}|{phase}"


def shared_label(scope: str, fixture: str) -> str:
    return f"{SHARED_PREFIX}{scope}:{fixture}"


def _test_of(label: str) -> str | None:
    """The nodeid of a `<nodeid>|setup` or `<nodeid>|call` label, else None."""
    nodeid, bar, phase = label.rpartition("|")
    return nodeid if bar and phase in TEST_PHASES else None


@dataclass(frozen=True)
class Selection:
    """What to run. TESTS: these tests, then the full suite if they pass. FULL: the full suite,
    after `tests` (the likeliest to fail, if any are known) as a quick first try."""

    kind: str  # NONE, TESTS or FULL
    tests: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class CoverageMap:
    """Per-line coverage labels of the files under mutation, and the suite's tests in run order."""

    tests: list[str]
    # file -> line -> labels
    lines: dict[str, dict[int, set[str]]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "tests": self.tests,
                "lines": {
                    f: {str(n): sorted(c) for n, c in ls.items()}
                    for f, ls in self.lines.items()
                },
            }
        )

    @classmethod
    def from_json(cls, text: str) -> CoverageMap:
        data = json.loads(text)
        lines = {
            f: {int(n): set(c) for n, c in ls.items()}
            for f, ls in data["lines"].items()
        }
        return cls(tests=list(data["tests"]), lines=lines)

    def select(self, file: str, original_source: str, changed: set[int]) -> Selection:
        """What to run for a mutant of `file` touching the 1-based `changed` lines."""
        shape = _shape(original_source)
        if not changed:
            return Selection(FULL, reason="no change found")
        covered = self.lines.get(file, {})
        if not changed <= shape.function_lines:
            # Every test may see it; those that use what the statement defines see it first.
            users = {line for c in changed for line in shape.users_of(c)}
            hint = self._tests_of(
                set().union(*(covered.get(line, set()) for line in users))
            )
            return Selection(FULL, tests=hint, reason="runs at import")
        labels: set[str] = set()
        for line in changed:
            for statement_line in shape.statement_lines(line):
                labels |= covered.get(statement_line, set())
        if not labels:
            return Selection(NONE, reason="no test runs this line")
        tests = {_test_of(label) for label in labels}
        if None in tests:
            return Selection(
                FULL,
                reason="runs outside a test (shared fixture, teardown or collection)",
            )
        ordered = self._tests_of(labels)
        return Selection(
            TESTS, tests=ordered, reason=f"{len(ordered)} covering test(s)"
        )

    def _tests_of(self, labels: set[str]) -> tuple[str, ...]:
        """The tests behind `labels` (labels of no test are ignored), in suite order."""
        tests = {t for t in map(_test_of, labels) if t is not None}
        order = {nodeid: position for position, nodeid in enumerate(self.tests)}
        return tuple(sorted(tests, key=lambda t: (order.get(t, len(order)), t)))


def changed_lines(original: str, mutated: str) -> set[int]:
    """1-based lines of `original` that a mutation touches."""
    if original == mutated:
        return set()
    (start_line, _), (end_line, end_col) = zones.changed_region(original, mutated)
    if end_line > start_line and end_col == 0:
        end_line -= 1  # the region stops at the start of a line it does not touch
    return set(range(start_line, end_line + 1))


@dataclass(frozen=True)
class _Shape:
    function_lines: frozenset[int]
    # (first line, last line, header end) of every statement
    statements: tuple[tuple[int, int, int], ...]
    # module-level statement (first line, last line) -> lines that use what it defines
    users: tuple[tuple[int, int, frozenset[int]], ...]

    def users_of(self, line: int) -> frozenset[int]:
        """Lines using what the module-level statement holding `line` defines: the lines that
        read a name it assigns, or the body of the function or class it defines."""
        for first, last, lines in self.users:
            if first <= line <= last:
                return lines
        return frozenset()

    def statement_lines(self, line: int) -> range:
        """The lines coverage may have recorded for the statement holding `line`.

        Coverage records a multi-line statement on the lines Python reports for it, which may be
        its first line or an inner one: take them all. For a compound statement (if/for/while/
        with/try), only its header, not the body.
        """
        inner = [s for s in self.statements if s[0] <= line <= s[2]]
        if not inner:
            return range(line, line + 1)
        first, _, header_end = max(inner, key=lambda s: s[0])
        return range(first, header_end + 1)


@lru_cache(maxsize=8)
def _shape(source: str) -> _Shape:
    tree = ast.parse(source)
    statements = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            last = node.end_lineno or node.lineno
            body = getattr(node, "body", None)
            header_end = last
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                header_end = max(node.lineno, body[0].lineno - 1)
            statements.append((node.lineno, last, header_end))
    return _Shape(
        zones.analyse(source).function_lines, tuple(statements), tuple(_users(tree))
    )


def _users(tree: ast.Module) -> list[tuple[int, int, frozenset[int]]]:
    reads: dict[str, set[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.id, set()).add(node.lineno)
    found = []
    for statement in tree.body:
        first = min(
            [
                statement.lineno,
                *(d.lineno for d in getattr(statement, "decorator_list", [])),
            ]
        )
        last = statement.end_lineno or statement.lineno
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines = {
                n
                for s in statement.body
                for n in range(s.lineno, (s.end_lineno or s.lineno) + 1)
            }
        else:
            targets = [
                node.id
                for node in ast.walk(statement)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
            ]
            lines = set().union(*(reads.get(name, set()) for name in targets))
            lines -= set(range(first, last + 1))
        found.append((first, last, frozenset(lines)))
    return found
