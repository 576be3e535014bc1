"""Run mutmut 2.5.1 per service and per suite, each in its own copy of the project.

One job = one service's module x one suite (the hand-written baseline, or the harness plugin
suite). A job copies the tree (`workspace`), starts the warm server when the fast runner is
asked for (`server`), runs `mutmut run` there, then reads `.mutmut-cache` and asks
`inventory` to describe the mutants. Jobs run side by side (`jobs`), and whatever happens,
Ctrl-C included, their processes are stopped and their copies deleted.
"""

from __future__ import annotations

import glob
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from harness.mutation import runners
from harness.mutation.cache import read_mutants
from harness.mutation.model import (
    BASELINE,
    HARNESS,
    KILLED,
    SKIPPED,
    SURVIVED,
    SUSPICIOUS,
    TIMEOUT,
    UNTESTED,
    Mutant,
    MutationError,
    SuiteResult,
)
from harness.mutation.workspace import workspace

FAST = "fast"
PLAIN = "plain"


@dataclass(frozen=True)
class Target:
    """A legacy module and the suites that test it (paths or globs, relative to the root)."""

    service: str
    file: str
    suites: dict[str, tuple[str, ...]]


TARGETS = (
    Target(
        "current",
        "legacy_services/current/current.py",
        {
            BASELINE: ("tests/baseline/current",),
            HARNESS: ("tests/services/test_current*.py",),
        },
    ),
    Target(
        "history",
        "legacy_services/history/historyAPI.py",
        {
            BASELINE: ("tests/baseline/history",),
            HARNESS: ("tests/services/test_history*.py",),
        },
    ),
    Target(
        "usage",
        "legacy_services/usage/usage.py",
        {
            BASELINE: ("tests/baseline/usage",),
            HARNESS: ("tests/services/test_usage*.py",),
        },
    ),
)


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


@dataclass
class Job:
    target: Target
    suite: str
    paths: tuple[str, ...]
    label: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cancelled: bool = False
    # Fast verdicts checked with the plain runner: (mutant id, fast status, plain status).
    verification: list[tuple[int, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.label = f"{self.target.service}/{self.suite}"

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
        sample = (
            _install_sample(tree, job, options) if options.sample is not None else None
        )
        runner, tests, command, journal = _prepare_runner(tree, job, options, progress)
        code, output = _run_mutmut(tree, job, command, options, progress)
        error = _mutmut_error(output) if code & 1 else None
        mutants: list[Mutant] = []
        if (tree / ".mutmut-cache").is_file():
            mutants = _described(tree, job, options)
        elif error is None:
            error = "mutmut left no results"
        if sample is not None:
            mutants = [m for m in mutants if (m.line_number, m.index) in sample]
        decisions = _decisions(journal, mutants) if journal is not None else Counter()
        if options.verify and runner == FAST and not error:
            _verify(tree, job, mutants, options, progress)
    return SuiteResult(
        suite=job.suite,
        paths=job.paths,
        tests=tests or 0,
        mutants=mutants,
        seconds=time.monotonic() - started,
        runner=runner,
        error=error,
        decisions=decisions,
    )


def _prepare_runner(
    tree: Path, job: Job, options: Options, progress: Progress
) -> tuple[str, int | None, str, Path | None]:
    """(runner, tests in the suite, mutmut's --runner command, the server's journal)."""
    if options.runner == PLAIN:
        command = runners.plain_command(job.paths, options.python)
        return PLAIN, _count_tests(tree, job, options), command, None
    # One plain run of the intact suite, while the server warms up: it proves the suite passes
    # in a fresh process, and its time becomes mutmut's baseline (see inventory.prime).
    started = time.monotonic()
    plain = job.spawn(
        runners.plain_argv(job.paths, options.python),
        tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tests, command, journal = _start_server(
            tree, tree.parent, job, options, progress
        )
    except MutationError as problem:
        progress.note(
            f"{job.label}: warm runner unavailable ({problem}); using the plain runner"
        )
        plain.wait()
        command = runners.plain_command(job.paths, options.python)
        return PLAIN, _count_tests(tree, job, options), command, None
    if plain.wait() != 0:
        raise MutationError(
            f"the suite fails on the intact code: run `pytest {' '.join(job.paths)}` "
            "and fix it first"
        )
    baseline = time.monotonic() - started
    _inventory(tree, job, options, "prime", _tests_dir(tree, job), f"{baseline:.3f}")
    return FAST, tests, command, journal


def _start_server(
    tree: Path, scratch: Path, job: Job, options: Options, progress: Progress
) -> tuple[int, str, Path]:
    socket_path = scratch / "runner.sock"
    journal = scratch / "journal.jsonl"
    argv = runners.server_argv(
        tree, socket_path, journal, [job.target.file], job.paths, options.python
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
        runners.fast_command(socket_path, job.paths, options.python),
        journal,
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
    tree: Path, job: Job, command: str, options: Options, progress: Progress
) -> tuple[int, list[str]]:
    tests_dir = _tests_dir(tree, job)
    argv = [
        options.python, "-m", "mutmut", "run",
        "--paths-to-mutate", job.target.file,
        "--tests-dir", tests_dir,
        "--runner", command,
        "--simple-output",
    ]  # fmt: skip
    process = job.spawn(argv, tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail: deque[str] = deque(maxlen=60)
    pending = ""
    progress.update(job.label, "starting mutmut")
    assert process.stdout is not None
    while chunk := os.read(process.stdout.fileno(), 4096):
        pending += chunk.decode(errors="replace")
        *pieces, pending = re.split(r"[\r\n]", pending)
        for piece in pieces:
            found = _PROGRESS.search(piece)
            if found:
                done, total, killed, timeout, suspicious, survived, skipped = map(
                    int, found.groups()
                )
                progress.update(
                    job.label,
                    f"{done}/{total} killed {killed + suspicious} survived {survived} "
                    f"timeout {timeout} skipped {skipped}",
                    fraction=done / total if total else None,
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


def _described(tree: Path, job: Job, options: Options) -> list[Mutant]:
    descriptions = {
        d["id"]: d for d in _inventory(tree, job, options, "describe", ".mutmut-cache")
    }
    mutants = []
    for mutant in read_mutants(tree / ".mutmut-cache"):
        about = descriptions.get(mutant.id, {})
        mutants.append(
            replace(
                mutant,
                scope=about.get("scope", mutant.scope),
                zone=about.get("zone"),
                skip_reason=about.get("skip_reason"),
                mutated_line=about.get("mutated_line", ""),
                diff=about.get("diff", ""),
                equivalent=about.get("equivalent"),
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


# --- smoke runs: a sample of the mutants ------------------------------------------------------

_SAMPLE_HOOK = '''"""Written by `harness mutants --sample`: test a sample of the mutants, filter the rest."""
import json

from _harness_project_mutmut_config import *  # noqa: F401,F403
from _harness_project_mutmut_config import pre_mutation as _project_pre_mutation

with open({path!r}) as _sample:
    _SAMPLE = {{tuple(pair) for pair in json.load(_sample)}}


def pre_mutation(context):
    if (context.mutation_id.line_number, context.mutation_id.index) not in _SAMPLE:
        context.skip = True
        return
    _project_pre_mutation(context)
'''


def _install_sample(tree: Path, job: Job, options: Options) -> set[tuple[int, int]]:
    """Wrap the project's hook so only `options.sample` kept mutants, spread over the file, run."""
    listed = _inventory(tree, job, options, "list", job.target.file)
    kept = [(m["line_number"], m["index"]) for m in listed if m["skip_reason"] is None]
    count = min(options.sample or 0, len(kept))
    chosen = (
        {kept[round(i * (len(kept) - 1) / max(count - 1, 1))] for i in range(count)}
        if count
        else set()
    )
    hook = tree / "mutmut_config.py"
    if hook.is_file():
        hook.rename(tree / "_harness_project_mutmut_config.py")
    else:
        (tree / "_harness_project_mutmut_config.py").write_text(
            "def pre_mutation(context):\n    pass\n"
        )
    sample_file = tree.parent / "sample.json"
    sample_file.write_text(json.dumps(sorted(chosen)))
    hook.write_text(_SAMPLE_HOOK.format(path=str(sample_file)))
    return chosen


# --- verification: fast verdicts against plain ones -------------------------------------------


def _verify(
    tree: Path, job: Job, mutants: list[Mutant], options: Options, progress: Progress
) -> None:
    """Re-run a sample of the mutants with the plain runner; record both verdicts."""
    chosen = pick_for_verification(mutants, options.verify)
    if not chosen:
        return
    mutated = _inventory(
        tree, job, options, "sources", ".mutmut-cache", *(str(m.id) for m in chosen)
    )
    source_path = tree / job.target.file
    original = source_path.read_text()
    for number, mutant in enumerate(chosen, 1):
        progress.update(
            job.label, f"verifying against plain mutmut {number}/{len(chosen)}"
        )
        source_path.write_text(mutated[str(mutant.id)])
        try:
            plain = job.spawn(
                runners.plain_argv(job.paths, options.python),
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


def pick_for_verification(mutants: Sequence[Mutant], count: int) -> list[Mutant]:
    """Up to `count` tested mutants, taking killed, survived and timed-out ones in turn."""
    groups: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        if mutant.status != SKIPPED:
            key = KILLED if mutant.status == SUSPICIOUS else mutant.status
            groups.setdefault(key, []).append(mutant)
    shuffler = random.Random(0)  # the same sample from one run to the next
    for members in groups.values():
        shuffler.shuffle(members)
    chosen: list[Mutant] = []
    while len(chosen) < count and any(groups.values()):
        for key in sorted(groups):
            if groups[key] and len(chosen) < count:
                chosen.append(groups[key].pop())
    return sorted(chosen, key=lambda m: m.id)


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


class Progress:
    """Where the jobs are, on stderr: one updating line on a terminal, milestones otherwise."""

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
