"""The results of mutation runs, as plain records shared by the runner and the report writers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# mutmut 2.5.1's statuses, as stored in `.mutmut-cache`.
KILLED = "ok_killed"
SUSPICIOUS = "ok_suspicious"  # killed, but slower than mutmut's threshold
TIMEOUT = "bad_timeout"
SURVIVED = "bad_survived"
SKIPPED = "skipped"
UNTESTED = "untested"
STATUSES = (KILLED, SUSPICIOUS, TIMEOUT, SURVIVED, SKIPPED, UNTESTED)


class MutationError(Exception):
    """Something the user can fix: a missing suite, an unreadable cache, a failing baseline."""


@dataclass(frozen=True)
class Published:
    """Figures published for a target before, to compare with (`published` in its config)."""

    tests: int
    mutants: int
    killed: int

    @property
    def score(self) -> float:
        return self.killed / self.mutants


@dataclass(frozen=True)
class Mutant:
    id: int
    file: str
    line_number: int  # 0-based, as mutmut stores it
    line: str  # the original source line
    index: int  # which mutation of that line
    status: str
    skip_reason: str | None = None  # the filter rule that skipped it
    zone: str | None = None  # infrastructure zone, if it falls in one
    scope: str = "module level"  # function (or class) around it
    mutated_line: str = ""
    diff: str = ""
    equivalent: str | None = None  # why this survivor cannot change behaviour
    mutator: str = ""  # the kind of mutation (mutmut's node type)
    # (start line, start column, end line, end column) of what it changes, 1-based, end exclusive
    location: tuple[int, int, int, int] | None = None
    # What covers its line, from the coverage pass (fast runner): "none" (no test runs it),
    # "tests" (some tests, inside a test) or "full" (at import or outside a test).
    coverage: str | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        """Names the mutant across runs of the same source: file, line, index on the line."""
        return (self.file, self.line_number, self.index)

    @property
    def line_no(self) -> int:
        return self.line_number + 1

    @property
    def detected(self) -> bool:
        return self.status in (KILLED, SUSPICIOUS, TIMEOUT)


@dataclass
class SuiteResult:
    suite: str  # its name in [tool.harness.mutants.suites]
    paths: tuple[str, ...]
    tests: int
    mutants: list[Mutant]
    seconds: float
    runner: str  # "fast" or "plain"
    error: str | None = None
    # Fast runner: how its verdicts were reached (see `selection`).
    decisions: Counter[str] = field(default_factory=Counter)
    title: str = ""  # its name in the report (default: `suite`)
    gate: bool = True  # survivors make `harness mutants` fail
    listed: int = 0  # mutants mutmut makes of the files, whichever this run tested

    @property
    def heading(self) -> str:
        return self.title or self.suite

    def count(self, *statuses: str) -> int:
        return sum(1 for m in self.mutants if m.status in statuses)

    @property
    def total(self) -> int:
        return len(self.mutants)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    @property
    def kept(self) -> int:
        return self.total - self.skipped

    @property
    def killed(self) -> int:
        return self.count(KILLED, SUSPICIOUS)

    @property
    def timed_out(self) -> int:
        return self.count(TIMEOUT)

    @property
    def survived(self) -> int:
        return self.count(SURVIVED)

    @property
    def untested(self) -> int:
        return self.count(UNTESTED)

    @property
    def detected(self) -> int:
        return self.killed + self.timed_out

    @property
    def equivalent(self) -> int:
        return sum(1 for m in self.mutants if m.status == SURVIVED and m.equivalent)

    @property
    def score(self) -> float | None:
        """Detected among the mutants the filters kept."""
        return self.detected / self.kept if self.kept else None

    @property
    def score_unfiltered(self) -> float | None:
        """Detected among all mutants: skipped ones count as not detected (a lower bound)."""
        return self.detected / self.total if self.total else None

    @property
    def score_non_equivalent(self) -> float | None:
        """Detected among kept mutants that are not declared equivalent."""
        relevant = self.kept - self.equivalent
        return self.detected / relevant if relevant else None

    @property
    def skip_share(self) -> float | None:
        return self.skipped / self.total if self.total else None

    def skipped_by_rule(self) -> Counter[str]:
        return Counter(
            m.skip_reason or "unknown" for m in self.mutants if m.status == SKIPPED
        )

    def survivors(self) -> list[Mutant]:
        return [m for m in self.mutants if m.status == SURVIVED]

    def timeouts(self) -> list[Mutant]:
        return [m for m in self.mutants if m.status == TIMEOUT]


@dataclass
class ServiceResult:
    """One target of `[tool.harness.mutants]`: its files and a result per suite."""

    name: str
    files: tuple[str, ...]
    suites: dict[str, SuiteResult] = field(default_factory=dict)
    published: Published | None = None


@dataclass
class Verification:
    """Fast-runner verdicts checked against plain mutmut's on a sample of mutants."""

    # (service, suite, mutant id, fast status, plain status)
    checked: list[tuple[str, str, int, str, str]] = field(default_factory=list)

    @property
    def mismatches(self) -> list[tuple[str, str, int, str, str]]:
        return [row for row in self.checked if _verdict(row[3]) != _verdict(row[4])]


def _verdict(status: str) -> str:
    return "killed" if status in (KILLED, SUSPICIOUS) else status


@dataclass
class RunReport:
    services: list[ServiceResult]
    runner: str
    jobs: int
    seconds: float
    mutmut_version: str
    sample: int | None = None  # smoke runs: mutants tested per suite
    verification: Verification | None = None
    since: str | None = None  # only mutants on lines changed since this git ref
