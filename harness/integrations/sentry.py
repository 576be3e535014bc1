"""Sentry: `sentry_sdk`, initialised to nothing.

| level  | what serves it                                                                      |
|--------|-------------------------------------------------------------------------------------|
| `fake` | the real `sentry_sdk`; `init` records its options and installs no client, transport |
|        | or integration (excepthook, threading, logging, atexit untouched); captures recorded |
| `wire` | the `fake` level (no Sentry server runs in-process)                                  |

Fixture `sentry` (`harness.fixtures.SentryFixture`): the `init` calls and what was captured.
Captures are forgotten before each test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.sentry import SentryStore

    return SentryStore()


INTEGRATION = Integration(
    name="sentry",
    packages=("sentry_sdk",),
    providers={
        Fidelity.FAKE: {
            "sentry_sdk": Provider(
                "sentry_sdk",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.sentry:activate",
                description="the real sentry_sdk; init installs nothing, captures are recorded",
            )
        }
    },
    backends=(Backend("sentry", _store, reset=lambda store: store.reset()),),
    wire=Wire(fallback="no Sentry server runs in-process: the fake level is used"),
    fixture="harness.fixtures:SentryFixture",
    description="Sentry (sentry_sdk): init disabled, captures recorded",
)
