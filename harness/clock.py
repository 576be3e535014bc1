"""A virtual clock for inline runs: loops that sleep or poll run at once, and stop on a condition.

A legacy worker loop often waits between rounds (`time.sleep(60)`, poll an HTTP service, sleep,
poll again). Run inline, it would take minutes per round and never end. While
`legacy.threads.run(...)` runs a target, the legacy modules' own view of `time` is this clock:

- `time.sleep(s)` returns at once and moves the clock `s` seconds on;
- `time.time()`, `time.monotonic()`, `time.perf_counter()` (and their `_ns` forms) read the clock,
  which starts at the real time when the run begins, so the code sees the waits it asked for;
- each sleep is one *iteration*: after it, `until()` (a condition callable) is checked, and the
  run stops once it holds, or once `max_iterations` sleeps have passed. The stop is
  `ClockStopped`, a `BaseException`, so `except Exception: continue` cannot swallow it. A loop
  given neither stops after `RUNAWAY_SLEEPS` sleeps and the test fails, naming them.

Scope: only the names the legacy modules' globals bind are swapped for the duration of the run
(`time` bound by `import time`, and `sleep`, `time`, `monotonic`... bound by `from time import`),
so pytest, the harness and the libraries keep the real clock. A wait inside a library (a client's
own retry backoff) stays real; `threading.Event.wait` is not virtual either.

Written by hand: the libraries that freeze time (freezegun, time-machine) patch the clock for the
whole process and do not stop a loop; this is a few lines scoped to the legacy globals.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

RUNAWAY_SLEEPS = 10_000


class ClockStopped(BaseException):
    """Raised from the virtual `time.sleep` when the run's stop condition holds.

    A `BaseException`, so a legacy `except Exception:` around the sleep cannot swallow it."""

    def __init__(self, reason: str, *, runaway: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.runaway = runaway


@dataclass
class VirtualClock:
    """The time an inline run's legacy code sees (see the module docstring)."""

    until: Callable[[], object] | None = None
    max_iterations: int | None = None
    wall_start: float = field(default_factory=_time.time)
    monotonic_start: float = field(default_factory=_time.monotonic)
    perf_start: float = field(default_factory=_time.perf_counter)
    elapsed: float = 0.0
    sleeps: int = 0

    def __post_init__(self) -> None:
        if self.max_iterations is not None and self.max_iterations < 1:
            raise ValueError(f"max_iterations must be at least 1, got {self.max_iterations}")

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        self.elapsed += seconds
        self.sleeps += 1
        if self.until is not None and self.until():
            raise ClockStopped(f"until() held after {self.sleeps} sleep(s)")
        if self.max_iterations is not None and self.sleeps >= self.max_iterations:
            raise ClockStopped(f"max_iterations={self.max_iterations} reached")
        if self.until is None and self.max_iterations is None and self.sleeps >= RUNAWAY_SLEEPS:
            raise ClockStopped(
                f"the loop slept {self.sleeps} times ({self.elapsed:g} virtual seconds) without "
                "stopping; pass until=<condition> or max_iterations=<n> to "
                "legacy.threads.run()",
                runaway=True,
            )

    def time(self) -> float:
        return self.wall_start + self.elapsed

    def monotonic(self) -> float:
        return self.monotonic_start + self.elapsed

    def perf_counter(self) -> float:
        return self.perf_start + self.elapsed

    def time_ns(self) -> int:
        return int(self.time() * 1e9)

    def monotonic_ns(self) -> int:
        return int(self.monotonic() * 1e9)

    def perf_counter_ns(self) -> int:
        return int(self.perf_counter() * 1e9)


_VIRTUAL = ("sleep", "time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "perf_counter_ns")


class _TimeModule(ModuleType):
    """What `time` is in the legacy globals during a run: the clock's functions, the rest real."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__("time", _time.__doc__)
        for name in _VIRTUAL:
            setattr(self, name, getattr(clock, name))

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


@contextmanager
def virtual_time(
    namespaces: Iterable[MutableMapping[str, Any]], clock: VirtualClock
) -> Iterator[VirtualClock]:
    """The legacy globals in `namespaces` see `clock` instead of `time` for the block."""
    proxy = _TimeModule(clock)
    real = {id(getattr(_time, name)): name for name in _VIRTUAL}
    swapped: list[tuple[MutableMapping[str, Any], str, Any, Any]] = []
    for namespace in namespaces:
        for name, value in list(namespace.items()):
            if value is _time:
                replacement: Any = proxy
            elif id(value) in real and value is getattr(_time, real[id(value)]):
                replacement = getattr(clock, real[id(value)])
            else:
                continue
            namespace[name] = replacement
            swapped.append((namespace, name, value, replacement))
    try:
        yield clock
    finally:
        for namespace, name, value, replacement in swapped:
            if namespace.get(name) is replacement:
                namespace[name] = value
