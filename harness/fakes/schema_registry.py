"""An in-memory Schema Registry and the `confluent_kafka.schema_registry` shaped fake over it.

`SchemaRegistry` is the state: subjects, versions and globally numbered schemas, shared by
every `SchemaRegistryClient` of one module tree whatever URL it was given (so a service's
client and the test's view see the same schemas). Its test helpers encode and decode in the
Confluent wire format::

    registry.encode(schema_str, {"id": 1}, subject="usage-value")  # -> b"\\x00" + id + avro
    registry.decode(message_value)                                  # -> {"id": 1}
    registry.schema_id_of(message_value)                            # -> 1

The client-side classes (`SchemaRegistryClient`, `Schema`, `RegisteredSchema`,
`SchemaRegistryError`, `AvroSerializer`, `AvroDeserializer`) follow confluent-kafka 2.16.0:
the same constructor arguments and configuration keys (unknown keys raise
`ValueError("Unrecognized properties: ...")`), `topic_subject_name_strategy` by default,
`auto.register.schemas` / `use.latest.version` / `use.schema.id`, `to_dict` / `from_dict`
hooks called with the `SerializationContext`, and real Avro binary encoding by fastavro behind
the 5-byte framing (magic byte 0, 4-byte big-endian schema id). Data-contract rules, schema
references and the JSON Schema / Protobuf serdes are not imitated.

fastavro is imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

import io
import json
import struct
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from harness.fakes.confluent_types import (
    MessageField,
    SerializationContext,
    SerializationError,
)
from harness.fakes.lazy_package import without_init
from harness.fakes.tree import ClientLog

MAGIC_BYTE = 0
_GUID_MAGIC_BYTE = 1

# Configuration keys the real SchemaRegistryClient accepts.
CLIENT_CONFIG_KEYS = frozenset(
    {
        "url",
        "basic.auth.credentials.source",
        "basic.auth.user.info",
        "bearer.auth.credentials.source",
        "bearer.auth.token",
        "bearer.auth.logical.cluster",
        "bearer.auth.identity.pool.id",
        "bearer.auth.client.id",
        "bearer.auth.client.secret",
        "bearer.auth.scope",
        "bearer.auth.issuer.endpoint.url",
        "bearer.auth.custom.provider.function",
        "bearer.auth.custom.provider.config",
        "cache.capacity",
        "cache.latest.ttl.sec",
        "max.retries",
        "proxy",
        "retries.max.wait.ms",
        "retries.wait.ms",
        "ssl.ca.location",
        "ssl.certificate.location",
        "ssl.key.location",
        "ssl.key.password",
        "timeout",
    }
)


class SchemaRegistryError(Exception):
    """An error answered by the registry (HTTP status, registry error code, message)."""

    UNKNOWN = -1

    def __init__(self, http_status_code: int, error_code: int, error_message: str) -> None:
        self.http_status_code = http_status_code
        self.error_code = error_code
        self.error_message = error_message

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return (
            f"{self.error_message} (HTTP status code {self.http_status_code}, "
            f"SR code {self.error_code})"
        )


@dataclass(frozen=True)
class Schema:
    schema_str: str | None
    schema_type: str | None = "AVRO"
    references: list[Any] | None = field(default_factory=list, hash=False)
    metadata: Any = None
    rule_set: Any = None


@dataclass(frozen=True)
class RegisteredSchema:
    subject: str | None
    version: int | None
    schema_id: int | None
    guid: str | None
    schema: Schema


def topic_subject_name_strategy(ctx: SerializationContext | None, record_name: str | None) -> str:
    if ctx is None:
        raise ValueError(
            "SerializationContext is required for topic_subject_name_strategy. "
            "Either provide a SerializationContext or use record_subject_name_strategy."
        )
    return f"{ctx.topic}-{ctx.field}"


def topic_record_subject_name_strategy(
    ctx: SerializationContext | None, record_name: str | None
) -> str | None:
    if ctx is None:
        raise ValueError(
            "SerializationContext is required for topic_record_subject_name_strategy. "
            "Either provide a SerializationContext or use record_subject_name_strategy."
        )
    return f"{ctx.topic}-{record_name}" if record_name is not None else None


def record_subject_name_strategy(
    ctx: SerializationContext | None, record_name: str | None
) -> str | None:
    return record_name


def normalize_schema_str(schema_str: str) -> str:
    """The schema as JSON text (a bare primitive name such as `string` becomes `{"type": ...}`)."""
    text = schema_str.strip()
    if text[:1] not in ("{", "[", '"'):
        return json.dumps({"type": text})
    return text


def _canonical(schema_str: str) -> str:
    """The identity of a schema: its parsed JSON, whitespace and key order ignored."""
    return json.dumps(
        json.loads(normalize_schema_str(schema_str)), sort_keys=True, separators=(",", ":")
    )


@dataclass(frozen=True)
class _Stored:
    schema_id: int
    guid: str
    schema_str: str
    schema_type: str


class SchemaRegistry:
    """The registry's state: schemas by id, and per subject its versions. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, _Stored] = {}
        self._by_guid: dict[str, _Stored] = {}
        self._by_identity: dict[tuple[str, str], _Stored] = {}
        self._subjects: dict[str, list[_Stored]] = {}  # versions, oldest first
        self._compatibility: dict[str | None, str] = {None: "BACKWARD"}

    def register(
        self, subject: str, schema_str: str, schema_type: str = "AVRO"
    ) -> RegisteredSchema:
        """Register (idempotently) and return the subject's version of the schema."""
        identity = (schema_type or "AVRO", _canonical(schema_str))
        if identity[0] == "AVRO":
            schema_str = normalize_schema_str(schema_str)  # JSON, as the registry keeps it
        with self._lock:
            stored = self._by_identity.get(identity)
            if stored is None:
                stored = _Stored(len(self._by_id) + 1, str(uuid.uuid4()), schema_str, identity[0])
                self._by_id[stored.schema_id] = stored
                self._by_guid[stored.guid] = stored
                self._by_identity[identity] = stored
            versions = self._subjects.setdefault(subject, [])
            if stored not in versions:
                versions.append(stored)
            return self._registered(subject, versions.index(stored) + 1, stored)

    def lookup(
        self, subject: str, schema_str: str, schema_type: str = "AVRO"
    ) -> RegisteredSchema | None:
        identity = (schema_type or "AVRO", _canonical(schema_str))
        with self._lock:
            stored = self._by_identity.get(identity)
            versions = self._subjects.get(subject, [])
            if stored is None or stored not in versions:
                return None
            return self._registered(subject, versions.index(stored) + 1, stored)

    def by_id(self, schema_id: int) -> Schema | None:
        with self._lock:
            stored = self._by_id.get(schema_id)
        return None if stored is None else Schema(stored.schema_str, stored.schema_type)

    def by_guid(self, guid: str) -> Schema | None:
        with self._lock:
            stored = self._by_guid.get(guid)
        return None if stored is None else Schema(stored.schema_str, stored.schema_type)

    def version(self, subject: str, version: int | str = "latest") -> RegisteredSchema | None:
        with self._lock:
            versions = self._subjects.get(subject)
            if not versions:
                return None
            if version in ("latest", -1):
                number = len(versions)
            elif isinstance(version, int) and 1 <= version <= len(versions):
                number = version
            else:
                return None
            return self._registered(subject, number, versions[number - 1])

    def versions(self, subject: str) -> list[int]:
        with self._lock:
            return list(range(1, len(self._subjects.get(subject, [])) + 1))

    def subjects(self) -> list[str]:
        with self._lock:
            return sorted(s for s, v in self._subjects.items() if v)

    def delete_subject(self, subject: str) -> list[int]:
        with self._lock:
            versions = self._subjects.pop(subject, [])
            return list(range(1, len(versions) + 1))

    def compatibility(self, subject: str | None = None) -> str:
        with self._lock:
            return self._compatibility.get(subject, self._compatibility[None])

    def set_compatibility(self, level: str, subject: str | None = None) -> None:
        with self._lock:
            self._compatibility[subject] = level

    def clear(self) -> None:
        """Forget every schema. Serializers built earlier keep ids they cached: use with care."""
        with self._lock:
            self._by_id.clear()
            self._by_guid.clear()
            self._by_identity.clear()
            self._subjects.clear()
            self._compatibility = {None: "BACKWARD"}

    @staticmethod
    def _registered(subject: str, version: int, stored: _Stored) -> RegisteredSchema:
        schema = Schema(stored.schema_str, stored.schema_type)
        return RegisteredSchema(subject, version, stored.schema_id, stored.guid, schema)

    # -- test helpers: Confluent wire format -------------------------------------------------

    def encode(self, schema_str: str, obj: Any, *, subject: str) -> bytes:
        """Register `schema_str` under `subject` and return `obj` in the Confluent wire format."""
        registered = self.register(subject, schema_str)
        buffer = io.BytesIO()
        _fastavro().schemaless_writer(buffer, parse_avro(schema_str), obj)
        return struct.pack(">bI", MAGIC_BYTE, registered.schema_id) + buffer.getvalue()

    def schema_id_of(self, data: bytes) -> int:
        """The schema id in the 5-byte framing of `data`."""
        if len(data) <= 5 or data[0] != MAGIC_BYTE:
            raise SerializationError(f"not Confluent Schema Registry framed data: {data[:8]!r}...")
        return struct.unpack(">I", data[1:5])[0]

    def decode(self, data: bytes, reader_schema: str | None = None) -> Any:
        """Decode wire-format `data` with its writer schema (and `reader_schema` if given)."""
        schema_id = self.schema_id_of(data)
        writer = self.by_id(schema_id)
        if writer is None or writer.schema_str is None:
            raise SchemaRegistryError(404, 40403, f"Schema {schema_id} not found")
        reader = parse_avro(reader_schema) if reader_schema is not None else None
        return _fastavro().schemaless_reader(
            io.BytesIO(data[5:]), parse_avro(writer.schema_str), reader
        )


def _fastavro() -> Any:
    # Deferred: importing the fakes must stay cheap. And without fastavro's __init__ (which
    # imports every reader and writer): parsing a schema, what a service's import does when it
    # builds a serializer, loads fastavro.schema alone; encoding loads fastavro.write when the
    # first message is produced (harness.fakes.lazy_package).
    without_init("fastavro")
    import fastavro

    return fastavro


def parse_avro(schema_str: str) -> Any:
    return _fastavro().parse_schema(json.loads(normalize_schema_str(schema_str)))


# -- client side -----------------------------------------------------------------------------


class SchemaRegistryClientBase:
    """`confluent_kafka.schema_registry.SchemaRegistryClient` over a `SchemaRegistry`.

    A module tree binds a subclass to its registry (`_registry_state`); every instance shares it.
    """

    _registry_state: SchemaRegistry
    _clients: ClientLog | None = None

    def __init__(self, conf: Mapping[str, Any]) -> None:
        if not isinstance(conf, Mapping):
            raise TypeError(f"conf must be a dict, not {type(conf).__name__}")
        conf_copy = dict(conf)
        url = conf_copy.get("url")
        if url is None:
            raise ValueError("Missing required configuration property url")
        if not isinstance(url, str):
            raise TypeError("url must be a str, not " + str(type(url)))
        for one in url.split(","):
            one = one.strip().rstrip("/")
            if not one.startswith("http") and not one.startswith("mock"):
                raise ValueError(f"Invalid url {one}")
        unknown = [k for k in conf_copy if k not in CLIENT_CONFIG_KEYS]
        if unknown:
            raise ValueError("Unrecognized properties: {}".format(", ".join(unknown)))
        self._conf = conf_copy
        if self._clients is not None:
            self._clients.record("confluent_kafka.schema_registry", type(self).__name__, conf_copy)

    @classmethod
    def new_client(cls, conf: Mapping[str, Any]) -> SchemaRegistryClientBase:
        return cls(conf)

    def config(self) -> dict[str, Any]:
        return dict(self._conf)

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register_schema(
        self, subject_name: str, schema: Schema, normalize_schemas: bool = False
    ) -> int:
        return self.register_schema_full_response(subject_name, schema, normalize_schemas).schema_id  # type: ignore[return-value]

    def register_schema_full_response(
        self, subject_name: str, schema: Schema, normalize_schemas: bool = False
    ) -> RegisteredSchema:
        if schema.schema_str is None:
            raise SchemaRegistryError(422, 42201, "Invalid schema")
        try:
            return self._registry_state.register(
                subject_name, schema.schema_str, schema.schema_type or "AVRO"
            )
        except ValueError as e:  # not JSON
            raise SchemaRegistryError(422, 42201, f"Invalid schema: {e}") from None

    def get_schema(
        self, schema_id: int, subject_name: str | None = None, fmt: str | None = None, **_: Any
    ) -> Schema:
        schema = self._registry_state.by_id(schema_id)
        if schema is None:
            raise SchemaRegistryError(404, 40403, f"Schema {schema_id} not found")
        return schema

    def get_schema_by_guid(self, guid: str, fmt: str | None = None) -> Schema:
        schema = self._registry_state.by_guid(guid)
        if schema is None:
            raise SchemaRegistryError(404, 40403, f"Schema {guid} not found")
        return schema

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        fmt: str | None = None,
        deleted: bool = False,
    ) -> RegisteredSchema:
        if subject_name not in self._registry_state.subjects():
            raise SchemaRegistryError(404, 40401, f"Subject '{subject_name}' not found.")
        found = self._registry_state.lookup(
            subject_name, schema.schema_str or "", schema.schema_type or "AVRO"
        )
        if found is None:
            raise SchemaRegistryError(404, 40403, "Schema not found")
        return found

    def get_subjects(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._registry_state.subjects()

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        if subject_name not in self._registry_state.subjects():
            raise SchemaRegistryError(404, 40401, f"Subject '{subject_name}' not found.")
        return self._registry_state.delete_subject(subject_name)

    def get_latest_version(self, subject_name: str, fmt: str | None = None) -> RegisteredSchema:
        return self.get_version(subject_name, "latest")

    def get_version(
        self, subject_name: str, version: int | str = "latest", **_: Any
    ) -> RegisteredSchema:
        if subject_name not in self._registry_state.subjects():
            raise SchemaRegistryError(404, 40401, f"Subject '{subject_name}' not found.")
        found = self._registry_state.version(subject_name, version)
        if found is None:
            raise SchemaRegistryError(404, 40402, f"Version {version} not found.")
        return found

    def get_versions(self, subject_name: str, *args: Any, **kwargs: Any) -> list[int]:
        if subject_name not in self._registry_state.subjects():
            raise SchemaRegistryError(404, 40401, f"Subject '{subject_name}' not found.")
        return self._registry_state.versions(subject_name)

    def set_compatibility(self, subject_name: str | None = None, level: str | None = None) -> str:
        if level is None:
            raise ValueError("level must be set")
        self._registry_state.set_compatibility(level.upper(), subject_name)
        return level.upper()

    def get_compatibility(self, subject_name: str | None = None) -> str:
        return self._registry_state.compatibility(subject_name)

    def test_compatibility(
        self, subject_name: str, schema: Schema, version: int | str = "latest"
    ) -> bool:
        return True  # compatibility rules are not imitated


# -- Avro serde ------------------------------------------------------------------------------

SERIALIZER_DEFAULT_CONF: dict[str, Any] = {
    "auto.register.schemas": True,
    "normalize.schemas": False,
    "use.schema.id": None,
    "use.latest.version": False,
    "use.latest.with.metadata": None,
    "subject.name.strategy.type": None,
    "subject.name.strategy.conf": None,
    "subject.name.strategy": None,
    "validate.strict": False,
    "validate.strict.allow.default": False,
}

DESERIALIZER_DEFAULT_CONF: dict[str, Any] = {
    "use.latest.version": False,
    "use.latest.with.metadata": None,
    "subject.name.strategy.type": None,
    "subject.name.strategy.conf": None,
    "subject.name.strategy": None,
}

# Accepted by the real serdes, but they change behaviour the fake does not imitate.
_UNSUPPORTED_CONF = ("schema.id.serializer", "schema.id.deserializer", "validation.rules.execution")


def _read_conf(conf: Mapping[str, Any] | None, defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in (conf or {}).items():
        if key in _UNSUPPORTED_CONF:
            raise ValueError(
                f"{key!r} is not supported by the harness fake of confluent_kafka.schema_registry"
            )
        merged[key] = value
    unknown = [k for k in merged if k not in defaults]
    if unknown:
        raise ValueError("Unrecognized properties: {}".format(", ".join(unknown)))
    for key, value in merged.items():
        if isinstance(defaults[key], bool) and not isinstance(value, bool):
            raise ValueError(f"{key} must be a boolean value")  # noqa: TRY004 (as the real serdes)
    if merged.get("use.latest.with.metadata") is not None:
        raise ValueError("'use.latest.with.metadata' is not supported by the harness fake")
    strategy = merged["subject.name.strategy"]
    if strategy is not None and not callable(strategy):
        raise ValueError("subject.name.strategy must be callable")
    return merged


def _as_schema(schema_str: str | Schema | None) -> Schema | None:
    if schema_str is None:
        return None
    if isinstance(schema_str, str):
        return Schema(normalize_schema_str(schema_str), "AVRO")
    if hasattr(schema_str, "schema_str"):
        return schema_str
    raise TypeError("You must pass either schema string or schema object")


def _record_name(parsed: Any, schema: Schema) -> str | None:
    if isinstance(parsed, dict):
        return parsed.get("name", json.loads(schema.schema_str or "{}").get("type"))
    return None  # a union has no name


class AvroSerializer:
    """Serializes objects to Avro binary with the Confluent framing (magic byte, schema id)."""

    def __init__(
        self,
        schema_registry_client: Any,
        schema_str: str | Schema | None = None,
        to_dict: Callable[[Any, SerializationContext], dict] | None = None,
        conf: Mapping[str, Any] | None = None,
        rule_conf: Mapping[str, Any] | None = None,
        rule_registry: Any = None,
    ) -> None:
        if to_dict is not None and not callable(to_dict):
            raise ValueError(
                "to_dict must be callable with the signature to_dict(object, SerializationContext)->dict"
            )
        merged = _read_conf(conf, SERIALIZER_DEFAULT_CONF)
        self._registry = schema_registry_client
        self._to_dict = to_dict
        self._auto_register = merged["auto.register.schemas"]
        self._use_schema_id = merged["use.schema.id"]
        self._use_latest_version = merged["use.latest.version"]
        if self._use_latest_version and self._auto_register:
            raise ValueError("cannot enable both use.latest.version and auto.register.schemas")
        self._strict = merged["validate.strict"]
        self._strict_allow_default = merged["validate.strict.allow.default"]
        self._subject_name_func = merged["subject.name.strategy"] or topic_subject_name_strategy
        self._schema = _as_schema(schema_str)
        self._parsed = (
            parse_avro(self._schema.schema_str)
            if self._schema and self._schema.schema_str
            else None
        )
        self._schema_name = _record_name(self._parsed, self._schema) if self._schema else None
        self._known_subjects: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:
            return None
        subject = self._subject_name_func(ctx, self._schema_name)
        parsed = self._parsed
        if self._use_latest_version:
            latest = self._registry.get_latest_version(subject)
            schema_id = latest.schema_id
            parsed = parse_avro(latest.schema.schema_str)
        elif self._use_schema_id is not None:
            schema_id = self._use_schema_id
            parsed = parse_avro(self._registry.get_schema(schema_id).schema_str)
        else:
            with self._lock:
                schema_id = self._known_subjects.get(subject)
                if schema_id is None:
                    if self._schema is None:
                        raise ValueError(
                            "AvroSerializer needs a schema_str, use.latest.version or use.schema.id"
                        )
                    if self._auto_register:
                        schema_id = self._registry.register_schema_full_response(
                            subject, self._schema
                        ).schema_id
                    else:
                        schema_id = self._registry.lookup_schema(subject, self._schema).schema_id
                    self._known_subjects[subject] = schema_id
        if self._to_dict is not None:
            if ctx is None:
                raise TypeError("SerializationContext cannot be None")
            value = self._to_dict(obj, ctx)
        else:
            value = obj
        buffer = io.BytesIO()
        if parsed == "bytes" or (isinstance(parsed, dict) and parsed.get("type") == "bytes"):
            buffer.write(value if isinstance(value, bytes) else value.encode())
        else:
            _fastavro().schemaless_writer(
                buffer,
                parsed,
                value,
                strict=self._strict,
                strict_allow_default=self._strict_allow_default,
            )
        return struct.pack(">bI", MAGIC_BYTE, schema_id) + buffer.getvalue()

    def set_cluster_id_resolver(self, resolver: Callable[[], Any]) -> None:
        pass

    def close(self) -> None:
        pass


class AvroDeserializer:
    """Deserializes Confluent-framed Avro to a dict (or what `from_dict` makes of it)."""

    def __init__(
        self,
        schema_registry_client: Any,
        schema_str: str | Schema | None = None,
        from_dict: Callable[[dict, SerializationContext], Any] | None = None,
        return_record_name: bool = False,
        conf: Mapping[str, Any] | None = None,
        rule_conf: Mapping[str, Any] | None = None,
        rule_registry: Any = None,
    ) -> None:
        merged = _read_conf(conf, DESERIALIZER_DEFAULT_CONF)
        if (
            schema_str is not None
            and not isinstance(schema_str, (str, Schema))
            and not hasattr(schema_str, "schema_str")
        ):
            raise TypeError("You must pass either schema string or schema object")
        if from_dict is not None and not callable(from_dict):
            raise ValueError(
                "from_dict must be callable with the signature from_dict(SerializationContext, dict) -> object"
            )
        if not isinstance(return_record_name, bool):
            raise ValueError("return_record_name must be a boolean value")  # noqa: TRY004 (as the real one)
        self._registry = schema_registry_client
        self._schema = _as_schema(schema_str)
        self._reader = (
            parse_avro(self._schema.schema_str)
            if self._schema and self._schema.schema_str
            else None
        )
        self._from_dict = from_dict
        self._return_record_name = return_record_name
        self._use_latest_version = merged["use.latest.version"]
        self._subject_name_func = merged["subject.name.strategy"] or topic_subject_name_strategy
        self._writers: dict[int, Any] = {}

    def __call__(self, data: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if data is None:
            return None
        if len(data) <= 5:
            raise SerializationError(
                "Expecting data framing of length 6 bytes or more but total data size is "
                f"{len(data)} bytes. This message was not produced with a Confluent "
                "Schema Registry serializer"
            )
        payload = io.BytesIO(data)
        magic = struct.unpack(">b", payload.read(1))[0]
        if magic == MAGIC_BYTE:
            schema_id = struct.unpack(">I", payload.read(4))[0]
            writer = self._writers.get(schema_id)
            if writer is None:
                writer = self._writers[schema_id] = parse_avro(
                    self._registry.get_schema(schema_id).schema_str
                )
        elif magic == _GUID_MAGIC_BYTE:
            guid = str(uuid.UUID(bytes=payload.read(16)))
            writer = parse_avro(self._registry.get_schema_by_guid(guid).schema_str)
        else:
            raise SerializationError("Invalid magic byte")
        reader = self._reader
        if self._use_latest_version and ctx is not None:
            subject = self._subject_name_func(ctx, None)
            reader = parse_avro(self._registry.get_latest_version(subject).schema.schema_str)
        if writer == "bytes" or (isinstance(writer, dict) and writer.get("type") == "bytes"):
            obj = payload.read()
        else:
            obj = _fastavro().schemaless_reader(payload, writer, reader, self._return_record_name)
        if self._from_dict is not None:
            if ctx is None:
                raise TypeError("SerializationContext cannot be None")
            return self._from_dict(obj, ctx)
        return obj

    def set_cluster_id_resolver(self, resolver: Callable[[], Any]) -> None:
        pass

    def close(self) -> None:
        pass


__all__ = [
    "AvroDeserializer",
    "AvroSerializer",
    "MessageField",
    "RegisteredSchema",
    "Schema",
    "SchemaRegistry",
    "SchemaRegistryClientBase",
    "SchemaRegistryError",
    "record_subject_name_strategy",
    "topic_record_subject_name_strategy",
    "topic_subject_name_strategy",
]
