"""Which of a suite's mutants a run tests, decided before mutmut starts.

From the mutants mutmut would make (`inventory list`) and the suite's per-line coverage (the warm
server's coverage pass), for one target x suite:

* **cost**: what testing a mutant will take, in tests run (the covering tests, the whole suite
  for a line that runs at import, none for a line no test runs), plus one for the fork; known
  before anything runs, and the same on every machine for the same code and tests;
* **shard** (`--shard K/N`): the mutants split into N parts of near-equal cost, the longest
  first onto the least loaded part: deterministic, so N machines that each compute it run
  every mutant exactly once between them;
* **verdict cache key**: what a verdict depends on: the mutated function's source (the whole
  module for a mutant at module level), the mutant's place in it, and the source of the tests
  that cover its line (with their conftests); a survivor also needs the whole suite unchanged,
  since only the whole suite can confirm it;
* **verification**: which fresh verdicts to re-check with plain mutmut, one of each way the fast
  runner can decide (no test runs the line; its covering tests; the whole suite) in turn,
  chosen the same whatever the shard, so merged shards verify what a single run would.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.mutation import zones
from harness.mutation.selection import FULL, NONE, TESTS, CoverageMap, Selection

FORK_COST = 1.0  # a mutant costs a fork and an import on top of the tests it runs
SKIPPED_COST = 0.05  # a mutant the filters skip costs only the hook's verdict
CACHE_FORMAT = 1  # bump when what a key covers changes


@dataclass(frozen=True)
class Listed:
    """A mutant as `inventory list` describes it, before any run."""

    id: int  # 1-based position in the listing: the same on every machine for the same files
    file: str
    line_number: int  # 0-based, as mutmut counts
    index: int
    line: str
    skip_reason: str | None
    mutator: str
    location: tuple[int, int, int, int] | None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.file, self.line_number, self.index)

    @classmethod
    def from_json(cls, position: int, data: Mapping[str, Any]) -> Listed:
        location = data.get("location")
        return cls(
            id=position,
            file=data["file"],
            line_number=data["line_number"],
            index=data["index"],
            line=data["line"],
            skip_reason=data.get("skip_reason"),
            mutator=data.get("mutator", ""),
            location=tuple(location) if location else None,  # type: ignore[arg-type]
        )


def parse_shard(text: str) -> tuple[int, int]:
    """ "2/3" -> (2, 3); ValueError with the reason otherwise (K is 1-based, as in CI matrices)."""
    index, slash, total = text.partition("/")
    if not slash or not index.strip().isdigit() or not total.strip().isdigit():
        raise ValueError(f"expected K/N, e.g. 2/3, not {text!r}")
    k, n = int(index), int(total)
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"K must be between 1 and N, not {text!r}")
    return k, n


def shard_from_env(environ: Mapping[str, str]) -> tuple[int, int] | None:
    """GitLab's `parallel:` sets CI_NODE_INDEX (1-based) and CI_NODE_TOTAL."""
    index, total = environ.get("CI_NODE_INDEX"), environ.get("CI_NODE_TOTAL")
    if not index or not total:
        return None
    return parse_shard(f"{index}/{total}")


# --- what each mutant will take ---------------------------------------------------------------


class Coverage:
    """The suite's coverage, asked per mutant line (None: no coverage known, plain runner)."""

    def __init__(self, tree: Path, coverage: CoverageMap | None) -> None:
        self.tree = tree
        self.map = coverage
        self.sources: dict[str, str] = {}

    def source(self, file: str) -> str:
        if file not in self.sources:
            self.sources[file] = (self.tree / file).read_text()
        return self.sources[file]

    def selection(self, mutant: Listed) -> Selection | None:
        if self.map is None:
            return None
        return self.map.select(
            mutant.file, self.source(mutant.file), {mutant.line_number + 1}
        )

    def cost(self, mutant: Listed) -> float:
        if mutant.skip_reason is not None:
            return SKIPPED_COST
        selection = self.selection(mutant)
        if selection is None:
            return FORK_COST
        if selection.kind == NONE:
            return FORK_COST
        if selection.kind == TESTS:
            return FORK_COST + len(selection.tests)
        return FORK_COST + len(self.map.tests if self.map else ())

    def kind(self, mutant: Listed) -> str:
        selection = self.selection(mutant)
        return selection.kind if selection is not None else FULL


def partition(costs: Mapping[int, float], shards: int) -> dict[int, int]:
    """Mutant id -> shard (1-based): costliest first, each onto the least loaded shard."""
    loads = [0.0] * shards
    owner = {}
    for mutant_id in sorted(costs, key=lambda i: (-costs[i], i)):
        shard = min(range(shards), key=lambda s: (loads[s], s))
        loads[shard] += costs[mutant_id]
        owner[mutant_id] = shard + 1
    return owner


def spread(kept: Sequence[Listed], count: int) -> list[Listed]:
    """`count` mutants spread evenly over `kept` (the smoke run's sample)."""
    count = min(count, len(kept))
    if not count:
        return []
    chosen = {round(i * (len(kept) - 1) / max(count - 1, 1)) for i in range(count)}
    return [kept[i] for i in sorted(chosen)]


def verification_picks(
    kept: Sequence[Listed], coverage: Coverage, count: int
) -> list[int]:
    """Ids of up to `count` mutants to re-check with plain mutmut: each way of deciding in turn."""
    groups: dict[str, list[Listed]] = {}
    for mutant in kept:
        groups.setdefault(coverage.kind(mutant), []).append(mutant)
    for (
        members
    ) in groups.values():  # a fixed order that does not favour the top of the file
        members.sort(key=lambda m: _digest([m.file, m.line_number, m.index, m.line]))
    chosen: list[int] = []
    while len(chosen) < count and any(groups.values()):
        for kind in (NONE, TESTS, FULL):
            if groups.get(kind) and len(chosen) < count:
                chosen.append(groups[kind].pop(0).id)
    return sorted(chosen)


# --- verdict cache keys -----------------------------------------------------------------------


class CacheKeys:
    """The verdict cache's key of each mutant of one suite, and the whole suite's fingerprint."""

    def __init__(
        self,
        coverage: Coverage,
        suite_paths: Sequence[str],
        identity: Sequence[str],
    ) -> None:
        self.coverage = coverage
        self.tree = coverage.tree
        self.identity = list(
            identity
        )  # suite name, its paths and options, tool versions
        self.files: dict[str, str] = {}
        self.suite = _digest(
            [*self.identity, self._tests_digest(_suite_files(self.tree, suite_paths))]
        )

    def key(self, mutant: Listed) -> str:
        source = self.coverage.source(mutant.file)
        first, last = _scope_lines(source, mutant.line_number + 1)
        lines = source.split("\n")
        scope_text = "\n".join(lines[first - 1 : last])
        selection = self.coverage.selection(mutant)
        if selection is None or selection.kind == FULL:
            tests = "whole suite:" + self.suite
        else:
            test_files = {t.split("::")[0] for t in selection.tests}
            tests = self._tests_digest(test_files) + json.dumps(sorted(selection.tests))
        return _digest(
            [
                CACHE_FORMAT,
                *self.identity,
                mutant.file,
                scope_text,
                mutant.line_number + 1 - first,
                mutant.line,
                mutant.index,
                tests,
            ]
        )

    def _tests_digest(self, files: Iterable[str]) -> str:
        wanted = set()
        for name in files:
            wanted.add(name)
            wanted.update(_conftests_above(self.tree, name))
        return _digest([[name, self._file_digest(name)] for name in sorted(wanted)])

    def _file_digest(self, name: str) -> str:
        if name not in self.files:
            path = self.tree / name
            self.files[name] = (
                hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
            )
        return self.files[name]


def _scope_lines(source: str, line: int) -> tuple[int, int]:
    """First and last line of the innermost function around `line`; the whole module else."""
    scopes = [
        s for s in zones.analyse(source).scopes if s.first_line <= line <= s.last_line
    ]
    if not scopes:
        return 1, source.count("\n") + 1
    inner = min(scopes, key=lambda s: s.last_line - s.first_line)
    return inner.first_line, inner.last_line


def _suite_files(tree: Path, paths: Sequence[str]) -> list[str]:
    found = []
    for path in paths:
        target = tree / path.split("::")[0]
        if target.is_dir():
            for directory, _, names in os.walk(target):
                found += [
                    os.path.relpath(os.path.join(directory, n), tree)
                    for n in names
                    if n.endswith(".py")
                ]
        elif target.is_file():
            found.append(os.path.relpath(target, tree))
    return sorted(found)


def _conftests_above(tree: Path, name: str) -> list[str]:
    found = []
    directory = Path(name).parent
    while True:
        candidate = directory / "conftest.py"
        if (tree / candidate).is_file():
            found.append(candidate.as_posix())
        if directory == directory.parent:
            return found
        directory = directory.parent


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
