"""Prometheus: `prometheus_client`, on a registry of the session's own.

| level  | what serves it                                                                      |
|--------|-------------------------------------------------------------------------------------|
| `fake` | the real `prometheus_client`; metrics registered by default land in the session's  |
|        | registry, where a module imported twice never collides; no exporter listens         |
| `wire` | the `fake` level (an exporter on loopback would add nothing a test reads)           |

Fixture `metrics` (`harness.fixtures.MetricsFixture`): read sample values. Every metric is back
to zero before each test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.prometheus import MetricsStore

    return MetricsStore()


INTEGRATION = Integration(
    name="metrics",
    packages=("prometheus_client",),
    providers={
        Fidelity.FAKE: {
            "prometheus_client": Provider(
                "prometheus_client",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.prometheus:activate",
                description="the real prometheus_client on the session's registry",
            )
        }
    },
    backends=(Backend("metrics", _store, reset=lambda store: store.reset()),),
    wire=Wire(fallback="an exporter on loopback adds nothing a test reads: the fake level is used"),
    fixture="harness.fixtures:MetricsFixture",
    description="Prometheus metrics (prometheus_client) on a registry of the session's own",
)
