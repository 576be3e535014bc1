"""The warm runner: one process per suite that forks a fresh test run for each mutant.

Plain mutmut starts a new interpreter per mutant and pays for importing pytest, Flask, mongomock,
the Kafka clients and the fakes every time. This server pays once:

1. **coverage pass**: in a forked child, the suite runs once on the intact code under coverage,
   each line labelled by the test phase that ran it (`selection`), while every import is
   watched, so we know which modules the suite replaces with fakes;
2. **warm-up**: the server imports the modules the suite imported for real, except any that
   would put a real module where the suite installs a fake (a conftest's
   `sys.modules.setdefault("confluent_kafka", MagicMock())` must still win) and anything that
   would import the code under mutation or the tests;
3. **serving**, in one of two modes:

   * *session*: when the coverage pass shows that the module under mutation is first executed
     by a test or a fixture, never while pytest configures and collects, the server itself
     starts the pytest session on the intact tree, collects once, and forks **after
     collection**; each child runs the chosen test items, importing the mutated module in its
     fixtures as a fresh run would;
   * *process*: otherwise (a conftest that imports the service at collection time), each child
     runs a whole `pytest.main`, so the mutated module is imported during its collection.

Per mutant (a request from `client`), the server compares the files under mutation with their
intact text, picks the tests that cover the mutated lines (`selection`) and forks. Verdicts
follow `runners.PLAIN_SNIPPET`: pytest exit 0 survives, anything else kills. If the client goes
away (mutmut's timeout killed it), the child is killed too.

Run by `harness mutants` as `python -m harness.mutation.server --root R --socket S --mutate F
--suite T --journal J [--coverage-out C] -- <pytest options>`; prints one JSON line when ready (or failed), then
serves until its parent exits or it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.metadata
import json
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest

from harness.mutation.selection import FULL, NONE, CoverageMap, changed_lines

KILLED_EXIT = 1  # what mutmut 2.5.1 counts as killed (`returncode != 1` survives)
SURVIVED_EXIT = 0
SESSION = "session"
PROCESS = "process"


class ClientGone(Exception):
    """The client hung up while its mutant ran: mutmut timed it out."""


# --- forked children --------------------------------------------------------------------------


def _in_child(work: Callable[[], Any], timeout: float = 600.0) -> Any:
    """Run `work` in a forked child and return its JSON-able result."""
    with tempfile.TemporaryFile() as channel:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                _quiet()
                channel.write(json.dumps({"ok": work()}).encode())
            except BaseException as error:  # noqa: BLE001 - reported to the parent, whatever it is
                channel.write(
                    json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
                )
                code = 1
            finally:
                channel.flush()
                os._exit(code)
        _wait(pid, timeout)
        channel.seek(0)
        answer = json.loads(
            channel.read() or b'{"error": "the child died without answering"}'
        )
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["ok"]


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            _kill(pid)
            os.waitpid(pid, 0)
            raise RuntimeError(f"child {pid} did not finish within {timeout:.0f}s")
        time.sleep(0.01)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- warming up -------------------------------------------------------------------------------


def clashes(candidate: str, faked: set[str], protected: list[Path]) -> list[str]:
    """Why importing `candidate` here would change what the suite sees (call in a probe child).

    It must not put a real module where the suite installs a fake, nor import anything from a
    protected path (the files under mutation, the tests): those must be imported anew in each
    child, or the child would test the intact code.
    """
    from harness.mutation.coverage_pass import is_genuine

    before = set(sys.modules)
    try:
        importlib.import_module(candidate)
    except BaseException:  # noqa: BLE001 - a module that cannot be imported here is not warmed
        return ["<import failed>"]
    found = []
    for name in set(sys.modules) - before:
        module = sys.modules[name]
        if name in faked and is_genuine(module):
            found.append(name)
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if origin and any(_within(Path(origin), path) for path in protected):
            found.append(name)
    return found


def _within(path: Path, protected: Path) -> bool:
    try:
        path.resolve().relative_to(protected.resolve())
    except (OSError, ValueError):
        return False
    return True


def _below(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _clashing(
    candidates: list[str], faked: set[str], protected: list[Path]
) -> list[str]:
    return [c for c in candidates if clashes(c, faked, protected)]


def warm(candidates: list[str], faked: set[str], protected: list[Path]) -> list[str]:
    """Import what is safe to share with every child; return what was imported."""
    # Dropping one candidate can expose another: a few rounds at most.
    for _ in range(5):
        bad = set(
            _in_child(lambda pending=candidates: _clashing(pending, faked, protected))
        )
        if not bad:
            break
        candidates = [c for c in candidates if c not in bad]
    else:
        candidates = []
    warmed = []
    for name in candidates:
        # The probe imported it; should it fail here all the same, it is simply not warmed.
        with contextlib.suppress(Exception):
            importlib.import_module(name)
            warmed.append(name)
    # Entry points are looked up by every pytest session: let the children inherit the cache.
    importlib.metadata.entry_points()
    return warmed


# --- the two ways to run a mutant's tests -----------------------------------------------------


class Executor(Protocol):
    def start(self, tests: list[str] | None) -> int:
        """Fork a child running `tests` (node ids; None for the whole suite); return its pid."""


class ProcessExecutor:
    """Each child runs a whole pytest session: collection included."""

    def __init__(self, pytest_args: list[str], suite: list[str]) -> None:
        self.pytest_args = pytest_args
        self.suite = suite

    def start(self, tests: list[str] | None) -> int:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 3
            try:
                _quiet()
                code = int(
                    pytest.main(
                        [*self.pytest_args, *(self.suite if tests is None else tests)]
                    )
                )
            finally:
                os._exit(code)
        return pid


class SessionExecutor:
    """Children of a pytest session that has collected the suite: they only run test items."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.items = {item.nodeid: item for item in session.items}

    def start(self, tests: list[str] | None) -> int:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 3
            try:
                code = self._run(
                    [self.items[t] for t in tests if t in self.items]
                    if tests
                    else self.session.items
                )
            finally:
                os._exit(code)
        return pid

    def _run(self, items: list[Any]) -> int:
        """What pytest's own run loop and session end do, with the exit code pytest would give."""
        session = self.session
        for position, item in enumerate(items):
            following = items[position + 1] if position + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            if session.shouldfail or session.shouldstop:
                break
        if session.testsfailed:
            return 1  # killed: nothing at session end can turn a failure into a pass
        code = 0
        try:
            session.exitstatus = code
            session.config.hook.pytest_sessionfinish(session=session, exitstatus=code)
            session.config._ensure_unconfigure()
        except BaseException:  # noqa: BLE001 - pytest would end with an internal error
            code = 3
        return code


class _ServeFromSession:
    """pytest plugin that turns the server's own session, once collected, into the server."""

    def __init__(
        self,
        server: WarmServer,
        listener: socket.socket,
        announce: Callable[[dict[str, Any]], None],
    ) -> None:
        self.server = server
        self.listener = listener
        self.announce = announce

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        gc.freeze()  # see WarmServer.prepare
        self.announce({"collected": len(session.items)})
        self.server.serve(self.listener, SessionExecutor(session))
        return True


# --- the server -------------------------------------------------------------------------------


class WarmServer:
    def __init__(
        self,
        root: Path,
        files: list[str],
        pytest_args: list[str],
        suite: list[str],
        journal: Path,
        coverage_out: Path | None = None,
    ) -> None:
        self.root = root
        self.coverage_out = coverage_out
        self.files = files
        self.pytest_args = pytest_args  # options of every run
        self.suite = suite  # the suite's paths: what a full run collects
        self.journal = journal
        self.originals = {f: (root / f).read_text() for f in files}
        self.coverage = CoverageMap(tests=[])
        self.mode = PROCESS
        self.requests = 0

    def protected(self) -> list[Path]:
        """What must be imported anew in every child: the code under mutation and the suite
        (the folder of a test file, for its helpers and conftest)."""
        suite = [self.root / p.split("::")[0] for p in self.suite]
        return [self.root / f for f in self.files] + [
            p.parent if p.is_file() else p for p in suite
        ]

    def prepare(self) -> dict[str, Any]:
        started = time.monotonic()
        protected = self.protected()
        result = _in_child(
            lambda: _coverage_pass(
                self.root, self.files, [*self.pytest_args, *self.suite], protected
            )
        )
        if result["exit_code"] != 0:
            raise RuntimeError(
                f"the suite fails on the intact code (pytest exit {result['exit_code']}): "
                f"run `pytest {' '.join(self.suite)}` and fix it first"
            )
        self.coverage = CoverageMap.from_json(result["coverage"])
        if (
            self.coverage_out is not None
        ):  # for `harness mutants`: shard costs, cache keys
            self.coverage_out.write_text(result["coverage"])
        self.mode = PROCESS if result["runs_before_tests"] else SESSION
        warmed = warm(result["candidates"], set(result["faked"]), protected)
        if threading.active_count() > 1:
            raise RuntimeError(
                "warming up started a thread, and forking a threaded process is unsafe"
            )
        # pytest collects garbage several times per session; what the server holds is never
        # garbage: keep it out of the collector's sight (and fork's pages shared).
        gc.freeze()
        return {
            "ready": True,
            "mode": self.mode,
            "tests": len(self.coverage.tests),
            "coverage_seconds": round(result["seconds"], 2),
            "warm_modules": len(warmed),
            "prepare_seconds": round(time.monotonic() - started, 2),
        }

    def start(
        self, listener: socket.socket, announce: Callable[[dict[str, Any]], None]
    ) -> None:
        if self.mode == PROCESS:
            announce({})
            self.serve(listener, ProcessExecutor(self.pytest_args, self.suite))
            return
        # The session's own output would fill the pipe `harness mutants` stopped reading.
        _quiet()
        pytest.main(
            [*self.pytest_args, *self.suite],
            plugins=[_ServeFromSession(self, listener, announce)],
        )

    # Serving ---------------------------------------------------------------------------------

    def serve(self, listener: socket.socket, executor: Executor) -> None:
        parent = os.getppid()
        while os.getppid() == parent:  # stop when `harness mutants` is gone
            ready, _, _ = select.select([listener], [], [], 1.0)
            if not ready:
                continue
            connection, _ = listener.accept()
            with connection:
                self.handle(connection, executor)

    def handle(self, connection: socket.socket, executor: Executor) -> None:
        connection.settimeout(10)
        try:
            connection.recv(64)
        except OSError:
            return
        connection.settimeout(None)
        self.requests += 1
        started = time.monotonic()
        entry: dict[str, Any] = {"request": self.requests, "mode": self.mode}
        try:
            verdict = self._verdict(connection, executor, entry)
        except ClientGone:
            entry["verdict"] = "client gone (timed out)"
            self._log(entry, started)
            return
        entry["verdict"] = "killed" if verdict == KILLED_EXIT else "survived"
        self._log(entry, started)
        try:
            connection.sendall(json.dumps({"exit": verdict}).encode() + b"\n")
        except OSError:
            pass

    def _verdict(
        self, connection: socket.socket, executor: Executor, entry: dict[str, Any]
    ) -> int:
        mutated = {}
        for name, original in self.originals.items():
            current = (self.root / name).read_text()
            if current != original:
                mutated[name] = changed_lines(original, current)
        if not mutated:
            entry["decision"] = "intact"
            return self._run(connection, executor, entry, None)
        if len(mutated) > 1:
            entry.update(decision=FULL, reason="several files changed")
            return self._run(connection, executor, entry, None)
        ((name, lines),) = mutated.items()
        selection = self.coverage.select(name, self.originals[name], lines)
        entry.update(
            file=name,
            lines=sorted(lines),
            decision=selection.kind,
            reason=selection.reason,
        )
        if selection.kind == NONE:
            return SURVIVED_EXIT
        if selection.tests:
            # The likeliest to fail first; a pass is only ever trusted from the full suite.
            entry["tests"] = len(selection.tests)
            if (
                self._run(connection, executor, entry, list(selection.tests))
                == KILLED_EXIT
            ):
                return KILLED_EXIT
            entry["confirmed_by_full_suite"] = True
        return self._run(connection, executor, entry, None)

    def _run(
        self,
        connection: socket.socket,
        executor: Executor,
        entry: dict[str, Any],
        tests: list[str] | None,
    ) -> int:
        pid = executor.start(tests)
        try:
            code = self._watch(pid, connection)
        except BaseException:
            # The client hung up, or SIGTERM: never leave a child running a mutant behind.
            _kill(pid)
            os.waitpid(pid, 0)
            raise
        entry.setdefault("exit_codes", []).append(code)
        return SURVIVED_EXIT if code == 0 else KILLED_EXIT

    def _watch(self, pid: int, connection: socket.socket) -> int:
        """Wait for the child; give up (ClientGone) if the client hangs up first."""
        pidfd = os.pidfd_open(pid)
        try:
            while True:
                ready, _, _ = select.select([pidfd, connection], [], [])
                if pidfd in ready:
                    _, status = os.waitpid(pid, 0)
                    return os.waitstatus_to_exitcode(status)
                if not connection.recv(1, socket.MSG_PEEK):
                    raise ClientGone()
        finally:
            os.close(pidfd)

    def _log(self, entry: dict[str, Any], started: float) -> None:
        entry["seconds"] = round(time.monotonic() - started, 3)
        with self.journal.open("a") as journal:
            journal.write(json.dumps(entry) + "\n")


def _coverage_pass(
    root: Path, files: list[str], pytest_args: list[str], protected: list[Path]
) -> dict[str, Any]:
    from harness.mutation import coverage_pass

    return coverage_pass.run(root, files, pytest_args, protected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.mutation.server")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument(
        "--mutate",
        action="append",
        required=True,
        help="file under mutation, relative to root",
    )
    parser.add_argument(
        "--suite", action="append", required=True, help="test path of the suite"
    )
    parser.add_argument(
        "--coverage-out", type=Path, help="write the coverage map here (JSON)"
    )
    parser.add_argument(
        "--process-mode",
        action="store_true",
        help="a whole pytest session per child, always",
    )
    parser.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="-- then options given to every pytest run",
    )
    args = parser.parse_args(argv)
    pytest_args = (
        args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    )

    # Mutated files keep their size from one mutant to the next (`+` -> `-`) and change within
    # a second: a cached .pyc would be reused for the wrong source.
    sys.dont_write_bytecode = True
    os.chdir(args.root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # The ready line goes here, whatever pytest does with stdout later.
    answer = os.dup(1)

    def announce(extra: dict[str, Any]) -> None:
        os.write(answer, (json.dumps({**status, **extra}) + "\n").encode())

    server = WarmServer(
        args.root, args.mutate, pytest_args, args.suite, args.journal, args.coverage_out
    )
    try:
        status = server.prepare()
        if args.process_mode:
            server.mode = status["mode"] = PROCESS
    except Exception as error:  # noqa: BLE001 - reported to `harness mutants` as one line
        os.write(
            answer, (json.dumps({"ready": False, "error": str(error)}) + "\n").encode()
        )
        return 2
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(args.socket))
    listener.listen(1)
    try:
        server.start(listener, announce)
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
