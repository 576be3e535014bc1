"""Prometheus at level `fake`: the real `prometheus_client`, on a registry of the session's own.

While active (`activate(backends)`, around each import and test), metrics created without an
explicit `registry=` land in `backends.metrics.registry` instead of the process-wide `REGISTRY`,
and so do `generate_latest()`/`REGISTRY` readers. Registering a name again replaces the earlier
metric: a module imported twice (another variant of a service, another suite's copy) never
raises "Duplicated timeseries in CollectorRegistry". `start_http_server` and `start_wsgi_server`
listen nowhere; the ports asked for are noted in `backends.metrics.servers`::

    store = backends.metrics
    store.value("orders_total", {"status": "ok"})   # a sample's value, or None
    store.text()                                     # the exposition format, as scraped
    store.reset()                                    # every metric back to zero
    store.servers                                    # [9100]: ports asked for at import

The process-wide `REGISTRY` keeps what it had: nothing a service registers reaches it.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.fakes.backends import Backends


class MetricsStore:
    """The session's Prometheus registry (a `CollectorRegistry` that replaces a metric
    registered again under the same name)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry

        class ReplacingRegistry(CollectorRegistry):
            def register(self, collector: Any) -> None:
                # Not under self._lock: unregister and register take it (a plain Lock).
                names = self._get_names(collector)
                known = dict(self._names_to_collectors)
                for clashing in {known[name] for name in names if name in known}:
                    self.unregister(clashing)
                super().register(collector)

        self.registry = ReplacingRegistry()
        self.servers: list[int] = []

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """The value of the sample `name` (e.g. `orders_total`, `latency_seconds_count`) with
        these labels; None when there is none."""
        return self.registry.get_sample_value(name, dict(labels or {}))

    def text(self) -> str:
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode()

    def reset(self) -> None:
        """Every metric back to its state at creation (labelled children dropped, values 0)."""
        from prometheus_client.metrics import MetricWrapperBase

        for collector in list(self.registry._collector_to_names):
            if isinstance(collector, MetricWrapperBase):
                if collector._labelnames:
                    collector.clear()
                else:
                    collector._metric_init()  # no public reset for an unlabelled metric


def _defaults_holding(target: object, modules: list[Any]) -> list[tuple[Any, str, tuple]]:
    """Every function (and method) of `modules` whose default arguments hold `target`."""
    found: list[tuple[Any, str, tuple]] = []
    seen: set[int] = set()
    for module in modules:
        for value in vars(module).values():
            functions = [value]
            if inspect.isclass(value):
                functions = [v for v in vars(value).values() if inspect.isfunction(v)]
            for function in functions:
                if not inspect.isfunction(function) or id(function) in seen:
                    continue
                seen.add(id(function))
                defaults = function.__defaults__ or ()
                if any(d is target for d in defaults):
                    found.append((function, "__defaults__", defaults))
    return found


@contextlib.contextmanager
def activate(backends: Backends) -> Iterator[MetricsStore]:
    from unittest import mock

    import prometheus_client
    import prometheus_client.exposition
    import prometheus_client.metrics
    import prometheus_client.registry

    store = backends.metrics
    real = prometheus_client.registry.REGISTRY
    swapped = _defaults_holding(real, [prometheus_client.metrics, prometheus_client.exposition])

    def listen_nowhere(port: int, *args: Any, **kwargs: Any) -> tuple[None, None]:
        store.servers.append(port)
        return None, None

    with contextlib.ExitStack() as stack:
        for function, attribute, defaults in swapped:
            setattr(
                function, attribute, tuple(store.registry if d is real else d for d in defaults)
            )
            stack.callback(setattr, function, attribute, defaults)
        for module in (prometheus_client, prometheus_client.registry):
            stack.enter_context(mock.patch.object(module, "REGISTRY", store.registry))
        for module in (prometheus_client, prometheus_client.exposition):
            for name in ("start_http_server", "start_wsgi_server"):
                stack.enter_context(mock.patch.object(module, name, listen_nowhere))
        yield store
