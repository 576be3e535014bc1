"""How much faster `harness mutants` is than plain mutmut 2.5.1, and that it says the same.

Measured in one run, on the same services, suites, mutmut_config.py filters and pytest options:

  plain   mutmut with a fresh pytest process per mutant (`--runner plain`), one suite after the
          other: mutmut 2.x runs one mutant at a time and nothing else
  harness the warm server (fork per mutant, covering tests first, see harness/mutation/server.py),
          `--jobs` suites at a time (default 2, the cores of this machine)

Every mutant's verdict is compared between the two runs (killed, survived, timed out; mutmut's
"suspicious" is a kill). Both runs work from one snapshot of the project taken at the start, and
each run's CPU time is printed next to its wall time: the machine may be shared.

Run:  .venv/bin/python bench/mutation_speed.py            full run, all services, both suites
      .venv/bin/python bench/mutation_speed.py --smoke    3 mutants per suite of current (CI)
      .venv/bin/python bench/mutation_speed.py --incremental [--service current]
            a full harness run, then a one-line change in one function of the first service
            (a trailing comment on its first statement: the suites still pass) and the
            `--since` run of that change, side by side: mutants and time of each
      .venv/bin/python bench/mutation_speed.py --shards 3 [--service current]
            `harness mutants` once, then as 3 shards one after the other (as a CI matrix
            would run them on 3 machines) and `merge`: every mutant's verdict and every
            report compared (timings apart), and each shard's time against the single run's
Goal: plain / harness >= 4 (wall time) on 2 cores for the full run; the `--since` run of a
one-line change tests at most 5% of the mutants in at most 10% of the full run's time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from harness.mutation import config
from harness.mutation.model import KILLED, SUSPICIOUS, SuiteResult
from harness.mutation.run import (
    FAST,
    PLAIN,
    Job,
    Options,
    Progress,
    resolve_suite,
    run_all,
)
from harness.mutation.workspace import workspace

ROOT = Path(__file__).resolve().parent.parent
GOAL = 4.0


def jobs_for(root: Path, services: list[str], suites: list[str]) -> list[Job]:
    """The jobs `harness mutants` would run, from the project's [tool.harness.mutants]."""
    chosen = config.select(config.load(root), services, suites)
    jobs = [
        Job(
            target,
            target.suites[suite],
            resolve_suite(root, target.suites[suite].tests),
            target.files(root),
        )
        for target in chosen.targets
        for suite in chosen.suites
        if suite in target.suites
    ]
    # Longest first, as `harness mutants` does.
    return sorted(jobs, key=lambda j: -sum((root / f).stat().st_size for f in j.files))


def timed(
    root: Path, jobs: list[Job], options: Options
) -> tuple[float, float, list[SuiteResult]]:
    """Wall time, CPU time (of every process the run started), results."""
    cpu_before = _children_cpu()
    started = time.monotonic()
    results = run_all(root, jobs, options, Progress(sys.stderr))
    return time.monotonic() - started, _children_cpu() - cpu_before, results


def _children_cpu() -> float:
    # Every process of a run is waited for by its parent, so its CPU time lands here. Unlike
    # wall time, it hardly moves when other people's work shares the machine.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def verdict(status: str | None) -> str | None:
    return KILLED if status == SUSPICIOUS else status


def compare(label: str, fast: SuiteResult, plain: SuiteResult) -> list[str]:
    """Every mutant whose verdict differs between the two runs."""
    plain_status = {(m.file, m.line_number, m.index): m.status for m in plain.mutants}
    different = []
    for mutant in fast.mutants:
        other = plain_status.get((mutant.file, mutant.line_number, mutant.index))
        if verdict(other) != verdict(mutant.status):
            different.append(
                f"{label} {mutant.file}:{mutant.line_no} #{mutant.index}: "
                f"harness {mutant.status}, plain {other}"
            )
    return different


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="3 mutants per suite of current (CI)"
    )
    configured = config.load(ROOT)
    parser.add_argument("--service", action="append", choices=list(configured.targets))
    parser.add_argument("--suite", action="append", choices=list(configured.suites))
    parser.add_argument(
        "--jobs", type=int, default=2, help="suites the harness runs at once"
    )
    parser.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="one run against N shards merged: verdicts, reports and times",
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="full run, then the --since run of a one-line change",
    )
    args = parser.parse_args()
    if args.shards:
        return shards(args.shards, args.service or [], args.suite or [], args.jobs)
    if args.incremental:
        return incremental(
            args.service or list(configured.targets), args.suite, args.jobs
        )
    services = args.service or (["current"] if args.smoke else list(configured.targets))
    suites = args.suite or list(configured.suites)
    sample = 3 if args.smoke else None

    # Both runs work from one snapshot: code edited while the bench runs (it takes a while)
    # must not make them mutate or test different things.
    with workspace(ROOT, "bench") as snapshot:
        fast_jobs = jobs_for(snapshot, services, suites)
        plain_jobs = jobs_for(snapshot, services, suites)
        fast_options = Options(runner=FAST, jobs=args.jobs, sample=sample, verify=0)
        fast_wall, fast_cpu, fast = timed(snapshot, fast_jobs, fast_options)
        plain_options = Options(runner=PLAIN, jobs=1, sample=sample, verify=0)
        plain_wall, plain_cpu, plain = timed(snapshot, plain_jobs, plain_options)

    lines = [
        f"{'suite':<20}{'mutants':>8}{'tested':>8}{'plain s':>10}{'harness s':>11}{'ratio':>8}"
    ]
    different: list[str] = []
    compared = 0
    for job, fast_result, plain_result in zip(fast_jobs, fast, plain, strict=True):
        label = job.label
        for result, runner in ((fast_result, "harness"), (plain_result, "plain")):
            if result.error:
                print(f"{label} ({runner}) failed: {result.error}", file=sys.stderr)
                return 2
        ratio = (
            plain_result.seconds / fast_result.seconds if fast_result.seconds else 0.0
        )
        lines.append(
            f"{label:<20}{fast_result.total:>8}{fast_result.kept:>8}"
            f"{plain_result.seconds:>10.1f}{fast_result.seconds:>11.1f}{ratio:>8.1f}"
        )
        compared += fast_result.total
        different += compare(label, fast_result, plain_result)

    wall_ratio = plain_wall / fast_wall if fast_wall else 0.0
    cpu_ratio = plain_cpu / fast_cpu if fast_cpu else 0.0
    goal = "met" if wall_ratio >= GOAL else "NOT met"
    lines += [
        "",
        f"plain mutmut, one suite at a time:  wall {plain_wall:7.1f} s   cpu {plain_cpu:7.1f} s",
        f"harness, {args.jobs} suites at a time:      wall {fast_wall:7.1f} s   cpu {fast_cpu:7.1f} s",
        f"ratio plain / harness, wall:        {wall_ratio:6.1f}x  (goal {GOAL:.0f}x on 2 cores: {goal})",
        f"ratio plain / harness, cpu:         {cpu_ratio:6.1f}x",
        f"verdicts compared: {compared}, different: {len(different)}",
        *(f"  {line}" for line in different),
    ]
    if args.smoke:
        lines.append(
            "(smoke run: a handful of mutants; the ratio says little at this size)"
        )
    print("\n".join(lines))
    return 1 if different else 0


def incremental(services: list[str], suites: list[str] | None, jobs: int) -> int:
    """A full run, then the `--since` run of a one-line change in one function."""
    import ast

    with workspace(ROOT, "bench") as snapshot:
        chosen = suites or list(config.load(snapshot).suites)
        full_jobs = jobs_for(snapshot, services, chosen)
        full_wall, full_cpu, full = timed(
            snapshot, full_jobs, Options(runner=FAST, jobs=jobs)
        )
        target = full_jobs[0].files[0]
        source = (snapshot / target).read_text()
        function = next(
            node
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        line = function.body[0].lineno
        lines = source.split("\n")
        lines[line - 1] += "  # a one-line change"
        (snapshot / target).write_text("\n".join(lines))
        since_jobs = [
            j for j in jobs_for(snapshot, services, chosen) if target in j.files
        ]
        options = Options(runner=FAST, jobs=jobs, since={target: frozenset({line})})
        since_wall, since_cpu, since = timed(snapshot, since_jobs, options)
    for result in full + since:
        if result.error:
            print(f"a run failed: {result.error}", file=sys.stderr)
            return 2
    total = sum(r.total for r in full)
    tested = sum(r.total for r in since)
    print(
        "\n".join(
            [
                f"full run:   {total} mutants, wall {full_wall:7.1f} s, cpu {full_cpu:7.1f} s",
                (
                    f"--since:    {tested} mutants ({target}:{line}, in {function.name}), "
                    f"wall {since_wall:7.1f} s, cpu {since_cpu:7.1f} s"
                ),
                f"share of the mutants re-run: {tested / total:.1%} (goal <= 5%)",
                (
                    f"share of the full run's time: wall {since_wall / full_wall:.1%}, "
                    f"cpu {since_cpu / full_cpu:.1%} (goal <= 10%)"
                ),
            ]
        )
    )
    return 0


def shards(count: int, services: list[str], suites: list[str], jobs: int) -> int:
    """One run, then `count` shards and their merge, through the command line as CI runs them."""
    import difflib
    import json
    import subprocess
    import tempfile

    from harness.mutation.report import without_timings

    def harness(cwd: Path, *args: str) -> tuple[int, float, float]:
        cpu_before, started = _children_cpu(), time.monotonic()
        code = subprocess.run(
            [sys.executable, "-m", "harness.cli", *args], cwd=cwd, check=False
        ).returncode
        return code, time.monotonic() - started, _children_cpu() - cpu_before

    chosen = [*(f"--service={s}" for s in services), *(f"--suite={s}" for s in suites)]
    common = ["mutants", "--verify", "0", "--no-cache", "--jobs", str(jobs), *chosen]
    with workspace(ROOT, "bench") as snapshot, tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        single = harness(snapshot, *common, "--reports", str(out / "single"))
        parts = [
            harness(snapshot, *common, "--shard", f"{k}/{count}", "--output", str(out / f"part-{k}.json"))
            for k in range(1, count + 1)
        ]  # fmt: skip
        merged = harness(
            snapshot, "mutants", "merge", *(str(out / f"part-{k}.json") for k in range(1, count + 1)),
            "--no-cache", "--reports", str(out / "merged"),
        )  # fmt: skip
        if single[0] > 1 or merged[0] > 1 or any(p[0] != 0 for p in parts):
            print("a run failed (exit codes above)", file=sys.stderr)
            return 2
        statuses = {}
        for name in ("single", "merged"):
            statuses[name] = {
                (path.name, file, m["id"]): m["status"]
                for path in sorted((out / name / "mutation-elements").glob("*.json"))
                for file, data in json.loads(path.read_text())["files"].items()
                for m in data["mutants"]
            }
        different = sorted(
            key for key in statuses["single"].keys() | statuses["merged"].keys()
            if statuses["single"].get(key) != statuses["merged"].get(key)
        )  # fmt: skip
        reports = sorted(
            p.relative_to(out / "single") for p in (out / "single").rglob("*") if p.is_file()
        )  # fmt: skip
        unequal, diffs = [], []
        for report in reports:
            one, other = (
                without_timings((out / side / report).read_text()).splitlines()
                for side in ("single", "merged")
            )
            if one != other:
                unequal.append(str(report))
                diffs += list(difflib.unified_diff(one, other, "single", "merged", n=1, lineterm=""))[:40]
    slowest = max(p[1] for p in parts)
    lines = [
        f"single run:         wall {single[1]:7.1f} s   cpu {single[2]:7.1f} s",
        *(
            f"shard {k}/{count}:         wall {p[1]:7.1f} s   cpu {p[2]:7.1f} s"
            for k, p in enumerate(parts, 1)
        ),
        f"merge:              wall {merged[1]:7.1f} s",
        (
            f"a {count}-machine matrix takes the slowest shard: {slowest:.1f} s, "
            f"{single[1] / slowest:.1f}x faster than one machine"
        ),
        f"verdicts compared: {len(statuses['single'])}, different: {len(different)}",
        *(f"  {key}: single {statuses['single'].get(key)}, merged "
          f"{statuses['merged'].get(key)}" for key in different),
        f"reports compared (timings apart): {len(reports)}, different: {len(unequal)} "
        + " ".join(unequal),
        *diffs,
    ]  # fmt: skip
    print("\n".join(lines))
    return 1 if different or unequal else 0


if __name__ == "__main__":
    sys.exit(main())
