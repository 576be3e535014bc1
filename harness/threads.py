"""Threads a legacy module creates: recorded instead of started, and run inline on request.

While a legacy module is imported (and while a test uses it) `threading.Thread` and
`threading.Timer` are replaced by subclasses that look at who builds them. Built from a legacy
file (or a subclass defined in one), the thread is recorded: `start()` only notes that it was
asked for, `join()` returns at once, the target is kept so a test can run it inline. Built by
anything else (a library's own worker, `concurrent.futures`), it is a real thread, so libraries
used by the test keep working. A `from threading import Thread` executed during the import binds
the recording class for good, which is what the legacy module must keep seeing.

`run_inline()` runs a recorded target in a daemon thread with a wall-clock bound: a consumer loop
ends when the fake consumers raise their stop signal (drain-then-stop mode); a loop that never
polls them is interrupted by an exception injected into its thread, and reported.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from harness.errors import InlineRunError
from harness.locations import display_path, is_library_file

_THIS_FILE = os.path.abspath(__file__)
_THREADING_FILE = os.path.abspath(threading.__file__)


@dataclass
class RecordedThread:
    """A thread (or timer) a legacy module built; never started by the harness on its own."""

    kind: str  # "Thread", "Timer", or the legacy subclass's name
    target: Callable[..., Any] | None  # None: a subclass that overrides run()
    args: tuple
    kwargs: dict
    name: str
    daemon: bool
    file: str  # where it was built
    line: int
    thread: threading.Thread  # the recording object the legacy module holds
    started: bool = False  # start() was called (and ignored)
    at_import: bool = False

    @property
    def target_name(self) -> str:
        function = self.target if self.target is not None else type(self.thread).run
        module = getattr(function, "__module__", None) or "?"
        return f"{module.rsplit('.', 1)[-1]}.{getattr(function, '__qualname__', repr(function))}"

    def describe(self) -> str:
        state = "start() recorded, not started" if self.started else "built, never started"
        daemon = "daemon" if self.daemon else "non-daemon"
        return (
            f"{self.kind}(target={self.target_name}) at {display_path(self.file)}:{self.line}, "
            f"{daemon}, {state}"
        )

    def call(self) -> Any:
        """Run the thread's body in the calling thread, as `Thread.run()` would (re-runnable)."""
        if self.target is None:
            return self.thread.run()
        return self.target(*self.args, **self.kwargs)


@dataclass
class ThreadRecorder:
    """The threads of one legacy service: those built at import, then those built in a test."""

    service: str
    threads: list[RecordedThread] = field(default_factory=list)
    _import_count: int = 0

    def add(self, record: RecordedThread) -> None:
        self.threads.append(record)

    def seal_import(self) -> None:
        """Mark everything recorded so far as built at import."""
        for record in self.threads:
            record.at_import = True
        self._import_count = len(self.threads)

    def reset(self) -> None:
        """Forget threads built during a test; import-time ones stay (they cannot be rebuilt)."""
        del self.threads[self._import_count :]

    @property
    def at_import(self) -> list[RecordedThread]:
        return self.threads[: self._import_count]


class _Sites:
    """Which code belongs to which legacy service: a thread it builds is recorded for that
    service, a connection it attempts is attributed to it.

    While a service is imported, its file and directory count (its siblings are not known yet).
    Once imported, its module's globals and those of the siblings it loaded do: one file can be
    imported twice (another `env` for the same service) and each import keeps its own threads;
    test files or tools that happen to live next to the service are not taken for it.
    """

    def __init__(self) -> None:
        self._importing: dict[str, ThreadRecorder] = {}  # file or directory + os.sep
        self._namespaces: dict[int, tuple[dict, ThreadRecorder]] = {}  # id(module globals)
        self._files: set[str] = set()  # every file that ever belonged to a service

    def register(self, path: str, recorder: ThreadRecorder, *, directory: str | None = None) -> None:
        """The service at `path` is about to be imported (its project's modules under
        `directory`, by default the file's own)."""
        path = os.path.abspath(path)
        self._importing[path] = recorder
        self._importing[os.path.abspath(directory or os.path.dirname(path)) + os.sep] = recorder
        self._files.add(path)

    def settle(self, recorder: ThreadRecorder, modules: list[Any]) -> None:
        """The import is over: from now on the globals of `modules` belong to the service."""
        for key in [k for k, r in self._importing.items() if r is recorder]:
            del self._importing[key]
        for module in modules:
            self._namespaces[id(vars(module))] = (vars(module), recorder)
            self._files.add(os.path.abspath(module.__file__))

    def recorder_for(self, frame: Any) -> ThreadRecorder | None:
        found = self._namespaces.get(id(frame.f_globals))
        if found is not None and found[0] is frame.f_globals:
            return found[1]
        filename = frame.f_code.co_filename
        recorder = self._importing.get(filename)
        if recorder is not None:
            return recorder
        for key, recorder in self._importing.items():
            if key.endswith(os.sep) and filename.startswith(key) and not is_library_file(filename):
                return recorder
        return None

    def is_legacy_file(self, filename: str) -> bool:
        if filename in self._files:
            return True
        return any(
            key.endswith(os.sep) and filename.startswith(key) and not is_library_file(filename)
            for key in self._importing
        )


# The legacy files of the process: the recording classes outlive every scope (a legacy module
# keeps `from threading import Thread` bindings), so the map they consult does too.
LEGACY_SITES = _Sites()


class _Recording:
    """Mixin for `threading.Thread` and `threading.Timer`: record when built by legacy code."""

    _harness_record: RecordedThread | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_harness_building", False):
            # Timer.__init__ calls `Thread.__init__(self)` through threading's globals, which
            # name the recording class while it is installed: initialise the real base once.
            _REAL_THREAD.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
            return
        frame = _builder_frame()
        recorder = LEGACY_SITES.recorder_for(frame) if frame else None
        self._harness_building = True
        try:
            super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        finally:
            self._harness_building = False
        if recorder is None:
            return
        thread: threading.Thread = self  # type: ignore[assignment]
        target = getattr(thread, "_target", None)
        args_, kwargs_ = (
            tuple(getattr(thread, "_args", ())),
            dict(getattr(thread, "_kwargs", {}) or {}),
        )
        if isinstance(thread, threading.Timer):  # Timer keeps its callable apart
            target, args_, kwargs_ = thread.function, tuple(thread.args), dict(thread.kwargs)
        if type(thread).run not in (
            threading.Thread.run,
            threading.Timer.run,
            _REAL_THREAD.run,
            _REAL_TIMER.run,
        ):
            target = None  # a legacy subclass: its run() is the body
        kind = "Timer" if isinstance(thread, _REAL_TIMER) else "Thread"
        if type(thread).__module__ != __name__:
            kind = type(thread).__name__
        record = RecordedThread(
            kind=kind,
            target=target,
            args=args_,
            kwargs=kwargs_,
            name=thread.name,
            daemon=thread.daemon,
            file=frame.f_code.co_filename,
            line=frame.f_lineno,
            thread=thread,
        )
        self._harness_record = record
        recorder.add(record)

    def start(self) -> None:
        record = self._harness_record
        if record is None:
            super().start()  # type: ignore[misc]
            return
        record.started = True
        record.daemon = self.daemon  # type: ignore[attr-defined]  # may be set after __init__

    def join(self, timeout: float | None = None) -> None:
        if self._harness_record is None:
            super().join(timeout)  # type: ignore[misc]
        # A recorded thread never runs: there is nothing to wait for.

    def is_alive(self) -> bool:
        if self._harness_record is None:
            return super().is_alive()  # type: ignore[misc]
        return False


_REAL_THREAD = threading.Thread
_REAL_TIMER = threading.Timer


class RecordingThread(_Recording, _REAL_THREAD):
    """Stands for `threading.Thread` while a legacy module is imported or tested."""


class RecordingTimer(_Recording, _REAL_TIMER):
    """Stands for `threading.Timer` while a legacy module is imported or tested."""


RecordingThread.__name__ = RecordingThread.__qualname__ = "Thread"
RecordingTimer.__name__ = RecordingTimer.__qualname__ = "Timer"


@contextmanager
def recording_threads() -> Iterator[None]:
    """Replace `threading.Thread` and `threading.Timer` with the recording classes."""
    saved = threading.Thread, threading.Timer
    threading.Thread, threading.Timer = RecordingThread, RecordingTimer  # type: ignore[misc]
    try:
        yield
    finally:
        threading.Thread, threading.Timer = saved  # type: ignore[misc]


def _builder_frame():
    """The frame that builds the thread: the first one outside threading.py and this file."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename in (_THIS_FILE, _THREADING_FILE):
        frame = frame.f_back
    return frame


# ---------------------------------------------------------------------------------------------
# Running a recorded target inline


class LoopInterrupted(BaseException):
    """Injected into an inline run that outlived its time limit.

    A `BaseException`, so the legacy loop's `except Exception` cannot swallow it either.
    """


@dataclass(frozen=True)
class InlineRun:
    """How an inline run ended."""

    target: str
    ended: str  # "stopped" (a consumer's stop signal) or "returned"
    stop: BaseException | None
    seconds: float


def run_inline(
    body: Callable[[], Any],
    *,
    label: str,
    timeout: float,
    stop_types: tuple[type[BaseException], ...],
    is_legacy_file: Callable[[str], bool],
    grace: float = 2.0,
    diagnose: Callable[[], str] = lambda: "",
) -> InlineRun:
    """Run `body` in a daemon thread; return when it returns or raises one of `stop_types`.

    An exception from the body is re-raised here, in the test's thread. A body still running
    after `timeout` seconds gets `LoopInterrupted` injected and the call fails with
    `InlineRunError`, saying where the loop was and what `diagnose()` adds (e.g. how often it
    polled). A body stuck in a blocking C call cannot be interrupted: it is left running as a
    daemon thread (it cannot keep the process from exiting) and the error says so.
    """
    outcome: dict[str, Any] = {}

    def runner() -> None:
        try:
            body()
        except stop_types as stop:
            # Without its traceback: the frames of the finished loop (and the clients they hold,
            # such as a consumer built inside the target) must go now, as the thread's would.
            outcome["stop"] = stop.with_traceback(None)
            stop.__context__ = None
        except LoopInterrupted:
            outcome["interrupted"] = True
        except BaseException as error:  # noqa: BLE001  re-raised in the test's thread below
            outcome["error"] = error
        else:
            outcome["returned"] = True

    thread = _REAL_THREAD(target=runner, name=f"harness-inline:{label}", daemon=True)
    began = time.monotonic()
    thread.start()
    thread.join(timeout)
    seconds = time.monotonic() - began
    if thread.is_alive():
        where = _where(thread.ident, is_legacy_file)
        _inject(thread.ident, LoopInterrupted)
        thread.join(grace)
        extra = diagnose()
        left = (
            f" It did not stop within {grace:g} s of being interrupted either (blocked in a call "
            "that does not return to Python); it is left running as a daemon thread."
            if thread.is_alive()
            else " It was interrupted."
        )
        raise InlineRunError(
            f"harness: inline run of {label} did not stop within {timeout:g} s; it was {where}."
            f"{(' ' + extra) if extra else ''}{left} A consumer loop stops once the harness "
            "consumers it polls have delivered what the test produced; a loop that sleeps, waits "
            "or retries without polling them never reaches that point. Fix: produce what the loop "
            "waits for, give legacy.threads.run(..., timeout=...) more time, or call the "
            "function the loop calls instead."
        )
    if "error" in outcome:
        raise outcome["error"]
    if "stop" in outcome:
        return InlineRun(label, "stopped", outcome["stop"], seconds)
    return InlineRun(label, "returned", None, seconds)


def _inject(ident: int | None, exc_type: type[BaseException]) -> None:
    """Raise `exc_type` in thread `ident` at its next bytecode (CPython's async exception API).

    Written by hand: no maintained library stops a Python thread; this is the one mechanism
    CPython offers, used the same way by debuggers.
    """
    if ident is None:
        return
    import ctypes  # only when a loop has to be interrupted

    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
    if set_async_exc(ident, exc_type) > 1:  # more than one thread state touched: undo
        set_async_exc(ident, None)


def _where(ident: int | None, is_legacy_file: Callable[[str], bool]) -> str:
    """'at current.py:57 in consume_data: `time.sleep(1)`' for the thread's innermost legacy frame."""
    frame = sys._current_frames().get(ident) if ident is not None else None
    chosen = None
    while frame is not None:
        if is_legacy_file(frame.f_code.co_filename):
            chosen = frame
            break
        frame = frame.f_back
    if chosen is None:
        return "somewhere outside the legacy module"
    filename, line = chosen.f_code.co_filename, chosen.f_lineno
    code = linecache.getline(filename, line).strip()
    return f"at {display_path(filename)}:{line} in {chosen.f_code.co_name}" + (
        f": `{code}`" if code else ""
    )
