"""The in-memory services one set of fake module trees is bound to.

A `Backends` object is the state a provider builds its module tree for: the service's clients
(built through the fake modules) and the test (through these attributes) see the same data.
Which backends exist is the integrations' business (`harness.integrations`): each declares its
`Backend`s, and `backends.<name>` builds one on first use::

    backends = Backends(kafka_topics=["events"])   # options, passed to the backends' builders
    backends.kafka            # harness.fakes.kafka_broker.Broker (integration `kafka`)
    backends.schema_registry  # harness.fakes.schema_registry.SchemaRegistry
    backends.mongo            # harness.fakes.mongo.MongoStore (integration `mongo`)
    backends.http             # harness.fakes.http.HttpRouter (integration `http`)
    backends.clients          # harness.fakes.tree.ClientLog: every client the fakes built
    backends.reset()          # fresh state for the next test (see `reset`)
    backends.close()          # stop what a backend runs (moto's S3 server), at session end

Nothing heavy is imported until a backend is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from harness.fakes.tree import ClientLog

if TYPE_CHECKING:
    from harness.fakes.http import HttpRouter
    from harness.fakes.kafka_broker import Broker
    from harness.fakes.mongo import MongoStore
    from harness.fakes.schema_registry import SchemaRegistry
    from harness.integrations.base import Backend, Integration


class Backends:
    """The fake backends of one scope (a session, or a test of the fakes themselves)."""

    if TYPE_CHECKING:  # the built-in integrations' backends, for readers and type checkers
        kafka: Broker
        schema_registry: SchemaRegistry
        mongo: MongoStore
        http: HttpRouter

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.clients = ClientLog()
        self._built: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        spec = _spec(name)
        if spec is None:
            raise AttributeError(f"no integration declares a backend named {name!r}")
        built = self._built[name] = spec.build(self.options)
        self.__dict__[name] = built  # found directly from now on: the fakes read it per call
        return built

    def built(self) -> dict[str, Any]:
        """The backends built so far, by name."""
        return dict(self._built)

    def reset(self) -> None:
        """Fresh data for the next test: each built backend's `reset` (topics emptied, Mongo
        back to its baseline, HTTP scripts and request logs cleared...).

        Kept on purpose: what an integration does not reset (registered schemas: a service's
        serializer caches the id it registered at import, like code, not data) and the client
        log (it describes the import).
        """
        for name, backend in self._built.items():
            spec = _spec(name)
            if spec is not None and spec.reset is not None:
                spec.reset(backend)

    def close(self) -> None:
        """Stop the built backends that run something (a server thread); idempotent."""
        built, self._built = self._built, {}
        for name, backend in built.items():
            self.__dict__.pop(name, None)
            spec = _spec(name)
            if spec is not None and spec.close is not None:
                spec.close(backend)

    def mark_baseline(self, integrations: Iterable[Integration]) -> None:
        """What a service's import left in these integrations' backends is where every test
        starts from (e.g. Mongo collections and indexes created at import). A backend not built
        yet holds nothing, which is what it starts from when built: it stays unbuilt."""
        for integration in integrations:
            for spec in integration.backends:
                if spec.baseline is not None and spec.name in self._built:
                    spec.baseline(self._built[spec.name])


def _spec(name: str) -> Backend | None:
    from harness.integrations.registry import all_integrations

    for integration in all_integrations():
        for spec in integration.backends:
            if spec.name == name:
                return spec
    return None
