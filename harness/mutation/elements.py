"""The run as mutation-testing-elements reports: the JSON Stryker's HTML viewer and dashboard read.

One report per suite (`reports/mutation-elements/<suite>.json`): a suite is one measurement of
the code, and a file of the format holds one verdict per mutant. Schema version 1 (the npm
package `mutation-testing-report-schema`); fields:

* per file (its path relative to the project): `language`, the whole `source`, `mutants`;
* per mutant: `id` (the run's mutant id), `mutatorName` (mutmut's kind of mutation),
  `location` (1-based lines and columns, end exclusive), `status`, and where known
  `statusReason` (the filter rule of an ignored mutant, the reason of a declared equivalent
  one), `replacement` and `description`.

Statuses: mutmut's killed and "suspicious" (killed, slowly) are `Killed`; a survivor whose line
no test runs (the coverage pass says so) is `NoCoverage`, another `Survived`; `Timeout`; a
mutant the filters skipped is `Ignored`; one the run did not reach is `Pending`. Nothing here
depends on time, so the sharded and the single run of the same code give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness import __version__
from harness.mutation.model import (
    KILLED,
    SKIPPED,
    SURVIVED,
    SUSPICIOUS,
    TIMEOUT,
    UNTESTED,
    Mutant,
    RunReport,
)
from harness.mutation.selection import NONE

SCHEMA_VERSION = "1"
THRESHOLDS = {
    "high": 80,
    "low": 60,
}  # Stryker's defaults: the viewer colours scores by them

# mutmut's node types, by the names Stryker's mutators use where one fits.
MUTATOR_NAMES = {
    "operator": "Operator",
    "keyword": "Keyword",
    "number": "NumberLiteral",
    "name": "Name",
    "string": "StringLiteral",
    "fstring": "StringLiteral",
    "argument": "Argument",
    "or_test": "LogicalOperator",
    "and_test": "LogicalOperator",
    "lambdef": "Lambda",
    "expr_stmt": "Assignment",
    "annassign": "Assignment",
    "decorator": "Decorator",
}


def status(mutant: Mutant) -> str:
    if mutant.status in (KILLED, SUSPICIOUS):
        return "Killed"
    if mutant.status == SURVIVED:
        return "NoCoverage" if mutant.coverage == NONE else "Survived"
    if mutant.status == TIMEOUT:
        return "Timeout"
    if mutant.status == SKIPPED:
        return "Ignored"
    if mutant.status == UNTESTED:
        return "Pending"
    raise ValueError(f"mutant {mutant.id}: unknown status {mutant.status!r}")


def reports(run: RunReport, root: Path) -> dict[str, dict[str, Any]]:
    """Suite name -> its mutation-testing-elements report."""
    by_suite: dict[str, list[Mutant]] = {}
    for service in run.services:
        for name, result in service.suites.items():
            by_suite.setdefault(name, []).extend(result.mutants)
    return {name: _report(run, mutants, root) for name, mutants in by_suite.items()}


def _report(run: RunReport, mutants: list[Mutant], root: Path) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = {}
    for mutant in sorted(mutants, key=lambda m: (m.file, m.id)):
        if mutant.file not in files:
            path = root / mutant.file
            files[mutant.file] = {
                "language": "python",
                "source": path.read_text() if path.is_file() else "",
                "mutants": [],
            }
        files[mutant.file]["mutants"].append(_mutant(mutant))
    return {
        "schemaVersion": SCHEMA_VERSION,
        "thresholds": THRESHOLDS,
        "framework": {
            "name": "harness mutants",
            "version": __version__,
            "dependencies": {"mutmut": run.mutmut_version},
        },
        "files": files,
    }


def _mutant(mutant: Mutant) -> dict[str, Any]:
    if mutant.location is not None:
        start_line, start_column, end_line, end_column = mutant.location
    else:  # the whole line
        start_line, start_column = mutant.line_no, 1
        end_line, end_column = mutant.line_no, len(mutant.line) + 1
    entry: dict[str, Any] = {
        "id": str(mutant.id),
        "mutatorName": MUTATOR_NAMES.get(mutant.mutator, mutant.mutator or "Mutation"),
        "location": {
            "start": {"line": start_line, "column": start_column},
            "end": {"line": end_line, "column": end_column},
        },
        "status": status(mutant),
    }
    reason = None
    if mutant.status == SKIPPED and mutant.skip_reason:
        reason = f"skipped by the filter rule {mutant.skip_reason}"
    elif mutant.equivalent:
        reason = f"declared equivalent: {mutant.equivalent}"
    if reason:
        entry["statusReason"] = reason
    if mutant.mutated_line:
        entry["replacement"] = mutant.mutated_line.strip()
        entry["description"] = f"{mutant.line.strip()} -> {mutant.mutated_line.strip()}"
    return entry
