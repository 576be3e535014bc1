"""Sentry at level `fake`: `sentry_sdk.init` does nothing a test could regret.

While active (`activate(backends)`, around each import and test), `sentry_sdk.init(...)`
records its options and installs nothing: no client, no transport, no integration, so
`sys.excepthook`, `threading.excepthook`, logging and `atexit` stay as they were, and nothing
is ever sent. `capture_exception`, `capture_message` and `capture_event` record what the service
reported instead::

    store = backends.sentry
    store.inits                      # [{"dsn": "...", "traces_sample_rate": 1.0, ...}]
    store.events                     # [SentryEvent(kind="exception", value=ZeroDivisionError(...))]
    store.reset()                    # nothing captured (the init calls stay: they describe the import)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.fakes.backends import Backends


@dataclass(frozen=True)
class SentryEvent:
    """What the service reported: `kind` is "exception", "message" or "event"."""

    kind: str
    value: Any
    options: dict[str, Any] = field(default_factory=dict)


class SentryStore:
    def __init__(self) -> None:
        self.inits: list[dict[str, Any]] = []
        self.events: list[SentryEvent] = []

    def reset(self) -> None:
        self.events.clear()


class _NoClient:
    """What the recorded `init` returns: usable as a context manager, like the real one's."""

    def __enter__(self) -> _NoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def flush(self, *args: Any, **kwargs: Any) -> None:
        return None

    close = flush


@contextlib.contextmanager
def activate(backends: Backends) -> Iterator[SentryStore]:
    import sys
    from unittest import mock

    import sentry_sdk

    store = backends.sentry

    def init(*args: Any, **kwargs: Any) -> _NoClient:
        if args:
            kwargs.setdefault("dsn", args[0])
        store.inits.append(kwargs)
        return _NoClient()

    def capture_exception(error: Any = None, **kwargs: Any) -> None:
        store.events.append(SentryEvent("exception", error or sys.exc_info()[1], kwargs))

    def capture_message(message: str, level: Any = None, **kwargs: Any) -> None:
        store.events.append(SentryEvent("message", message, {"level": level, **kwargs}))

    def capture_event(event: Any, hint: Any = None, **kwargs: Any) -> None:
        store.events.append(SentryEvent("event", event, kwargs))

    replacements = {
        "init": init,
        "capture_exception": capture_exception,
        "capture_message": capture_message,
        "capture_event": capture_event,
    }
    with contextlib.ExitStack() as stack:
        for name, replacement in replacements.items():
            stack.enter_context(mock.patch.object(sentry_sdk, name, replacement))
        yield store
