"""`harness mutants`: mutation runs of the legacy services, before and after, and their report.

    harness mutants                          every service, both suites, fast runner, 2 jobs
    harness mutants --service usage --suite harness
    harness mutants --sample 4               a smoke run: 4 mutants per suite (CI)
    harness mutants --runner plain --jobs 1  plain mutmut, one mutant after the other
    harness mutants --verify 5               re-check 5 fast verdicts per suite with plain mutmut

Exit codes: 0 when every mutant the filters kept in the harness suites is killed (or declared
equivalent) and every check passed; 1 when some survive (not counted in a --sample smoke run),
a run failed, or the fast runner disagreed with plain mutmut; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.mutation.model import RunReport

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    from harness.mutation.model import BASELINE, HARNESS
    from harness.mutation.run import FAST, PLAIN, TARGETS

    parser = subparsers.add_parser(
        "mutants",
        help="run mutation testing and write before/after reports",
        description=(
            "Run mutmut 2.5.1 on each legacy service, once with its hand-written baseline suite "
            "and once with its harness plugin suite, each in a temporary copy of the project "
            "(the checkout is never mutated), and write reports/mutation.{md,json,html}."
        ),
        epilog="Exit codes: 0 all kept mutants killed, 1 survivors or failures, 2 usage error.",
    )
    parser.add_argument(
        "--service",
        action="append",
        choices=[t.service for t in TARGETS],
        help="service to mutate (repeatable; default: all)",
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=[BASELINE, HARNESS],
        help="suite to run (repeatable; default: both)",
    )
    parser.add_argument(
        "--runner",
        choices=[FAST, PLAIN],
        default=FAST,
        help="fast: warm server, a fork per mutant, covering tests first (default); plain: pytest per mutant",
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=min(2, os.cpu_count() or 1),
        metavar="N",
        help="suites run at once (default: 2, or 1 on a single core)",
    )
    parser.add_argument(
        "--sample",
        type=_positive,
        metavar="N",
        help="test only N mutants per suite, spread over the file (a smoke run, for CI)",
    )
    parser.add_argument(
        "--verify",
        type=_non_negative,
        default=3,
        metavar="N",
        help="re-run N mutants per suite with plain mutmut and compare verdicts (default 3, 0 to skip)",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where to write mutation.md, .json and .html (default: reports)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project root (default: current directory)",
    )
    parser.set_defaults(run=run)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from harness.mutation import report as reports
    from harness.mutation.model import (
        BASELINE,
        HARNESS,
        MutationError,
        RunReport,
        ServiceResult,
        SuiteResult,
        Verification,
    )
    from harness.mutation.run import (
        TARGETS,
        Job,
        Options,
        Progress,
        resolve_suite,
        run_all,
    )

    root = args.root.resolve()
    try:
        version = importlib.metadata.version("mutmut")
    except importlib.metadata.PackageNotFoundError:
        print(
            "harness mutants: mutmut is not installed; pip install 'mutmut==2.5.1'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not version.startswith("2."):
        print(
            f"harness mutants: mutmut {version} found, 2.x needed (3.x has no pre_mutation hook); "
            "pip install 'mutmut==2.5.1'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    targets = [t for t in TARGETS if not args.service or t.service in args.service]
    suites = args.suite or [BASELINE, HARNESS]
    missing = [t.file for t in targets if not (root / t.file).is_file()]
    if missing:
        print(
            f"harness mutants: {', '.join(missing)} not found under {root}; run from the project root or pass --root",
            file=sys.stderr,
        )
        return EXIT_USAGE

    services = {t.service: ServiceResult(t.service, t.file) for t in targets}
    jobs: list[Job] = []
    for target in targets:
        for suite in suites:
            try:
                paths = resolve_suite(root, target.suites[suite])
            except MutationError as error:
                if args.suite:  # asked for by name: a usage error
                    print(
                        f"harness mutants: {target.service}/{suite}: {error}",
                        file=sys.stderr,
                    )
                    return EXIT_USAGE
                services[target.service].suites[suite] = SuiteResult(
                    suite, (), 0, [], 0.0, args.runner, error=str(error)
                )
                continue
            jobs.append(Job(target, suite, paths))
    # Longest first: the biggest module with the slowest suite should not start last.
    jobs.sort(key=lambda j: -(root / j.target.file).stat().st_size)

    options = Options(
        runner=args.runner, jobs=args.jobs, sample=args.sample, verify=args.verify
    )
    progress = Progress()
    started = time.monotonic()
    results = run_all(root, jobs, options, progress)
    verification = Verification()
    for job, result in zip(jobs, results):
        services[job.target.service].suites[job.suite] = result
        verification.checked += [
            (job.target.service, job.suite, i, fast, plain)
            for i, fast, plain in job.verification
        ]
    for service in services.values():  # suites in a stable order: before, then after
        service.suites = {
            name: service.suites[name]
            for name in (BASELINE, HARNESS)
            if name in service.suites
        }

    report = RunReport(
        services=list(services.values()),
        runner=args.runner,
        jobs=args.jobs,
        seconds=time.monotonic() - started,
        mutmut_version=version,
        sample=args.sample,
        verification=verification if verification.checked else None,
    )
    written = reports.write_reports(report, args.reports)
    print(reports.summary(report))
    print("reports: " + ", ".join(str(p) for p in written))
    return _exit_code(report)


def _exit_code(report: RunReport) -> int:
    from harness.mutation.model import HARNESS

    failed = any(
        result.error
        for service in report.services
        for result in service.suites.values()
    )
    # A smoke run checks the machinery on a handful of mutants, not the suites' strength.
    unexplained = report.sample is None and any(
        result.survived - result.equivalent > 0
        for service in report.services
        for name, result in service.suites.items()
        if name == HARNESS
    )
    mismatched = report.verification is not None and bool(
        report.verification.mismatches
    )
    return EXIT_FINDINGS if failed or unexplained or mismatched else EXIT_OK
