"""Partial results of `harness mutants --shard K/N --output PATH`, and merging them.

Each CI job of a matrix runs one shard: its part of every target x suite (`plan.partition`),
written to PATH as JSON. `harness mutants merge PATH...` checks that the parts are the N shards
of one run (each exactly once, the same mutants listed by each), puts the mutants back in their
order and gives back the `RunReport` a single run would have made: the same reports follow.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.mutation.model import (
    Mutant,
    MutationError,
    Published,
    RunReport,
    ServiceResult,
    SuiteResult,
    Verification,
)

FORMAT = "harness-mutants-partial/1"


def write_partial(
    report: RunReport,
    shard: tuple[int, int],
    verdicts: dict[str, dict[str, str]],
    path: Path,
) -> None:
    """Write one shard's results, and the verdicts it reached."""
    data = {
        "format": FORMAT,
        "shard": list(shard),
        "runner": report.runner,
        "jobs": report.jobs,
        "seconds": report.seconds,
        "mutmut": report.mutmut_version,
        "sample": report.sample,
        "since": report.since,
        "targets": [
            {
                "name": service.name,
                "files": list(service.files),
                "published": asdict(service.published) if service.published else None,
                "suites": [
                    {
                        **_suite(result),
                        "verification": [
                            [i, fast, plain]
                            for s, suite, i, fast, plain in (
                                report.verification.checked
                                if report.verification
                                else []
                            )
                            if s == service.name and suite == name
                        ],
                    }
                    for name, result in service.suites.items()
                ],
            }
            for service in report.services
        ],
        "verdicts": verdicts,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def _suite(result: SuiteResult) -> dict[str, Any]:
    return {
        "suite": result.suite,
        "title": result.title,
        "gate": result.gate,
        "paths": list(result.paths),
        "tests": result.tests,
        "seconds": result.seconds,
        "runner": result.runner,
        "error": result.error,
        "listed": result.listed,
        "decisions": dict(result.decisions),
        "mutants": [asdict(m) for m in result.mutants],
    }


def read_partial(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise MutationError(f"{path}: not a partial result ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MutationError(
            f"{path}: not a partial result of `harness mutants --shard` ({FORMAT})"
        )
    return data


def merge(paths: Sequence[Path]) -> tuple[RunReport, dict[str, dict[str, str]]]:
    """The report of the whole run, and every verdict the shards reached (for the cache)."""
    parts = [(path, read_partial(path)) for path in paths]
    totals = {data["shard"][1] for _, data in parts}
    if len(totals) != 1:
        raise MutationError(
            f"the parts come from runs of different sizes: N = {sorted(totals)}"
        )
    (total,) = totals
    seen: dict[int, Path] = {}
    for path, data in parts:
        index = data["shard"][0]
        if index in seen:
            raise MutationError(
                f"shard {index}/{total} given twice: {seen[index]} and {path}"
            )
        seen[index] = path
    missing = sorted(set(range(1, total + 1)) - set(seen))
    if missing:
        raise MutationError(
            f"shard(s) {', '.join(f'{k}/{total}' for k in missing)} missing: pass all {total} parts"
        )
    parts.sort(key=lambda item: item[1]["shard"][0])
    first = parts[0][1]
    for key in ("runner", "mutmut", "sample", "since"):
        values = {json.dumps(data[key]) for _, data in parts}
        if len(values) != 1:
            raise MutationError(
                f"the parts differ in {key}: {', '.join(sorted(values))}"
            )

    services: dict[str, ServiceResult] = {}
    verification = Verification()
    verdicts: dict[str, dict[str, str]] = {}
    for path, data in parts:
        verdicts.update(data.get("verdicts", {}))
        for target in data["targets"]:
            service = services.setdefault(
                target["name"],
                ServiceResult(
                    target["name"],
                    tuple(target["files"]),
                    published=Published(**target["published"])
                    if target["published"]
                    else None,
                ),
            )
            for suite in target["suites"]:
                _add(service, suite, path)
                verification.checked += [
                    (target["name"], suite["suite"], i, fast, plain)
                    for i, fast, plain in suite["verification"]
                ]
    whole = first["sample"] is None and first["since"] is None
    for service in services.values():
        for result in service.suites.values():
            result.mutants.sort(key=lambda m: m.id)
            _check_complete(service.name, result, whole)
    verification.checked.sort(key=lambda row: (row[0], row[1], row[2]))
    report = RunReport(
        services=list(services.values()),
        runner=first["runner"],
        jobs=first["jobs"],
        seconds=max(data["seconds"] for _, data in parts),
        mutmut_version=first["mutmut"],
        sample=first["sample"],
        verification=verification if verification.checked else None,
        since=first["since"],
    )
    return report, verdicts


def _add(service: ServiceResult, suite: dict[str, Any], path: Path) -> None:
    mutants = [
        Mutant(**{**m, "location": tuple(m["location"]) if m["location"] else None})
        for m in suite["mutants"]
    ]
    result = service.suites.get(suite["suite"])
    if result is None:
        result = service.suites[suite["suite"]] = SuiteResult(
            suite=suite["suite"],
            paths=tuple(suite["paths"]),
            tests=suite["tests"],
            mutants=[],
            seconds=0.0,
            runner=suite["runner"],
            title=suite["title"],
            gate=suite["gate"],
            listed=suite["listed"],
        )
    elif result.listed != suite["listed"]:
        raise MutationError(
            f"{path}: {service.name}/{suite['suite']} lists {suite['listed']} mutants, another "
            f"part {result.listed}: the shards ran on different code"
        )
    result.mutants += mutants
    result.seconds = max(result.seconds, suite["seconds"])
    result.decisions += Counter(suite["decisions"])
    if suite["error"]:
        result.error = "\n".join(filter(None, [result.error, suite["error"]]))
    if result.runner != suite["runner"]:  # one shard fell back to the plain runner
        result.runner = "mixed"


def _check_complete(name: str, result: SuiteResult, whole: bool) -> None:
    """Every mutant in exactly one part (when the parts all planned alike, they are)."""
    ids = [m.id for m in result.mutants]
    if len(ids) != len(set(ids)) or (
        whole and not result.error and len(ids) != result.listed
    ):
        raise MutationError(
            f"{name}/{result.suite}: {len(set(ids))} of {result.listed} mutants in the parts, "
            f"{len(ids) - len(set(ids))} twice: the shards planned on different code or "
            "coverage; run them again from one commit"
        )
