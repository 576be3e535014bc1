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

The REST subset is what the clients call: register (`POST /subjects/{s}/versions`), look up
(`POST /subjects/{s}`), schema by id (`GET /schemas/ids/{id}`), subjects, versions, a version
(`latest` too), delete a subject, and the compatibility config; answers and error codes
(40401 subject, 40402 version, 40403 schema not found, 42201 invalid schema) as the registry
gives them. Anything else is a 404, as on a registry without that API (confluent-kafka asks
`/associations/...` first and falls back to the topic name strategy on 404). Schema
compatibility is recorded, not enforced.

Registered schemas outlive `clear()` of the cluster: a service's serializer caches the id it
registered at its first serialize, like code, not data.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug import Request, Response
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule

from harness.fakes.schema_registry import SchemaRegistry, parse_avro
from harness.wire._server import LoopbackServer

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"

_ROUTES = Map(
    [
        Rule("/subjects", endpoint="subjects", methods=["GET"]),
        Rule("/subjects/<subject>", endpoint="lookup", methods=["POST"]),
        Rule("/subjects/<subject>", endpoint="delete_subject", methods=["DELETE"]),
        Rule("/subjects/<subject>/versions", endpoint="register", methods=["POST"]),
        Rule("/subjects/<subject>/versions", endpoint="versions", methods=["GET"]),
        Rule("/subjects/<subject>/versions/<version>", endpoint="version", methods=["GET"]),
        Rule(
            "/subjects/<subject>/versions/<version>/schema",
            endpoint="version_schema",
            methods=["GET"],
        ),
        Rule("/schemas/ids/<int:schema_id>", endpoint="schema_by_id", methods=["GET"]),
        Rule("/schemas/ids/<int:schema_id>/schema", endpoint="raw_schema_by_id", methods=["GET"]),
        Rule("/config", endpoint="config", methods=["GET", "PUT"]),
        Rule("/config/<subject>", endpoint="config", methods=["GET", "PUT"]),
    ]
)


class RegistryError(Exception):
    """An error answer of the REST API."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class LoopbackRegistry:
    """The registry's REST API over `store`, on an ephemeral loopback port."""

    def __init__(self, store: SchemaRegistry | None = None) -> None:
        self.store = store if store is not None else SchemaRegistry()
        self._server = LoopbackServer(self._app, name="harness-wire-registry")
        self.url = self._server.url
        self._client: Any = None
        self._serde_lock = threading.Lock()
        self._serializers: dict[tuple[str, str], Any] = {}
        self._deserializers: dict[str | None, Any] = {}

    @classmethod
    def start(cls, store: SchemaRegistry | None = None) -> LoopbackRegistry:
        return cls(store)

    def stop(self) -> None:
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

    # -- the REST API ------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        try:
            endpoint, values = _ROUTES.bind_to_environ(request.environ).match()
            body = getattr(self, f"_on_{endpoint}")(request, **values)
            return Response(json.dumps(body), content_type=CONTENT_TYPE)
        except RegistryError as error:
            return _error(error.status, error.code, error.message)
        except NotFound:
            return _error(404, 404, "HTTP 404 Not Found")
        except HTTPException as error:
            return _error(error.code or 500, error.code or 500, f"HTTP {error.code} {error.name}")

    def _on_subjects(self, request: Request) -> Any:
        return self.store.subjects()

    def _on_register(self, request: Request, subject: str) -> Any:
        schema_str, schema_type = _schema_of(request)
        return {"id": self.store.register(subject, schema_str, schema_type).schema_id}

    def _on_lookup(self, request: Request, subject: str) -> Any:
        schema_str, schema_type = _schema_of(request)
        if subject not in self.store.subjects():
            raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
        found = self.store.lookup(subject, schema_str, schema_type)
        if found is None:
            raise RegistryError(404, 40403, "Schema not found")
        return _registered(found)

    def _on_delete_subject(self, request: Request, subject: str) -> Any:
        deleted = self.store.delete_subject(subject)
        if not deleted:
            raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
        return deleted

    def _on_versions(self, request: Request, subject: str) -> Any:
        versions = self.store.versions(subject)
        if not versions:
            raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
        return versions

    def _on_version(self, request: Request, subject: str, version: str) -> Any:
        return _registered(self._version(subject, version))

    def _on_version_schema(self, request: Request, subject: str, version: str) -> Any:
        return json.loads(self._version(subject, version).schema.schema_str)

    def _version(self, subject: str, version: str) -> Any:
        if not self.store.versions(subject):
            raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
        wanted: int | str = (
            "latest" if version in ("latest", "-1") else _int(version, 42202, "version")
        )
        found = self.store.version(subject, wanted)
        if found is None:
            raise RegistryError(404, 40402, f"Version {version} not found.")
        return found

    def _on_schema_by_id(self, request: Request, schema_id: int) -> Any:
        schema = self.store.by_id(schema_id)
        if schema is None:
            raise RegistryError(404, 40403, f"Schema {schema_id} not found")
        body: dict[str, Any] = {"schema": schema.schema_str}
        if schema.schema_type and schema.schema_type != "AVRO":
            body["schemaType"] = schema.schema_type
        return body

    def _on_raw_schema_by_id(self, request: Request, schema_id: int) -> Any:
        return json.loads(self._on_schema_by_id(request, schema_id)["schema"])

    def _on_config(self, request: Request, subject: str | None = None) -> Any:
        if request.method == "PUT":
            level = (request.get_json(silent=True) or {}).get("compatibility")
            if not isinstance(level, str):
                raise RegistryError(422, 42203, "Invalid compatibility level")
            self.store.set_compatibility(level.upper(), subject)
            return {"compatibility": level.upper()}
        return {"compatibilityLevel": self.store.compatibility(subject)}


def _schema_of(request: Request) -> tuple[str, str]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
        raise RegistryError(422, 42201, "Either the input schema or one its references is invalid")
    schema_type = body.get("schemaType") or "AVRO"
    if schema_type == "AVRO":
        try:
            parse_avro(body["schema"])
        except Exception as error:  # noqa: BLE001  fastavro raises several types for a bad schema
            raise RegistryError(422, 42201, f"Invalid schema: {error}") from None
    return body["schema"], schema_type


def _registered(found: Any) -> dict[str, Any]:
    body = {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema_id,
        "schema": found.schema.schema_str,
    }
    if found.schema.schema_type and found.schema.schema_type != "AVRO":
        body["schemaType"] = found.schema.schema_type
    return body


def _int(text: str, code: int, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RegistryError(422, code, f"The specified {what} '{text}' is not valid") from None


def _error(status: int, code: int, message: str) -> Response:
    return Response(
        json.dumps({"error_code": code, "message": message}),
        status=status,
        content_type=CONTENT_TYPE,
    )


def _topic_of(subject: str) -> str:
    for suffix in ("-value", "-key"):
        if subject.endswith(suffix):
            return subject[: -len(suffix)]
    return subject
