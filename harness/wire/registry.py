"""A Schema Registry on 127.0.0.1 that the services' real clients reach over HTTP.

The legacy services build `SchemaRegistryClient({"url": os.environ[...]})` themselves. In
confluent-kafka 2.16.0 that plain constructor cannot use confluent's in-memory registry: only
`SchemaRegistryClient.new_client({"url": "mock://..."})` returns it, and the plain one fails at
the first serialize (`httpx2.UnsupportedProtocol: ... 'mock://'`). So the wire level serves the
registry's REST API instead, and the real client, the real `AvroSerializer` and
`AvroDeserializer` do real HTTP and real Avro against it::

    registry = LoopbackRegistry.start()
    registry.url                                   # SCHEMA_REGISTRY_URL for the service
    registry.encode(schema_str, {"id": 1}, subject="telemetry-value")  # real AvroSerializer
    registry.decode(message_value)                 # real AvroDeserializer
    registry.store                                 # the schemas (harness.fakes SchemaRegistry)
    registry.stop()

The REST API is `harness.fakes.registry_rest` (the same answers the legacy
`CachedSchemaRegistryClient` gets in-process at the fake level), served here over HTTP.

Registered schemas outlive `clear()` of the cluster: a service's serializer caches the id it
registered at its first serialize, like code, not data.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug import Request, Response

from harness.fakes.http import pass_through, stop_passing_through
from harness.fakes.registry_rest import CONTENT_TYPE, answer
from harness.fakes.schema_registry import SchemaRegistry
from harness.wire._server import LoopbackServer


class LoopbackRegistry:
    """The registry's REST API over `store`, on an ephemeral loopback port."""

    def __init__(self, store: SchemaRegistry | None = None) -> None:
        self.store = store if store is not None else SchemaRegistry()
        self._server = LoopbackServer(self._app, name="harness-wire-registry")
        self.url = self._server.url
        # A Kafka backend, not an HTTP one: a service's requests reach it with its HTTP at fake.
        pass_through(self.url + "/")
        self._client: Any = None
        self._serde_lock = threading.Lock()
        self._serializers: dict[tuple[str, str], Any] = {}
        self._deserializers: dict[str | None, Any] = {}

    @classmethod
    def start(cls, store: SchemaRegistry | None = None) -> LoopbackRegistry:
        return cls(store)

    def stop(self) -> None:
        stop_passing_through(self.url + "/")
        self._server.stop()

    # -- test helpers: the real serde over HTTP ----------------------------------------------

    def encode(self, schema_str: str, obj: Any, *, subject: str) -> bytes:
        """`obj` in the Confluent wire format, by the real `AvroSerializer` (registers the schema)."""
        from confluent_kafka.serialization import MessageField, SerializationContext

        serializer = self._serializer(schema_str, subject)
        return serializer(obj, SerializationContext(_topic_of(subject), MessageField.VALUE))

    def decode(self, data: bytes, reader_schema: str | None = None) -> Any:
        """Decode wire-format `data` with the real `AvroDeserializer` (writer schema by id)."""
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        from confluent_kafka.serialization import MessageField, SerializationContext

        with self._serde_lock:
            deserializer = self._deserializers.get(reader_schema)
            if deserializer is None:
                deserializer = self._deserializers[reader_schema] = AvroDeserializer(
                    self._registry_client(), reader_schema
                )
        return deserializer(data, SerializationContext("legacy-harness", MessageField.VALUE))

    def schema_id_of(self, data: bytes) -> int:
        return self.store.schema_id_of(data)

    # The store's read side, as the in-memory registry offers it to fixtures.

    def by_id(self, schema_id: int) -> Any:
        return self.store.by_id(schema_id)

    def subjects(self) -> list[str]:
        return self.store.subjects()

    def versions(self, subject: str) -> list[int]:
        return self.store.versions(subject)

    def version(self, subject: str, version: int | str = "latest") -> Any:
        return self.store.version(subject, version)

    def register(self, subject: str, schema_str: str, schema_type: str = "AVRO") -> Any:
        return self.store.register(subject, schema_str, schema_type)

    def _serializer(self, schema_str: str, subject: str) -> Any:
        from confluent_kafka.schema_registry.avro import AvroSerializer

        with self._serde_lock:
            found = self._serializers.get((schema_str, subject))
            if found is None:
                found = AvroSerializer(
                    self._registry_client(),
                    schema_str,
                    conf={"subject.name.strategy": lambda ctx, record_name: subject},
                )
                self._serializers[(schema_str, subject)] = found
            return found

    def _registry_client(self) -> Any:
        if self._client is None:
            from confluent_kafka.schema_registry import SchemaRegistryClient

            self._client = SchemaRegistryClient({"url": self.url})
        return self._client

    # -- the REST API ----------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        status, body = answer(
            self.store, request.method, request.path, request.get_json(silent=True)
        )
        return Response(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def _topic_of(subject: str) -> str:
    for suffix in ("-value", "-key"):
        if subject.endswith(suffix):
            return subject[: -len(suffix)]
    return subject
