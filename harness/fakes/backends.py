"""The in-memory services one set of fake module trees is bound to.

A `Backends` object is the state a provider builds its module tree for: the service's clients
(built through the fake modules) and the test (through these attributes) see the same data.

    backends = Backends(kafka_topics=["events"])
    backends.kafka            # harness.fakes.kafka_broker.Broker
    backends.schema_registry  # harness.fakes.schema_registry.SchemaRegistry
    backends.mongo            # harness.fakes.mongo.MongoStore (mongomock, created on first use)
    backends.archive          # harness.fakes.http.Archive (created on first use)
    backends.clients          # harness.fakes.tree.ClientLog: every client the fakes built
    backends.reset()          # fresh state for the next test (see `reset`)

Nothing heavy is imported until a backend is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from harness.fakes.kafka_broker import Broker
from harness.fakes.schema_registry import SchemaRegistry
from harness.fakes.tree import ClientLog

if TYPE_CHECKING:
    from harness.fakes.http import Archive
    from harness.fakes.mongo import MongoStore


class Backends:
    """Broker, schema registry, Mongo store, HTTP archive and client log for one scope."""

    def __init__(
        self,
        *,
        kafka_topics: Iterable[str] | Mapping[str, int] = (),
        default_partitions: int = 1,
        archive_url: str | None = None,
    ) -> None:
        self.kafka = Broker(topics=kafka_topics, default_partitions=default_partitions)
        self.schema_registry = SchemaRegistry()
        self.clients = ClientLog()
        self._archive_url = archive_url
        self._mongo: MongoStore | None = None
        self._archive: Archive | None = None

    @property
    def mongo(self) -> MongoStore:
        if self._mongo is None:
            from harness.fakes.mongo import MongoStore

            self._mongo = MongoStore()
        return self._mongo

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            from harness.fakes.http import Archive

            self._archive = Archive(base_url=self._archive_url)
        return self._archive

    def reset(self) -> None:
        """Fresh data for the next test: topics emptied (`Broker.clear`), Mongo databases
        dropped, the archive's script and request log cleared.

        Kept on purpose: registered schemas (a service's serializer caches the id it registered
        at import, like code, not data) and the client log (it describes the import).
        """
        self.kafka.clear()
        if self._mongo is not None:
            self._mongo.reset()
        if self._archive is not None:
            self._archive.reset()
