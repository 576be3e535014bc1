"""Processes legacy code starts: recorded, not started; and `os._exit`, which would end the
whole test run, turned into an error that names the line.

While a contract scope is active (`harness.contract.ordered_scope`), for calls made from a
legacy module (its own lines, or a library it called):

- `subprocess.Popen` (so `run`, `call`, `check_output`, `os.popen`) does not start its program:
  the process is recorded (`legacy.threads`, kind "Popen") and behaves as one that exited at
  once with status 0 and wrote nothing (its pipes are at end of file);
- `multiprocessing.Process.start()` records the process (kind "Process"); its target can be run
  inline with `legacy.threads.run`, like a thread's; `join()` returns at once;
- `os.system(command)` is recorded (kind "os.system") and returns 0;
- `os._exit(status)` raises `ProcessExitRefused`: the import (or the test) fails with the line,
  instead of the run ending with no summary.

`os.fork`, `os.exec*`, `os.spawn*` and `os.posix_spawn*` have no faithful stand-in: the network
guard's audit hook refuses them (see `harness.guard`). A process a test starts on purpose starts
for real and inherits the network guard.
"""

from __future__ import annotations

import multiprocessing.process
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.guard import NETWORK_GUARD
from harness.locations import display_path
from harness.threads import legacy_caller, record_start


class ProcessExitRefused(BaseException):
    """`os._exit()` called by legacy code under the harness.

    A `BaseException`, so that a legacy `except Exception` does not swallow it; the contract
    reports it as a failed import (or the test fails), naming the line.
    """


_REAL_EXECUTE_CHILD = subprocess.Popen._execute_child  # type: ignore[attr-defined]
_REAL_PROCESS_START = multiprocessing.process.BaseProcess.start
_REAL_PROCESS_JOIN = multiprocessing.process.BaseProcess.join
_REAL_SYSTEM = os.system
_REAL_EXIT = os._exit


def _execute_child(self: subprocess.Popen, args: Any, *rest: Any) -> None:
    frame, recorder = legacy_caller()
    if recorder is None:  # a test's own process: it starts, and inherits the network guard
        rest = (*rest[:5], NETWORK_GUARD.child_environment(rest[5]), *rest[6:])
        return _REAL_EXECUTE_CHILD(self, args, *rest)
    # What the real one does to the child's ends of the pipes once the child has them: closed
    # here, the parent's ends read as end of file at once.
    p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite = rest[9:15]
    self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)  # type: ignore[attr-defined]
    self.pid = None  # type: ignore[assignment]  # never 0: os.kill(0, ...) signals our own group
    self.returncode = 0
    record_start(recorder, frame, "Popen", None, (args,), name=_command(args), thread=self)
    return None


def _process_start(self: multiprocessing.process.BaseProcess) -> None:
    frame, recorder = legacy_caller()
    if recorder is None:  # a test's own process: it starts, and inherits the network guard
        with _guard_in_environ(self):
            _REAL_PROCESS_START(self)
        return
    self._harness_recorded = True  # type: ignore[attr-defined]
    record_start(
        recorder,
        frame,
        "Process",
        getattr(self, "_target", None),
        getattr(self, "_args", ()),
        getattr(self, "_kwargs", {}),
        name=self.name,
        daemon=bool(self.daemon),
        thread=self,
    )


@contextmanager
def _guard_in_environ(process: multiprocessing.process.BaseProcess) -> Iterator[None]:
    """For the start of a `spawn` (or `forkserver`) process: the guard's variables in
    `os.environ` (a `fork` child is a copy of this process, guard included).

    multiprocessing starts those children with the process's own environment, not through
    `subprocess`, so the child's environment cannot be handed over as `subprocess`'s is; it is
    put in `os.environ` for the start only, and taken out again at once.
    """
    method = (
        getattr(process, "_start_method", None)  # a context's Process: its own method
        or multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0]  # the platform's default
    )
    guarded = NETWORK_GUARD.child_environment(None) if method in ("spawn", "forkserver") else None
    if guarded is None:
        yield
        return
    changed = {n: os.environ.get(n) for n, v in guarded.items() if os.environ.get(n) != v}
    os.environ.update({name: guarded[name] for name in changed})
    try:
        yield
    finally:
        for name, value in changed.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _process_join(self: multiprocessing.process.BaseProcess, timeout: float | None = None) -> None:
    if getattr(self, "_harness_recorded", False):
        return  # never started: nothing to wait for
    _REAL_PROCESS_JOIN(self, timeout)


def _system(command: Any) -> int:
    frame, recorder = legacy_caller()
    if recorder is None:
        return _REAL_SYSTEM(command)
    record_start(recorder, frame, "os.system", None, (command,), name=_command(command))
    return 0


def _exit(status: int) -> None:
    frame, recorder = legacy_caller()
    if recorder is None:
        _REAL_EXIT(status)
    where = f" at {display_path(frame.f_code.co_filename)}:{frame.f_lineno}" if frame else ""
    raise ProcessExitRefused(
        f"os._exit({status}) called{where}: it would end the whole test run with no summary. "
        "Fix: fake or patch what calls it, or keep the call out of import time"
    )


def _command(args: Any) -> str:
    if isinstance(args, (str, bytes)):
        return os.fsdecode(args)
    return " ".join(os.fsdecode(a) if isinstance(a, (str, bytes)) else str(a) for a in args)


@contextmanager
def recording_processes() -> Iterator[None]:
    """Install the stand-ins above until the block ends (scopes nest: the outermost wins)."""
    if subprocess.Popen._execute_child is _execute_child:  # type: ignore[attr-defined]
        yield
        return
    base = multiprocessing.process.BaseProcess
    subprocess.Popen._execute_child = _execute_child  # type: ignore[attr-defined]
    base.start, base.join = _process_start, _process_join  # type: ignore[method-assign]
    os.system, os._exit = _system, _exit  # type: ignore[assignment]
    try:
        yield
    finally:
        subprocess.Popen._execute_child = _REAL_EXECUTE_CHILD  # type: ignore[attr-defined]
        base.start, base.join = _REAL_PROCESS_START, _REAL_PROCESS_JOIN  # type: ignore[method-assign]
        os.system, os._exit = _REAL_SYSTEM, _REAL_EXIT  # type: ignore[assignment]
