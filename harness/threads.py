"""Threads a legacy module creates: recorded instead of started, and run inline on request.

While a legacy module is imported (and while a test uses it) `threading.Thread` and
`threading.Timer` are replaced by subclasses that look at who builds them. Built from a legacy
file (or a subclass defined in one), the thread is recorded: `start()` only notes that it was
asked for, `join()` returns at once, the target is kept so a test can run it inline. Built by
anything else (a library's own worker, `concurrent.futures`), it is a real thread, so libraries
used by the test keep working. A `from threading import Thread` executed during the import binds
the recording class for good, which is what the legacy module must keep seeing.

`_thread.start_new_thread` and `ThreadPoolExecutor.submit` called by legacy code are recorded
the same way (the submitted function is the target; its future stays pending); processes are
recorded by `harness.processes`.

`run_inline()` runs a recorded target in a daemon thread with a wall-clock bound: a consumer loop
ends when the fake consumers raise their stop signal (drain-then-stop mode); a loop that catches
the stop and polls again is parked by the fake in that poll and the run ends naming the `except`
that caught it; a loop that never polls them is interrupted by an exception injected into its
thread, and reported.

`time_bound()` bounds an import (`import_timeout`): SIGALRM in the main thread, a watchdog
thread elsewhere; either way the error names the legacy line where the import was.
"""

from __future__ import annotations

import _thread
import ast
import concurrent.futures
import linecache
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from harness.errors import InlineRunError
from harness.locations import display_path, is_library_file

_THIS_FILE = os.path.abspath(__file__)
_THREADING_FILE = os.path.abspath(threading.__file__)
_FUTURES_DIR = os.path.dirname(os.path.abspath(concurrent.futures.__file__)) + os.sep


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
    thread: Any  # what the legacy module holds: the recording Thread, the Popen, the Process
    started: bool = False  # start() was called (and ignored)
    at_import: bool = False
    summary: str = ""  # how the report shows it, when not a thread (a loop at module level)

    @property
    def runnable(self) -> bool:
        """False for a recorded program (`Popen`, `os.system`): it has no Python body."""
        return self.target is not None or hasattr(self.thread, "run")

    @property
    def target_name(self) -> str:
        if not self.runnable:
            return self.name
        function = self.target if self.target is not None else type(self.thread).run
        module = getattr(function, "__module__", None) or "?"
        return f"{module.rsplit('.', 1)[-1]}.{getattr(function, '__qualname__', repr(function))}"

    def describe(self) -> str:
        if self.summary:
            return self.summary
        state = "start() recorded, not started" if self.started else "built, never started"
        if not self.runnable:
            return f"{self.kind}({self.name!r}) at {display_path(self.file)}:{self.line}, recorded, not run"
        daemon = "daemon" if self.daemon else "non-daemon"
        return (
            f"{self.kind}(target={self.target_name}) at {display_path(self.file)}:{self.line}, "
            f"{daemon}, {state}"
        )

    def call(self) -> Any:
        """Run the thread's body in the calling thread, as `Thread.run()` would (re-runnable)."""
        if not self.runnable:
            raise InlineRunError(
                f"harness: {self.describe()}: a program, not Python code, so it cannot run inline"
            )
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

    def register(
        self,
        path: str,
        recorder: ThreadRecorder,
        *,
        directory: str | None = None,
        modules: Iterable[str] = (),
    ) -> None:
        """The service at `path` is about to be imported (its project's modules under
        `directory`, by default the file's own, and `modules`: its own code elsewhere, each a
        package folder or a module's path without `.py`)."""
        path = os.path.abspath(path)
        self._importing[path] = recorder
        self._importing[os.path.abspath(directory or os.path.dirname(path)) + os.sep] = recorder
        for module in map(os.path.abspath, modules):
            key = module + os.sep if os.path.isdir(module) else module + ".py"
            self._importing[key] = recorder
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
        if filename in self._files or filename in self._importing:
            return True
        if filename.endswith(">"):  # code a library generated (`<string>`), made absolute
            return False
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


def legacy_caller() -> tuple[Any, ThreadRecorder | None]:
    """For a stand-in's caller: the innermost frame outside libraries and the harness, and the
    service it belongs to (None: not legacy code, the real thing must happen)."""
    frame = sys._getframe(2)
    while frame is not None and is_library_file(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return None, None
    return frame, LEGACY_SITES.recorder_for(frame)


def record_start(
    recorder: ThreadRecorder,
    frame: Any,
    kind: str,
    target: Callable[..., Any] | None,
    args: Any = (),
    kwargs: dict | None = None,
    *,
    name: str = "",
    daemon: bool = False,
    thread: Any = None,
) -> RecordedThread:
    """Record something legacy code asked to start at `frame` (a stand-in's caller)."""
    record = RecordedThread(
        kind=kind,
        target=target,
        args=tuple(args),
        kwargs=dict(kwargs or {}),
        name=name or getattr(target, "__qualname__", repr(target)),
        daemon=daemon,
        file=frame.f_code.co_filename,
        line=frame.f_lineno,
        thread=thread,
        started=True,
    )
    recorder.add(record)
    return record


_REAL_START_NEW_THREAD = _thread.start_new_thread
_REAL_SUBMIT = ThreadPoolExecutor.submit


def _direct_caller() -> tuple[Any, ThreadRecorder | None]:
    """For `submit` and `start_new_thread`: the frame that called it (past `concurrent.futures`,
    whose `map` submits for its caller), and its service. A library calling it keeps the real
    thing: boto3's managed transfers (`upload_file`, `download_fileobj`) wait on their own
    pool's futures, which a recorded submit would leave pending for ever."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_FUTURES_DIR):
        frame = frame.f_back
    if frame is None or is_library_file(frame.f_code.co_filename):
        return None, None
    return frame, LEGACY_SITES.recorder_for(frame)


def _start_new_thread(function: Callable[..., Any], args: tuple, kwargs: dict | None = None) -> int:
    """`_thread.start_new_thread` while recording: legacy callers get a recorded thread."""
    frame, recorder = _direct_caller()
    if recorder is None:
        return _REAL_START_NEW_THREAD(function, args, *([kwargs] if kwargs is not None else []))
    record_start(recorder, frame, "_thread.start_new_thread", function, args, kwargs, daemon=True)
    return 0


def _submit(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
    """`ThreadPoolExecutor.submit` while recording: a legacy caller's work is recorded (runnable
    inline) and its future stays pending; no worker thread is started."""
    frame, recorder = _direct_caller()
    if recorder is None:
        return _REAL_SUBMIT(self, fn, *args, **kwargs)
    record_start(recorder, frame, "ThreadPoolExecutor.submit", fn, args, kwargs)
    return Future()


@contextmanager
def recording_threads() -> Iterator[None]:
    """Replace `threading.Thread` and `threading.Timer` with the recording classes, and
    `_thread.start_new_thread` and `ThreadPoolExecutor.submit` with recording stand-ins."""
    saved = threading.Thread, threading.Timer, _thread.start_new_thread, ThreadPoolExecutor.submit
    threading.Thread, threading.Timer = RecordingThread, RecordingTimer  # type: ignore[misc]
    _thread.start_new_thread = _start_new_thread
    ThreadPoolExecutor.submit = _submit  # type: ignore[method-assign]
    try:
        yield
    finally:
        threading.Thread, threading.Timer = saved[:2]  # type: ignore[misc]
        _thread.start_new_thread, ThreadPoolExecutor.submit = saved[2:]  # type: ignore[method-assign]


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
    # The loop caught the stop and polled again: where it was caught. The run is over all the
    # same (its thread is parked for good, see harness.fakes.kafka_broker).
    swallowed: str = ""


def run_inline(
    body: Callable[[], Any],
    *,
    label: str,
    timeout: float,
    stop_types: tuple[type[BaseException], ...],
    is_legacy_file: Callable[[str], bool],
    grace: float = 2.0,
    diagnose: Callable[[], str] = lambda: "",
    swallowed: Callable[[], str] = lambda: "",
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
    deadline = began + timeout
    thread.start()
    caught = ""
    while thread.is_alive() and not caught and time.monotonic() < deadline:
        thread.join(min(0.01, max(deadline - time.monotonic(), 0)))
        caught = swallowed()
    seconds = time.monotonic() - began
    if caught and thread.is_alive():
        return InlineRun(label, "stopped", None, seconds, swallowed=caught)
    if thread.is_alive():
        where = _where(thread.ident, is_legacy_file)
        _inject(thread.ident, LoopInterrupted)
        thread.join(grace)
        extra = diagnose()
        left = " It was interrupted."
        if thread.is_alive():
            site = _current_site(thread.ident, is_legacy_file)
            catcher = swallowed_at(site) if site else ""
            left = (
                f" It did not stop within {grace:g} s of being interrupted either: it swallowed "
                f"the interruption in {catcher}; it is left running as a daemon thread."
                if catcher.startswith("the ")
                else f" It did not stop within {grace:g} s of being interrupted either (blocked "
                "in a call that does not return to Python); it is left running as a daemon thread."
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


class ImportTimedOut(BaseException):
    """Raised into an import that outlived `import_timeout` (a `BaseException`, so that a legacy
    `except Exception` around the loop does not swallow it)."""


@contextmanager
def time_bound(seconds: float, *, what: str, is_legacy_file: Callable[[str], bool]) -> Iterator[None]:
    """Raise `ImportTimedOut` in the calling thread once the block has run `seconds`.

    In the main thread (pytest's, and an xdist worker's): `SIGALRM` from `setitimer`, whose
    handler raises where the code is, even inside `time.sleep()` or a lock wait; the previous
    handler and timer (pytest-timeout's, say) are put back, the timer less the time spent. In
    any other thread: a watchdog thread that injects the exception (it takes effect at the
    next bytecode, so within a second of a `time.sleep(1)` loop).
    """
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def on_alarm(number: int, frame: Any) -> None:
            raise ImportTimedOut(_timed_out(what, seconds, _frame_where(frame, is_legacy_file)))

        previous = signal.signal(signal.SIGALRM, on_alarm)
        previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        began = time.monotonic()
        _ARMED.append(on_alarm)
        try:
            yield
        finally:
            _ARMED.pop()
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if previous_delay > 0:
                left = max(previous_delay - (time.monotonic() - began), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, previous_interval)
        return
    done = threading.Event()
    target = threading.get_ident()
    location: list[str] = []

    def watchdog() -> None:
        if not done.wait(seconds):
            location.append(_where(target, is_legacy_file))
            _inject(target, ImportTimedOut)

    guard = _REAL_THREAD(target=watchdog, name=f"harness-time-bound:{what}", daemon=True)
    guard.start()
    try:
        yield
    except ImportTimedOut:
        raise ImportTimedOut(_timed_out(what, seconds, location[0] if location else "")) from None
    finally:
        done.set()
        guard.join()


_ARMED: list[Callable[..., None]] = []  # the main thread's bounds in force, innermost last


@contextmanager
def not_counted() -> Iterator[None]:
    """Harness work inside a bounded import (moto's S3 store started at the service's first
    client, a fake built when the service first imports its package) does not count against
    the service's `import_timeout`: the main thread's timer stops for the block. (A bound
    kept by a watchdog thread, off the main thread, counts it.)"""
    if not _ARMED or threading.current_thread() is not threading.main_thread():
        yield
        return
    left, interval = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if left > 0:
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def _timed_out(what: str, seconds: float, where: str) -> str:
    return (
        f"{what} did not finish within {seconds:g} s (import_timeout); it was {where}. A loop "
        "at module level (a consumer iterated, a `while True`) never ends under the harness "
        "either. Fix: move the loop into a function (a thread target the harness records), or "
        "raise import_timeout in [tool.harness] if the import is just slow"
    )


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


def legacy_frame() -> Any:
    """The innermost legacy frame of the calling thread (None outside legacy code)."""
    frame = sys._getframe(1)
    while frame is not None and not LEGACY_SITES.is_legacy_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def legacy_site() -> tuple[str, int] | None:
    """(file, line) of the innermost legacy frame of the calling thread."""
    frame = legacy_frame()
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


def legacy_entry() -> str:
    """'relay.main': the outermost legacy function the calling thread is in (the one a test
    called, to hand to `legacy.threads.run`); "" outside legacy code."""
    frame, entry = sys._getframe(1), None
    while frame is not None:
        code = frame.f_code
        if code.co_name != "<module>" and LEGACY_SITES.is_legacy_file(code.co_filename):
            entry = frame
        frame = frame.f_back
    if entry is None:
        return ""
    stem = os.path.splitext(os.path.basename(entry.f_code.co_filename))[0]
    return f"{stem}.{entry.f_code.co_qualname}"


def _current_site(ident: int | None, is_legacy_file: Callable[[str], bool]) -> tuple[str, int] | None:
    frame = sys._current_frames().get(ident) if ident is not None else None
    while frame is not None and not is_legacy_file(frame.f_code.co_filename):
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


def swallowed_at(site: tuple[str, int] | None) -> str:
    """'the bare `except:` at svc.py:12' for the handler around `site` that catches a
    BaseException; a vaguer description when the source does not show one."""
    if site is None:
        return "an `except` that catches BaseException"
    filename, line = site
    for handler in _handlers_around(filename, line):
        if handler.type is None:
            return f"the bare `except:` at {display_path(filename)}:{handler.lineno}"
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for name in names:
            if isinstance(name, (ast.Name, ast.Attribute)) and ast.unparse(name).endswith(
                ("BaseException", "ConsumerStopped")
            ):
                return f"the `except {ast.unparse(handler.type)}:` at {display_path(filename)}:{handler.lineno}"
    return f"an `except` that catches BaseException, around {display_path(filename)}:{line}"


def _handlers_around(filename: str, line: int) -> list[ast.ExceptHandler]:
    """The except handlers of the `try` statements whose body holds `line`, innermost first."""
    try:
        tree = ast.parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return []
    tries = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Try | ast.TryStar)
        and node.body
        and node.body[0].lineno <= line <= (node.body[-1].end_lineno or line)
    ]
    tries.sort(key=lambda node: node.lineno, reverse=True)
    return [handler for node in tries for handler in node.handlers]


def _where(ident: int | None, is_legacy_file: Callable[[str], bool]) -> str:
    """'at current.py:57 in consume_data: `time.sleep(1)`' for the thread's innermost legacy frame."""
    frame = sys._current_frames().get(ident) if ident is not None else None
    return _frame_where(frame, is_legacy_file)


def _frame_where(frame: Any, is_legacy_file: Callable[[str], bool]) -> str:
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
