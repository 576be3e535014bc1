"""`harness mutants`: mutation runs of the targets of `[tool.harness.mutants]`, and their report.

    harness mutants                          every target, every suite, fast runner, 2 jobs
    harness mutants --service usage --suite harness
    harness mutants --sample 4               a smoke run: 4 mutants per suite (CI)
    harness mutants --runner plain --jobs 1  plain mutmut, one mutant after the other
    harness mutants --verify 5               re-check 5 fast verdicts per suite with plain mutmut
    harness mutants --since origin/main      only the mutants on lines changed since the ref
    harness mutants --shard 2/3 --output part-2.json    this machine's part of a CI matrix
    harness mutants merge part-*.json        the reports of the whole run, from its parts

Targets, suites and published figures come from `[tool.harness.mutants]` in the project's
pyproject.toml (see harness/mutation/config.py). Verdicts are kept in a cache between runs
(`cache` in that table, `--no-cache` to ignore it) and reused while their inputs are unchanged.
CI_NODE_INDEX and CI_NODE_TOTAL (GitLab's `parallel:`) stand for `--shard` when it is not given.

Exit codes: 0 when every mutant the filters kept in the gating suites is killed (or declared
equivalent) and every check passed; 1 when some survive (not counted in a --sample smoke run, nor
by a shard, whose merge judges), a run failed, or the fast runner disagreed with plain mutmut;
2 for a usage or configuration error.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
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
    from harness.mutation.run import FAST, PLAIN

    parser = subparsers.add_parser(
        "mutants",
        help="run mutation testing and write before/after reports",
        description=(
            "Run mutmut 2.5.1 on each target of [tool.harness.mutants] in pyproject.toml, once "
            "per suite, each in a temporary copy of the project (the checkout is never "
            "mutated), and write reports/mutation.{md,json,html} and the mutation-testing-"
            "elements reports reports/mutation-elements/SUITE.json. `harness mutants merge PART...` "
            "writes the same reports from the parts of a sharded run."
        ),
        epilog="Exit codes: 0 all kept mutants killed, 1 survivors or failures, 2 usage error.",
    )
    parser.add_argument(
        "--service",
        action="append",
        metavar="TARGET",
        help="target of [tool.harness.mutants.targets] to mutate (repeatable; default: all)",
    )
    parser.add_argument(
        "--suite",
        action="append",
        help="suite of [tool.harness.mutants] to run (repeatable; default: all)",
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
        help="test only N mutants per suite, spread over the files (a smoke run, for CI)",
    )
    parser.add_argument(
        "--verify",
        type=_non_negative,
        default=3,
        metavar="N",
        help="re-run N mutants per suite with plain mutmut and compare verdicts (default 3, 0 to skip)",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="only the mutants on lines changed since the git ref REF (e.g. origin/main, HEAD~1)",
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help=(
            "run part K of N (1-based, cost-balanced) and write it to --output; default from "
            "CI_NODE_INDEX/CI_NODE_TOTAL when set"
        ),
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="where a shard writes its partial result (JSON), for `harness mutants merge`",
    )
    _common(parser)
    parser.set_defaults(run=run)
    merging = parser.add_subparsers(dest="mutants_command", metavar="merge")
    merge_parser = merging.add_parser(
        "merge",
        help="write the reports of a sharded run from its parts",
        description="Write the reports a single run would have written, from the N parts of a run "
        "with --shard K/N --output PART.",
    )
    merge_parser.add_argument("parts", nargs="+", type=Path, metavar="PART")
    _common(merge_parser)
    merge_parser.set_defaults(run=run_merge)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where to write mutation.md, .json, .html and mutation-elements/ (default: reports)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project root, holding pyproject.toml (default: current directory)",
    )
    parser.add_argument(
        "--no-cache",
        dest="use_cache",
        action="store_false",
        help="neither reuse nor store verdicts (the `cache` of [tool.harness.mutants])",
    )


def _shard(text: str) -> tuple[int, int]:
    from harness.mutation.plan import parse_shard

    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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


def _usage(message: str) -> int:
    print(f"harness mutants: {message}", file=sys.stderr)
    return EXIT_USAGE


def _mutmut_version() -> str | None:
    try:
        version = importlib.metadata.version("mutmut")
    except importlib.metadata.PackageNotFoundError:
        print(
            "harness mutants: mutmut is not installed; pip install 'mutmut==2.5.1'",
            file=sys.stderr,
        )
        return None
    if not version.startswith("2."):
        print(
            f"harness mutants: mutmut {version} found, 2.x needed (3.x has no pre_mutation hook); "
            "pip install 'mutmut==2.5.1'",
            file=sys.stderr,
        )
        return None
    return version


def run(args: argparse.Namespace) -> int:
    from harness.errors import ConfigError
    from harness.mutation import config as mutants_config
    from harness.mutation.model import (
        MutationError,
        RunReport,
        ServiceResult,
        SuiteResult,
        Verification,
    )
    from harness.mutation.plan import shard_from_env
    from harness.mutation.run import Job, Options, Progress, resolve_suite, run_all

    root = args.root.resolve()
    version = _mutmut_version()
    if version is None:
        return EXIT_USAGE
    try:
        config = mutants_config.load(root)
        chosen = mutants_config.select(config, args.service, args.suite)
        shard = args.shard or shard_from_env(os.environ)
    except (ConfigError, ValueError) as error:
        return _usage(str(error))
    if shard is not None and args.output is None:
        return _usage(
            f"--shard {shard[0]}/{shard[1]} (or CI_NODE_INDEX/CI_NODE_TOTAL) needs --output PATH "
            "for the partial result; `harness mutants merge` writes the reports"
        )
    if args.output is not None and shard is None:
        shard = (1, 1)
    since = None
    if args.since is not None:
        try:
            since = changed_lines(root, args.since)
        except MutationError as error:
            return _usage(str(error))

    services: dict[str, ServiceResult] = {}
    jobs: list[Job] = []
    for target in chosen.targets:
        try:
            files = target.files(root)
        except MutationError as error:
            return _usage(str(error))
        if since is not None and not any(since.get(f) for f in files):
            continue  # nothing of it changed: nothing to test
        service = services[target.name] = ServiceResult(
            target.name, files, published=target.published
        )
        for name in chosen.suites:
            suite = target.suites.get(name)
            if suite is None:
                continue
            try:
                paths = resolve_suite(root, suite.tests)
            except MutationError as error:
                if args.suite:  # asked for by name: a usage error
                    return _usage(f"{target.name}/{name}: {error}")
                service.suites[name] = SuiteResult(
                    name, (), 0, [], 0.0, args.runner, error=str(error),
                    title=suite.title, gate=suite.gate,
                )  # fmt: skip
                continue
            jobs.append(Job(target, suite, paths, files))
    if since is not None and not services:
        print(
            f"harness mutants: no line of {', '.join(t.name for t in chosen.targets)} changed "
            f"since {args.since}: nothing to test",
            file=sys.stderr,
        )
    # Longest first: the biggest module with the slowest suite should not start last.
    jobs.sort(key=lambda j: -sum((root / f).stat().st_size for f in j.files))

    cache = _open_cache(root, config.cache) if args.use_cache else None
    options = Options(
        runner=args.runner,
        jobs=args.jobs,
        sample=args.sample,
        verify=args.verify,
        shard=shard,
        since=since,
        cache=cache,
    )
    progress = Progress()
    started = time.monotonic()
    results = run_all(root, jobs, options, progress)
    verification = Verification()
    verdicts: dict[str, dict[str, str]] = {}
    for job, result in zip(jobs, results):
        services[job.target.name].suites[job.suite.name] = result
        verification.checked += [
            (job.target.name, job.suite.name, i, fast, plain)
            for i, fast, plain in job.verification
        ]
        verdicts.update(job.verdicts)
    for service in services.values():  # suites in the configured order
        service.suites = {
            name: service.suites[name]
            for name in config.suites
            if name in service.suites
        }
    if cache is not None:
        cache.record(verdicts)
        cache.save()

    report = RunReport(
        services=list(services.values()),
        runner=args.runner,
        jobs=args.jobs,
        seconds=time.monotonic() - started,
        mutmut_version=version,
        sample=args.sample,
        verification=verification if verification.checked else None,
        since=args.since,
    )
    if shard is not None:
        from harness.mutation.shards import write_partial

        write_partial(report, shard, verdicts, args.output)
        print(f"shard {shard[0]}/{shard[1]}: {args.output}")
        failed = any(r.error for s in report.services for r in s.suites.values())
        return EXIT_FINDINGS if failed else EXIT_OK
    return _write(report, args.reports, root)


def run_merge(args: argparse.Namespace) -> int:
    from harness.errors import ConfigError
    from harness.mutation import config as mutants_config
    from harness.mutation.model import MutationError
    from harness.mutation.shards import merge

    try:
        report, verdicts = merge(args.parts)
    except MutationError as error:
        return _usage(str(error))
    root = args.root.resolve()
    if args.use_cache:
        try:
            cache = _open_cache(root, mutants_config.load(root).cache)
        except ConfigError:
            cache = None  # merging needs no configuration; the cache is a bonus
        if cache is not None:
            cache.record(verdicts)
            cache.save()
    return _write(report, args.reports, root)


def _open_cache(root: Path, location: str):  # type: ignore[no-untyped-def]
    from harness.mutation.verdicts import VerdictCache

    return VerdictCache.load(root / location) if location else None


def _write(report: RunReport, directory: Path, root: Path) -> int:
    from harness.mutation import report as reports

    written = reports.write_reports(report, directory, root)
    print(reports.summary(report))
    print("reports: " + ", ".join(str(p) for p in written))
    return _exit_code(report)


def changed_lines(root: Path, ref: str) -> dict[str, frozenset[int]]:
    """1-based lines of each file changed since the git ref (the working tree against it)."""
    from harness.mutation.model import MutationError

    try:
        result = subprocess.run(
            ["git", "-C", str(root), "diff", "--unified=0", "--no-color", "--no-ext-diff",
             "--relative", ref, "--", "*.py"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    except OSError as error:
        raise MutationError(f"--since {ref}: cannot run git ({error})") from None
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["git diff failed"])[0]
        raise MutationError(f"--since {ref}: {first}")
    lines: dict[str, set[int]] = {}
    current = None
    for line in result.stdout.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = name[2:] if name.startswith("b/") else None
        elif line.startswith("@@") and current is not None:
            added = line.split(" ")[2]  # +start[,count]
            start, _, count = added[1:].partition(",")
            span = int(count) if count else 1
            lines.setdefault(current, set()).update(
                range(int(start), int(start) + span)
            )
    return {name: frozenset(found) for name, found in lines.items()}


def _exit_code(report: RunReport) -> int:
    failed = any(
        result.error
        for service in report.services
        for result in service.suites.values()
    )
    # A smoke run checks the machinery on a handful of mutants, not the suites' strength.
    unexplained = report.sample is None and any(
        result.survived - result.equivalent > 0
        for service in report.services
        for result in service.suites.values()
        if result.gate
    )
    mismatched = report.verification is not None and bool(
        report.verification.mismatches
    )
    return EXIT_FINDINGS if failed or unexplained or mismatched else EXIT_OK
