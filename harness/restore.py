"""What the ordered import contract gives back: a snapshot of the process-wide state an import
or a test can change, its restore, and the check that the restore left nothing different.

Covered (each taken, restored and compared; all of it costs a few tens of microseconds):

- `sys.modules`, `sys.path`, `sys.meta_path`, `os.environ`, the working directory, the umask;
- hooks: `sys.excepthook`, `sys.unraisablehook`, `sys.displayhook`, `sys.breakpointhook`,
  `threading.excepthook` and every other attribute of `threading` and `_thread` (a
  `sentry_sdk.init()` at import patches both);
- signal handlers, every valid signal (`signal.signal(SIGINT, SIG_IGN)` at import would make
  Ctrl-C ineffective for the rest of the run); restored from the main thread only, where
  Python allows it;
- logging: level, handlers, `propagate` and `disabled` of the root logger and of every named
  logger, and `logging.disable()`. Handlers the scope added are removed *and closed*; loggers
  created inside the scope are reset to a new logger's state, so `basicConfig()` or a
  `setLevel()` at import does not silence or duplicate what `caplog` and the next test see;
- `socket.getdefaulttimeout()`, `sys.getrecursionlimit()`, `sys.getswitchinterval()`,
  `warnings.filters`, `gc` (enabled, thresholds), the `LC_ALL` locale.

Two things are not undone but diverted while a scope is active (see `diverting`):

- a `logging.FileHandler` (and its rotating subclasses) opened on a path outside the session's
  log directory opens the same relative path under it (pytest's tmp dir): a
  `basicConfig(filename="service.log")` at import never writes into the project;
- `atexit.register` called by legacy or test code (not by libraries) is recorded, registered,
  and unregistered when the scope ends: it never runs at exit. `registered_at_exit` lists them.

Attributes pytest itself swaps during a test (its per-phase log-capture handlers,
`PYTEST_CURRENT_TEST`, coverage's trace hooks) are left out of the comparison.
"""

from __future__ import annotations

import _signal
import _thread
import atexit
import gc
import locale
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from harness.locations import display_path, is_library_file
from harness.modules import ModulesSnapshot
from harness.threads import RecordingThread, RecordingTimer

# Attributes of `threading` that others legitimately swap while a test runs (coverage sets the
# trace and profile hooks). pytest (>= 8.4) sets `threading.excepthook` once per session.
_THREADING_UNCHECKED = frozenset({"_trace_hook", "_profile_hook", "__excepthook__"})
# pytest sets it for each phase of a test; a scope opened in one phase ends in another.
_ENVIRON_UNCHECKED = frozenset({"PYTEST_CURRENT_TEST"})
_SYS_HOOKS = ("excepthook", "unraisablehook", "displayhook", "breakpointhook")
SIGNALS = tuple(
    s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)
)


@dataclass
class ProcessSnapshot:
    """Everything the contract touches, as it was when a scope began."""

    modules: ModulesSnapshot
    environ_raw: dict  # os.environ's encoded mapping, copied (decoding all of it costs 100x more)
    path: list[str]
    meta_path: list[Any]
    threading_attrs: dict[str, Any]
    cwd: str
    thread_attrs: dict[str, Any] = field(default_factory=dict)
    classes: tuple = ()  # (class, its attributes) for threading.Thread and threading.Timer
    hooks: tuple = ()
    signals: tuple = ()
    logging: _LoggingState | None = None
    limits: tuple = ()
    warnings_filters: list = field(default_factory=list)
    umask: int = 0o022

    @property
    def environ(self) -> dict[str, str]:
        """`os.environ` as it was (without the variables pytest sets per test phase)."""
        decode_key, decode_value = os.environ.decodekey, os.environ.decodevalue  # type: ignore[attr-defined]
        return {decode_key(k): decode_value(v) for k, v in self.environ_raw.items()}

    @classmethod
    def take(cls) -> ProcessSnapshot:
        return cls(
            modules=ModulesSnapshot.take(),
            environ_raw=_environ_raw(),
            path=list(sys.path),
            meta_path=list(sys.meta_path),
            threading_attrs=dict(vars(threading)),
            cwd=os.getcwd(),
            thread_attrs=dict(vars(_thread)),
            classes=tuple((c, dict(vars(c))) for c in _thread_classes()),
            hooks=_hooks(),
            signals=signal_handlers(),
            logging=_LoggingState.take(),
            limits=_limits(),
            warnings_filters=list(warnings.filters),
            umask=_umask(),
        )

    def restore(self) -> None:
        self.modules.restore()
        if _environ_raw() != self.environ_raw:
            current, before = os.environ, self.environ
            for name in [n for n in current if n not in before and n not in _ENVIRON_UNCHECKED]:
                del current[name]
            for name, value in before.items():
                if current.get(name) != value:
                    current[name] = value
        if sys.path != self.path:
            sys.path[:] = self.path
        if sys.meta_path != self.meta_path:
            sys.meta_path[:] = self.meta_path
        _put_back(threading, self.threading_attrs, _THREADING_UNCHECKED)
        _put_back(_thread, self.thread_attrs, frozenset())
        for cls, attrs in self.classes:
            _put_back(cls, attrs, frozenset())
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        for name, hook in zip(_SYS_HOOKS, self.hooks):
            if getattr(sys, name) is not hook:
                setattr(sys, name, hook)
        if self.signals != signal_handlers() and threading.current_thread() is threading.main_thread():
            for number, handler in zip(SIGNALS, self.signals):
                if handler is not None and signal.getsignal(number) is not handler:
                    signal.signal(number, handler)
        _restore_logging(self.logging)
        if self.limits != _limits():
            _set_limits(self.limits)
        if warnings.filters != self.warnings_filters:
            warnings.filters[:] = self.warnings_filters
            warnings._filters_mutated()  # type: ignore[attr-defined]  # what warnings.filterwarnings calls
        if _umask() != self.umask:
            os.umask(self.umask)

    def differences(self) -> list[str]:
        """What differs from the snapshot now (empty when the process is as it was)."""
        found = self.modules.differences()
        if _environ_raw() != self.environ_raw:
            environ = environ_now()
            changed = sorted(set(environ.items()) ^ set(self.environ.items()))
            found.append("os.environ: " + ", ".join(sorted({name for name, _ in changed})))
        if sys.path != self.path:
            found.append("sys.path differs")
        if sys.meta_path != self.meta_path:
            found.append("sys.meta_path differs")
        for owner, before, unchecked in (
            (threading, self.threading_attrs, _THREADING_UNCHECKED),
            (_thread, self.thread_attrs, frozenset()),
            *((cls, attrs, frozenset()) for cls, attrs in self.classes),
        ):
            names = _changed_attrs(owner, before, unchecked)
            if names:
                found.append(f"{owner.__name__}: " + ", ".join(names))
        if os.getcwd() != self.cwd:
            found.append(f"working directory is {os.getcwd()}, was {self.cwd}")
        found += [
            f"sys.{name} replaced"
            for name, hook in zip(_SYS_HOOKS, self.hooks)
            if getattr(sys, name) is not hook
        ]
        signals = signal_handlers()
        found += [
            f"handler of {signal.Signals(number).name} is {handler_name(now)}, was {handler_name(was)}"
            for number, was, now in zip(SIGNALS, self.signals, signals)
            if was is not None and now is not was
        ]
        found += _logging_differences(self.logging)
        limits = _limits()
        found += [
            f"{name} is {now!r}, was {was!r}"
            for name, was, now in zip(_LIMIT_NAMES, self.limits, limits)
            if now != was
        ]
        if warnings.filters != self.warnings_filters:
            found.append("warnings.filters differ")
        umask = _umask()
        if umask != self.umask:
            found.append(f"umask is {umask:04o}, was {self.umask:04o}")
        return found


_MISSING = object()


def environ_now() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _ENVIRON_UNCHECKED}


def _environ_raw() -> dict:
    raw = os.environ._data.copy()  # type: ignore[attr-defined]
    for name in _ENVIRON_UNCHECKED_RAW:
        raw.pop(name, None)
    return raw


_ENVIRON_UNCHECKED_RAW = tuple(os.environ.encodekey(n) for n in _ENVIRON_UNCHECKED)  # type: ignore[attr-defined]


def _put_back(module: Any, before: dict[str, Any], unchecked: frozenset[str]) -> None:
    now = vars(module)
    if now == before:
        return
    for name in [n for n in now if n not in before and n not in unchecked]:
        delattr(module, name)
    for name, value in before.items():
        if now.get(name, _MISSING) is not value and name not in unchecked:
            setattr(module, name, value)


def _changed_attrs(module: Any, before: dict[str, Any], unchecked: frozenset[str]) -> list[str]:
    now = vars(module)
    if now == before:
        return []
    return sorted(
        n
        for n in (now.keys() | before.keys()) - unchecked
        if now.get(n, _MISSING) is not before.get(n, _MISSING)
    )


def _thread_classes() -> tuple[type, ...]:
    return _THREAD_CLASSES


# The thread classes code sees (the recording ones inside a scope) and their real bases, whose
# methods a `sentry_sdk.init()` replaces (`Thread.start`).
_THREAD_CLASSES = tuple(
    {
        c
        for cls in (threading.Thread, threading.Timer, RecordingThread, RecordingTimer)
        for c in cls.__mro__
        if c.__module__ != "builtins"
    }
)


def _hooks() -> tuple:
    return tuple(getattr(sys, name) for name in _SYS_HOOKS)


def signal_handlers() -> tuple:
    # `_signal.getsignal`: `signal.getsignal` converts each result to an enum, 30x slower
    return tuple(map(_signal.getsignal, SIGNALS))


def handler_name(handler: Any) -> str:
    try:
        return signal.Handlers(handler).name
    except ValueError:
        return getattr(handler, "__qualname__", repr(handler))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_LIMIT_NAMES = (
    "socket default timeout",
    "recursion limit",
    "switch interval",
    "gc enabled",
    "gc thresholds",
    "locale LC_ALL",
)


def _limits() -> tuple:
    return (
        socket.getdefaulttimeout(),
        sys.getrecursionlimit(),
        sys.getswitchinterval(),
        gc.isenabled(),
        gc.get_threshold(),
        locale.setlocale(locale.LC_ALL),
    )


def _set_limits(limits: tuple) -> None:
    timeout, recursion, interval, gc_enabled, thresholds, lc_all = limits
    socket.setdefaulttimeout(timeout)
    sys.setrecursionlimit(recursion)
    sys.setswitchinterval(interval)
    (gc.enable if gc_enabled else gc.disable)()
    gc.set_threshold(*thresholds)
    if locale.setlocale(locale.LC_ALL) != lc_all:
        locale.setlocale(locale.LC_ALL, lc_all)


# -- logging ----------------------------------------------------------------------------------


def is_pytest_handler(handler: logging.Handler) -> bool:
    """pytest's log capture adds and removes its own handlers on the root at each test phase."""
    return type(handler).__module__.startswith("_pytest.")


def _attribute(objects: list, name: str, default: Any) -> list:
    # map() over the getattr builtin: no Python frame per logger (a suite may hold hundreds)
    return list(map(getattr, objects, repeat(name), repeat(default)))


@dataclass(eq=True)
class _LoggingState:
    """The logging configuration: compared whole first (C-level list comparisons), walked logger
    by logger only when it differs."""

    disable: int
    root: tuple  # level, handlers (without pytest's), propagate, disabled
    names: list  # of logging.Logger.manager.loggerDict, in order
    loggers: list  # Logger or PlaceHolder objects
    levels: list
    handlers: list  # copies of each `handlers` list
    propagate: list
    disabled: list

    @classmethod
    def take(cls) -> _LoggingState:
        manager = logging.Logger.manager
        loggers = list(manager.loggerDict.values())
        return cls(
            disable=manager.disable,
            root=_root_state(),
            names=list(manager.loggerDict),
            loggers=loggers,
            levels=_attribute(loggers, "level", None),
            handlers=list(map(list, _attribute(loggers, "handlers", ()))),
            propagate=_attribute(loggers, "propagate", None),
            disabled=_attribute(loggers, "disabled", None),
        )

    def states(self) -> dict[str, tuple]:
        """{logger name: (logger, level, handlers, propagate, disabled)}, the root under ""."""
        found = {"": (logging.root, *self.root)}
        for index, (name, logger) in enumerate(zip(self.names, self.loggers)):
            if isinstance(logger, logging.Logger):
                found[name] = (
                    logger,
                    self.levels[index],
                    tuple(self.handlers[index]),
                    self.propagate[index],
                    self.disabled[index],
                )
        return found


def _root_state() -> tuple:
    root = logging.root
    handlers = tuple(h for h in root.handlers if not is_pytest_handler(h))
    return (root.level, handlers, root.propagate, root.disabled)


def all_loggers() -> Iterator[tuple[str, logging.Logger]]:
    yield "", logging.root
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            yield name, logger


def _logger_state(logger: logging.Logger) -> tuple:
    if logger is logging.root:
        return _root_state()
    return (logger.level, tuple(logger.handlers), logger.propagate, logger.disabled)


_NEW_LOGGER = (logging.NOTSET, (), True, False)


def _saved_state(loggers: dict[str, tuple], name: str, logger: logging.Logger) -> tuple:
    """What `logger` should look like: as saved, or as a new logger if it is new since."""
    was = loggers.get(name)
    return was[1:] if was is not None and was[0] is logger else _NEW_LOGGER


def _restore_logging(saved: _LoggingState) -> None:
    if _LoggingState.take() == saved:
        return
    if logging.root.manager.disable != saved.disable:
        logging.disable(saved.disable)
    loggers = saved.states()
    kept = {id(h) for state in loggers.values() for h in state[2]}
    for name, logger in all_loggers():
        state = _saved_state(loggers, name, logger)
        if _logger_state(logger) == state:
            continue
        level, handlers, propagate, disabled = state
        for handler in list(logger.handlers):
            # pytest's capture handlers come and go on the root only: anywhere else they were
            # carried there by the code under test (a dictConfig run again) and go too.
            if handler not in handlers and not (logger is logging.root and is_pytest_handler(handler)):
                logger.removeHandler(handler)
                if id(handler) not in kept:
                    handler.close()  # made inside the scope: its file is released now
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def _logging_differences(saved: _LoggingState) -> list[str]:
    if _LoggingState.take() == saved:
        return []
    found = []
    if logging.root.manager.disable != saved.disable:
        found.append(f"logging.disable level is {logging.root.manager.disable}, was {saved.disable}")
    loggers = saved.states()
    for name, logger in all_loggers():
        if _logger_state(logger) != _saved_state(loggers, name, logger):
            found.append(f"logger {name or 'root'!r} differs (level, handlers or propagate)")
    return found


# -- what is diverted while a scope is active ---------------------------------------------------


@dataclass
class AtExitCall:
    """A function legacy (or test) code registered with `atexit` inside a scope."""

    function: Callable[..., Any]
    file: str
    line: int

    def describe(self) -> str:
        name = getattr(self.function, "__qualname__", repr(self.function))
        return (
            f"atexit.register({name}) at {display_path(self.file)}:{self.line}, "
            "unregistered when the scope ended (not run at exit)"
        )


class _Diversions:
    """The process-wide switches behind `diverting()`; scopes nest (the outermost one wins)."""

    def __init__(self) -> None:
        self.log_root: Path | None = None  # set by the plugin to a directory under pytest's tmp
        self._depth = 0
        self._lock = threading.Lock()
        self._atexit_calls: list[AtExitCall] = []
        self._file_handlers: list[logging.FileHandler] = []
        self._real_register = atexit.register
        self._real_file_init = logging.FileHandler.__init__

    def log_directory(self) -> Path:
        if self.log_root is None:  # used outside the plugin: a private directory of its own
            self.log_root = Path(tempfile.mkdtemp(prefix="legacy-harness-logs-"))
        return self.log_root

    def register(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        frame = sys._getframe(1)
        if self._depth and not is_library_file(frame.f_code.co_filename):
            self._atexit_calls.append(AtExitCall(function, frame.f_code.co_filename, frame.f_lineno))
        return self._real_register(function, *args, **kwargs)

    def divert_path(self, filename: Any) -> Any:
        root = self.log_directory()
        path = Path(os.fspath(filename))
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(root):
            return filename
        target = root / (path if not path.is_absolute() else absolute.relative_to(absolute.anchor))
        target.parent.mkdir(parents=True, exist_ok=True)
        return str(target)


DIVERSIONS = _Diversions()


def _file_handler_init(handler: Any, filename: Any, *args: Any, **kwargs: Any) -> None:
    """`logging.FileHandler.__init__` while a scope is active: the file goes under the log
    directory (a plain function, so that it binds as a method)."""
    if DIVERSIONS._depth:
        filename = DIVERSIONS.divert_path(filename)
        DIVERSIONS._file_handlers.append(handler)
    DIVERSIONS._real_file_init(handler, filename, *args, **kwargs)


@contextmanager
def diverting(registered_at_exit: list[AtExitCall] | None = None) -> Iterator[None]:
    """Log files under the session's log directory, `atexit` registrations undone at the end."""
    state = DIVERSIONS
    with state._lock:
        outer = state._depth == 0
        state._depth += 1
        if outer:
            atexit.register = state.register  # type: ignore[assignment]
            logging.FileHandler.__init__ = _file_handler_init  # type: ignore[method-assign]
        mark, handlers_mark = len(state._atexit_calls), len(state._file_handlers)
    try:
        yield
    finally:
        with state._lock:
            state._depth -= 1
            calls = state._atexit_calls[mark:]
            del state._atexit_calls[mark:]
            handlers = state._file_handlers[handlers_mark:]
            del state._file_handlers[handlers_mark:]
            if state._depth == 0:
                atexit.register = state._real_register
                logging.FileHandler.__init__ = state._real_file_init  # type: ignore[method-assign]
        for call in calls:
            atexit.unregister(call.function)
        # A file handler no logger holds (`basicConfig(handlers=[...])` does nothing when the
        # root already has handlers, as under pytest) would leak its file: closed now (a
        # FileHandler reopens its file if it is used later).
        if handlers:
            attached = {id(h) for _, logger in all_loggers() for h in logger.handlers}
            for handler in handlers:
                if id(handler) not in attached:
                    handler.close()
        if registered_at_exit is not None:
            registered_at_exit.extend(calls)

