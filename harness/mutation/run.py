"""Run mutmut 2.5.1 per target and per suite, each in its own copy of the project.

One job = one target of `[tool.harness.mutants]` x one of its suites. A job copies the tree
(`workspace`), starts the warm server when the fast runner is asked for (`server`), lists the
mutants (`inventory`), decides which to test (`plan`: this shard's part, a sample, the lines
changed since a git ref, minus the verdicts the cache already holds), runs `mutmut run` on those
alone, then reads `.mutmut-cache` and asks `inventory` to describe the mutants. Jobs run side by
side (`jobs`), and whatever happens, Ctrl-C included, their processes are stopped and their
copies deleted.
"""

from __future__ import annotations

import glob
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from harness.mutation import plan, runners
from harness.mutation.cache import read_mutants
from harness.mutation.config import Suite, Target
from harness.mutation.model import (
    KILLED,
    SKIPPED,
    SURVIVED,
    TIMEOUT,
    UNTESTED,
    Mutant,
    MutationError,
    SuiteResult,
)
from harness.mutation.selection import CoverageMap
from harness.mutation.verdicts import CACHED_STATUSES, VerdictCache, entry
from harness.mutation.workspace import workspace

FAST = "fast"
PLAIN = "plain"
REUSED = "reused from the verdict cache"


def resolve_suite(root: Path, patterns: Sequence[str]) -> tuple[str, ...]:
    """The suite's test paths (relative to `root`) matched by `patterns`, or MutationError."""
    found: list[str] = []
    for pattern in patterns:
        matches = (
            sorted(glob.glob(pattern, root_dir=root))
            if glob.has_magic(pattern)
            else [pattern]
        )
        found += [m for m in matches if (root / m).exists()]
    if not found:
        raise MutationError(f"no test files match {', '.join(patterns)} under {root}")
    return tuple(found)


@dataclass
class Options:
    runner: str = FAST
    jobs: int = 2
    # Test only this many (kept) mutants per suite: the CI smoke run.
    sample: int | None = None
    # Re-check this many fast verdicts per suite with the plain runner.
    verify: int = 0
    python: str = sys.executable
    # This machine's part of the mutants: (K, N), K 1-based.
    shard: tuple[int, int] | None = None
    # Only mutants on these 1-based lines, per file (`--since REF`).
    since: Mapping[str, frozenset[int]] | None = None
    # Verdicts kept between runs (fast runner only: its keys need the coverage pass).
    cache: VerdictCache | None = None


@dataclass
class Job:
    target: Target
    suite: Suite
    paths: tuple[str, ...]
    files: tuple[str, ...] = ()
    label: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cancelled: bool = False
    # Fast verdicts checked with the plain runner: (mutant id, fast status, plain status).
    verification: list[tuple[int, str, str]] = field(default_factory=list)
    # Verdicts this job reached, for the cache: key -> entry.
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.label = f"{self.target.name}/{self.suite.name}"

    def spawn(
        self, argv: list[str], cwd: Path, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        with self.lock:  # never start a process that a concurrent cancel() would miss
            if self.cancelled:
                raise KeyboardInterrupt
            # Own session: Ctrl-C reaches `harness mutants` alone, which stops the rest in
            # order; own process group: mutmut's workers and pytest runs are stopped with it.
            process = subprocess.Popen(
                argv, cwd=cwd, env=_child_env(), start_new_session=True, **kwargs
            )
            self.processes.append(process)
        return process

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            running = list(self.processes)
        for process in running:
            _terminate(process)  # its pipes are closed by the thread that owns the job


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Coverage of the caller (a `.pth` hook starts it in every interpreter) would slow every
    # mutant down; pytest options of the caller would change what the suites run.
    for name in (
        "COVERAGE_PROCESS_START",
        "COVERAGE_PROCESS_CONFIG",
        "PYTEST_ADDOPTS",
        "PYTEST_PLUGINS",
    ):
        env.pop(name, None)
    for name in [n for n in env if n.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))]:
        env.pop(name)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop `process` and everything it started (its process group)."""
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop `process` and its process group, and close its pipes."""
    _terminate(process)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


# --- one job ----------------------------------------------------------------------------------

_PROGRESS = re.compile(
    r"(\d+)/(\d+)\s+KILLED (\d+)\s+TIMEOUT (\d+)\s+SUSPICIOUS (\d+)\s+SURVIVED (\d+)\s+SKIPPED (\d+)"
)


def run_job(root: Path, job: Job, options: Options, progress: Progress) -> SuiteResult:
    """Run one job; its processes are stopped and its copy deleted however it ends."""
    try:
        return _run_job(root, job, options, progress)
    finally:
        for process in job.processes:
            _stop(process)


def _run_job(root: Path, job: Job, options: Options, progress: Progress) -> SuiteResult:
    started = time.monotonic()
    with workspace(root, job.label.replace("/", "-")) as tree:
        runner, tests, command, journal, coverage_map = _prepare_runner(
            tree, job, options, progress
        )
        listed = [
            plan.Listed.from_json(position, data)
            for position, data in enumerate(
                _inventory(tree, job, options, "list", *job.files), 1
            )
        ]
        coverage = plan.Coverage(tree, coverage_map)
        chosen = _chosen(listed, coverage, options)
        picks = set(
            plan.verification_picks(
                [m for m in chosen if m.skip_reason is None], coverage, options.verify
            )
        )
        if options.shard is not None:
            shard, shards = options.shard
            owner = plan.partition({m.id: coverage.cost(m) for m in listed}, shards)
            chosen = [m for m in chosen if owner[m.id] == shard]
        keys = (
            plan.CacheKeys(coverage, job.paths, _identity(job, options))
            if options.cache is not None and coverage_map is not None
            else None
        )
        statuses: dict[int, str] = {}
        to_run: list[plan.Listed] = []
        for mutant in chosen:
            cached = None
            if mutant.skip_reason is not None:
                cached = SKIPPED
            elif keys is not None and options.cache is not None:
                cached = options.cache.lookup(keys.key(mutant), keys.suite)
            if cached is None:
                to_run.append(mutant)
            else:
                statuses[mutant.id] = cached
        reused = sum(1 for m in chosen if m.skip_reason is None and m.id in statuses)
        error = None
        if to_run:
            _install_filter(tree, {m.key for m in to_run})
            code, output = _run_mutmut(
                tree, job, command, options, progress, len(to_run)
            )
            error = _mutmut_error(output) if code & 1 else None
            ran = {}
            if (tree / ".mutmut-cache").is_file():
                ran = {m.key: m.status for m in read_mutants(tree / ".mutmut-cache")}
            elif error is None:
                error = "mutmut left no results"
            for mutant in to_run:
                statuses[mutant.id] = ran.get(mutant.key, UNTESTED)
        mutants = _described(tree, job, options, chosen, statuses, coverage)
        fresh = [m for m in mutants if m.id in {r.id for r in to_run}]
        decisions = _decisions(journal, fresh) if journal is not None else Counter()
        if reused:
            decisions[REUSED] = reused
        if options.verify and runner == FAST and not error:
            _verify(tree, job, [m for m in fresh if m.id in picks], options, progress)
        if keys is not None:
            for mutant in to_run:
                status = statuses[mutant.id]
                if status in CACHED_STATUSES:
                    job.verdicts[keys.key(mutant)] = entry(status, keys.suite)
    return SuiteResult(
        suite=job.suite.name,
        paths=job.paths,
        tests=tests or 0,
        mutants=mutants,
        seconds=time.monotonic() - started,
        runner=runner,
        error=error,
        decisions=decisions,
        title=job.suite.title,
        gate=job.suite.gate,
        listed=len(listed),
    )


def _chosen(
    listed: list[plan.Listed], coverage: plan.Coverage, options: Options
) -> list[plan.Listed]:
    """The mutants this run reports: all, a sample of the kept ones, or those on changed lines."""
    chosen = listed
    if options.since is not None:
        since = options.since
        chosen = [m for m in chosen if m.line_number + 1 in since.get(m.file, ())]
    if options.sample is not None:
        chosen = plan.spread(
            [m for m in chosen if m.skip_reason is None], options.sample
        )
    return chosen


def _identity(job: Job, options: Options) -> list[str]:
    """What every verdict of this job depends on besides the code: suite, options, tools."""
    import importlib.metadata

    return [
        job.suite.name,
        *job.paths,
        "--",
        *job.suite.args,
        "mutmut " + importlib.metadata.version("mutmut"),
        "pytest " + importlib.metadata.version("pytest"),
        options.runner,
    ]


def _prepare_runner(
    tree: Path, job: Job, options: Options, progress: Progress
) -> tuple[str, int | None, str, Path | None, CoverageMap | None]:
    """(runner, tests in the suite, mutmut's --runner command, the server's journal, coverage)."""
    args = job.suite.args
    if options.runner == PLAIN:
        command = runners.plain_command(job.paths, options.python, args)
        return PLAIN, _count_tests(tree, job, options), command, None, None
    # One plain run of the intact suite, while the server warms up: it proves the suite passes
    # in a fresh process, and its time becomes mutmut's baseline (see inventory.prime).
    started = time.monotonic()
    plain = job.spawn(
        runners.plain_argv(job.paths, options.python, args),
        tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tests, command, journal, coverage = _start_server(
            tree, tree.parent, job, options, progress
        )
    except MutationError as problem:
        progress.note(
            f"{job.label}: warm runner unavailable ({problem}); using the plain runner"
        )
        plain.wait()
        command = runners.plain_command(job.paths, options.python, args)
        return PLAIN, _count_tests(tree, job, options), command, None, None
    if plain.wait() != 0:
        raise MutationError(
            f"the suite fails on the intact code: run `pytest {' '.join(job.paths)}` "
            "and fix it first"
        )
    baseline = time.monotonic() - started
    _inventory(tree, job, options, "prime", _tests_dir(tree, job), f"{baseline:.3f}")
    return FAST, tests, command, journal, coverage


def _start_server(
    tree: Path, scratch: Path, job: Job, options: Options, progress: Progress
) -> tuple[int, str, Path, CoverageMap]:
    socket_path = scratch / "runner.sock"
    journal = scratch / "journal.jsonl"
    coverage_file = scratch / "coverage.json"
    argv = runners.server_argv(
        tree,
        socket_path,
        journal,
        job.files,
        job.paths,
        options.python,
        job.suite.args,
        coverage_file,
    )
    progress.update(job.label, "warming up (coverage pass)")
    server = job.spawn(argv, tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = _read_line(server.stdout, timeout=600)
    try:
        status = json.loads(line)
    except ValueError:
        raise MutationError(f"the server said {line!r}") from None
    if not status.get("ready"):
        raise MutationError(status.get("error", "the server did not start"))
    return (
        int(status["tests"]),
        runners.fast_command(socket_path, job.paths, options.python, job.suite.args),
        journal,
        CoverageMap.from_json(coverage_file.read_text()),
    )


def _read_line(stream: IO[bytes] | None, timeout: float) -> str:
    assert stream is not None
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise MutationError(f"no answer within {timeout:.0f}s")
    return stream.readline().decode(errors="replace").strip()


def _count_tests(tree: Path, job: Job, options: Options) -> int | None:
    argv = [
        options.python,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *job.suite.args,
        *job.paths,
    ]
    process = job.spawn(argv, tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output, _ = process.communicate()
    found = re.search(rb"(\d+) tests? collected", output)
    return int(found.group(1)) if found else None


def _tests_dir(tree: Path, job: Job) -> str:
    """What mutmut hashes to know whether the tests changed: the suite's folder."""
    return (
        os.path.dirname(job.paths[0])
        if (tree / job.paths[0]).is_file()
        else job.paths[0]
    )


def _run_mutmut(
    tree: Path,
    job: Job,
    command: str,
    options: Options,
    progress: Progress,
    expected: int,
) -> tuple[int, list[str]]:
    """Run mutmut; `expected` mutants are tested (the others are skipped by the hook)."""
    tests_dir = _tests_dir(tree, job)
    argv = [
        options.python, "-m", "mutmut", "run",
        "--paths-to-mutate", ",".join(job.files),
        "--tests-dir", tests_dir,
        "--runner", command,
        "--simple-output",
    ]  # fmt: skip
    process = job.spawn(argv, tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail: deque[str] = deque(maxlen=60)
    pending = ""
    progress.update(job.label, "starting mutmut")
    clock = progress.clock(job.label, expected)
    assert process.stdout is not None
    while chunk := os.read(process.stdout.fileno(), 4096):
        pending += chunk.decode(errors="replace")
        *pieces, pending = re.split(r"[\r\n]", pending)
        for piece in pieces:
            found = _PROGRESS.search(piece)
            if found:
                _, _, killed, timeout, suspicious, survived, _ = map(
                    int, found.groups()
                )
                tested = killed + timeout + suspicious + survived
                progress.update(
                    job.label,
                    f"{tested}/{expected} killed {killed + suspicious} survived {survived} "
                    f"timeout {timeout}{clock.rate_and_eta(tested)}",
                    fraction=tested / expected if expected else None,
                )
            elif piece.strip():
                tail.append(piece)
    return process.wait(), list(tail)


def _mutmut_error(output: list[str]) -> str:
    text = "\n".join(output)
    if "Tests don't run cleanly without mutations" in text:
        return (
            "the suite fails on the intact code: run it with pytest and fix it first\n"
            + text[-2000:]
        )
    return "mutmut failed:\n" + text[-2000:]


def _inventory(tree: Path, job: Job, options: Options, *args: str) -> Any:
    argv = [options.python, "-m", "harness.mutation.inventory", *args]
    process = job.spawn(argv, tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output, errors = process.communicate()
    if process.returncode != 0:
        raise MutationError(
            f"describing the mutants failed: {errors.decode(errors='replace')[-1500:]}"
        )
    try:
        return json.loads(output)
    except ValueError:
        raise MutationError(
            f"describing the mutants gave no JSON: {output[:300]!r}"
        ) from None


def _described(
    tree: Path,
    job: Job,
    options: Options,
    listed: list[plan.Listed],
    statuses: Mapping[int, str],
    coverage: plan.Coverage,
) -> list[Mutant]:
    """The mutants with their final status, described (diff, zone, rule...) for the report."""
    asked = [
        {
            "file": m.file,
            "line_number": m.line_number,
            "line": m.line,
            "index": m.index,
            "status": statuses[m.id],
        }
        for m in listed
    ]
    request = tree.parent / "describe.json"
    request.write_text(json.dumps(asked))
    descriptions = _inventory(tree, job, options, "describe", str(request))
    mutants = []
    for mutant, about in zip(listed, descriptions, strict=True):
        mutants.append(
            Mutant(
                id=mutant.id,
                file=mutant.file,
                line_number=mutant.line_number,
                line=mutant.line,
                index=mutant.index,
                status=statuses[mutant.id],
                scope=about.get("scope", "module level"),
                zone=about.get("zone"),
                skip_reason=about.get("skip_reason") or mutant.skip_reason,
                mutated_line=about.get("mutated_line", ""),
                diff=about.get("diff", ""),
                equivalent=about.get("equivalent"),
                mutator=mutant.mutator,
                location=mutant.location,
                coverage=coverage.kind(mutant) if coverage.map is not None else None,
            )
        )
    return mutants


def _decisions(journal: Path, mutants: list[Mutant]) -> Counter[str]:
    """How the warm runner reached its verdicts, from its journal."""
    decisions: Counter[str] = Counter()
    lines = journal.read_text().splitlines() if journal.is_file() else []
    for line in lines:
        entry = json.loads(line)
        decision = entry.get("decision")
        if decision == "intact":
            continue
        decisions[decision or "unknown"] += 1
        if entry.get("confirmed_by_full_suite"):
            decisions["confirmed by full suite"] += 1
        if entry.get("verdict") == "killed" and set(entry.get("exit_codes", [])) & {
            2,
            3,
            4,
        }:
            decisions["killed by an import or collection error"] += 1
    tested = sum(1 for m in mutants if m.status not in (SKIPPED, UNTESTED))
    answered = sum(decisions[k] for k in ("none", "tests", "full", "unknown"))
    if tested > answered:
        # The server did not answer them: the client ran the plain command instead.
        decisions["answered by the plain fallback"] = tested - answered
    return decisions


# --- the mutants a job tests: the hook skips the others -------------------------------------

_FILTER_HOOK = '''"""Written by `harness mutants`: test the mutants this run chose, skip the others."""
import json
import os

from _harness_project_mutmut_config import *  # noqa: F401,F403
from _harness_project_mutmut_config import pre_mutation as _project_pre_mutation

with open({path!r}) as _chosen:
    _CHOSEN = {{(os.path.normpath(f), n, i) for f, n, i in json.load(_chosen)}}


def pre_mutation(context):
    key = (
        os.path.normpath(context.filename),
        context.mutation_id.line_number,
        context.mutation_id.index,
    )
    if key not in _CHOSEN:
        context.skip = True
        return
    _project_pre_mutation(context)
'''


def _install_filter(tree: Path, chosen: set[tuple[str, int, int]]) -> None:
    """Wrap the project's hook so only the `chosen` mutants (file, line_number, index) run."""
    hook = tree / "mutmut_config.py"
    if hook.is_file():
        hook.rename(tree / "_harness_project_mutmut_config.py")
    else:
        (tree / "_harness_project_mutmut_config.py").write_text(
            "def pre_mutation(context):\n    pass\n"
        )
    chosen_file = tree.parent / "chosen.json"
    chosen_file.write_text(json.dumps(sorted(chosen)))
    hook.write_text(_FILTER_HOOK.format(path=str(chosen_file)))


# --- verification: fast verdicts against plain ones -------------------------------------------


def _verify(
    tree: Path, job: Job, chosen: list[Mutant], options: Options, progress: Progress
) -> None:
    """Re-run the `chosen` mutants with the plain runner; record both verdicts."""
    if not chosen:
        return
    request = tree.parent / "sources.json"
    request.write_text(
        json.dumps(
            [
                {
                    "file": m.file,
                    "line_number": m.line_number,
                    "line": m.line,
                    "index": m.index,
                }
                for m in chosen
            ]
        )
    )
    mutated = _inventory(tree, job, options, "sources", str(request))
    for number, (mutant, text) in enumerate(zip(chosen, mutated, strict=True), 1):
        progress.update(
            job.label, f"verifying against plain mutmut {number}/{len(chosen)}"
        )
        source_path = tree / mutant.file
        original = source_path.read_text()
        source_path.write_text(text)
        try:
            plain = job.spawn(
                runners.plain_argv(job.paths, options.python, job.suite.args),
                tree,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                status = KILLED if plain.wait(timeout=120) != 0 else SURVIVED
            except subprocess.TimeoutExpired:
                _stop(plain)
                status = TIMEOUT
        finally:
            source_path.write_text(original)
        job.verification.append((mutant.id, mutant.status, status))


# --- all jobs ---------------------------------------------------------------------------------


def run_all(
    root: Path, jobs: list[Job], options: Options, progress: Progress
) -> list[SuiteResult]:
    """Run every job, `options.jobs` at a time; results in the order of `jobs`."""
    results: dict[int, SuiteResult] = {}
    with (
        _interrupt_on_sigterm(),
        ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool,
    ):
        futures = {
            pool.submit(_guarded, root, job, options, progress): position
            for position, job in enumerate(jobs)
        }
        try:
            for future, position in futures.items():
                results[position] = future.result()
        except KeyboardInterrupt:
            for job in jobs:
                job.cancel()
            for future in futures:
                future.cancel()
            raise
    return [results[i] for i in range(len(jobs))]


def _guarded(root: Path, job: Job, options: Options, progress: Progress) -> SuiteResult:
    """Run a job; whatever goes wrong becomes that job's error, not the end of the others."""
    progress.start(job.label)
    started = time.monotonic()

    def failed(error: str) -> SuiteResult:
        elapsed = time.monotonic() - started
        return SuiteResult(
            job.suite, job.paths, 0, [], elapsed, options.runner, error=error
        )

    try:
        result = run_job(root, job, options, progress)
    except MutationError as error:
        result = failed(str(error))
    except KeyboardInterrupt:
        result = failed("interrupted")
    except Exception:  # noqa: BLE001 - a bug here must not hide the other jobs' results
        result = failed("internal error, please report it:\n" + traceback.format_exc())
    progress.finish(job.label, result)
    return result


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM stops a run like Ctrl-C does: processes stopped, copies deleted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- progress ---------------------------------------------------------------------------------


class Clock:
    """Rate and time left of one job's mutants, shown on a terminal only (a log keeps no ETA)."""

    def __init__(self, expected: int, interactive: bool) -> None:
        self.expected = expected
        self.interactive = interactive
        self.started = time.monotonic()

    def rate_and_eta(self, done: int, now: float | None = None) -> str:
        if not self.interactive or done <= 0:
            return ""
        elapsed = (time.monotonic() if now is None else now) - self.started
        if elapsed <= 0:
            return ""
        rate = done / elapsed
        left = max(self.expected - done, 0) / rate
        minutes, seconds = divmod(round(left), 60)
        return f" | {rate:.1f}/s, ETA {minutes}m{seconds:02d}s"


class Progress:
    """Where the jobs are, on stderr: one updating line on a terminal (with each job's rate and
    time left), milestones otherwise."""

    def __init__(
        self, stream: IO[str] | None = None, interactive: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.states: dict[str, str] = {}
        self.milestones: dict[str, int] = {}
        self.lock = threading.Lock()

    def start(self, label: str) -> None:
        self._line(f"{label}: started")

    def clock(self, label: str, expected: int) -> Clock:
        return Clock(expected, self.interactive)

    def update(self, label: str, state: str, fraction: float | None = None) -> None:
        with self.lock:
            self.states[label] = state
            if self.interactive:
                self._redraw()
                return
            if fraction is not None:
                quarter = int(fraction * 4)
                if quarter > self.milestones.get(label, 0):
                    self.milestones[label] = quarter
                    self._write(f"{label}: {state}\n")

    def note(self, message: str) -> None:
        self._line(message)

    def finish(self, label: str, result: SuiteResult) -> None:
        with self.lock:
            self.states.pop(label, None)
        if result.error:
            first = result.error.splitlines()[0] if result.error else ""
            self._line(f"{label}: FAILED after {result.seconds:.0f}s: {first}")
        else:
            score = f"{result.score:.0%}" if result.score is not None else "n/a"
            self._line(
                f"{label}: done in {result.seconds:.0f}s, {result.total} mutants, killed {result.killed}, "
                f"survived {result.survived}, timeout {result.timed_out}, skipped {result.skipped}, score {score}"
            )

    def _line(self, text: str) -> None:
        with self.lock:
            if self.interactive:
                self._write("\r\033[K" + text + "\n")
                self._redraw()
            else:
                self._write(text + "\n")

    def _redraw(self) -> None:
        status = " | ".join(f"{label} {state}" for label, state in self.states.items())
        width = _terminal_width()
        self._write("\r\033[K" + status[: width - 1])

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _terminal_width() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        return 120
