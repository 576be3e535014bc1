"""The schema registry fake and the Avro serdes: real Avro, Confluent wire format."""

from __future__ import annotations

import io
import json
import struct
from typing import TYPE_CHECKING

import fastavro
import pytest

from harness.fakes.backends import Backends

if TYPE_CHECKING:
    from .conftest import Tree

USAGE_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Usage",
        "namespace": "telemetry",
        "fields": [
            {"name": "identifier", "type": "string"},
            {"name": "hours", "type": "double"},
            {"name": "note", "type": ["null", "string"], "default": None},
        ],
    }
)
USAGE = {"identifier": "EX001", "hours": 1.5, "note": None}


class Usage:
    def __init__(self, identifier: str, hours: float) -> None:
        self.identifier, self.hours = identifier, hours


def _client(ck: Tree, url: str = "http://schema-registry:8081"):
    return ck["schema_registry"].SchemaRegistryClient({"url": url})


def test_avro_serializer_writes_the_confluent_wire_format(ck: Tree, backends: Backends) -> None:
    avro = ck["schema_registry.avro"]
    serializer = avro.AvroSerializer(_client(ck), USAGE_SCHEMA)
    ctx = ck["serialization"].SerializationContext("usage", ck["serialization"].MessageField.VALUE)

    data = serializer(USAGE, ctx)

    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert backends.schema_registry.subjects() == ["usage-value"]
    registered = backends.schema_registry.version("usage-value")
    assert registered.schema_id == schema_id
    decoded = fastavro.schemaless_reader(
        io.BytesIO(data[5:]), fastavro.parse_schema(json.loads(USAGE_SCHEMA))
    )
    assert decoded == USAGE


def test_avro_round_trip_through_the_serializing_producer_and_deserializing_consumer(
    ck: Tree, backends: Backends
) -> None:
    avro = ck["schema_registry.avro"]
    producer = ck.SerializingProducer(
        {
            "key.serializer": ck["serialization"].StringSerializer(),
            "value.serializer": avro.AvroSerializer(
                _client(ck),
                USAGE_SCHEMA,
                to_dict=lambda u, ctx: {"identifier": u.identifier, "hours": u.hours},
            ),
        }
    )
    producer.produce("usage", key="EX001", value=Usage("EX001", 2.5))
    # the consumer's registry client has another URL: same in-memory registry
    consumer = ck.DeserializingConsumer(
        {
            "group.id": "g",
            "auto.offset.reset": "earliest",
            "value.deserializer": avro.AvroDeserializer(
                _client(ck, "mock://other"),
                from_dict=lambda d, ctx: Usage(d["identifier"], d["hours"]),
            ),
        }
    )
    consumer.subscribe(["usage"])

    msg = consumer.poll(0)

    assert isinstance(msg.value(), Usage)
    assert (msg.value().identifier, msg.value().hours) == ("EX001", 2.5)
    assert backends.schema_registry.decode(backends.kafka.records("usage")[0].value) == {
        "identifier": "EX001",
        "hours": 2.5,
        "note": None,
    }


def test_registry_helpers_encode_what_the_service_decodes(ck: Tree, backends: Backends) -> None:
    data = backends.schema_registry.encode(USAGE_SCHEMA, USAGE, subject="usage-value")
    deserializer = ck["schema_registry.avro"].AvroDeserializer(_client(ck))
    assert deserializer(data, None) == USAGE
    assert backends.schema_registry.schema_id_of(data) == 1


def test_auto_register_off_refuses_an_unregistered_schema(ck: Tree) -> None:
    serializer = ck["schema_registry.avro"].AvroSerializer(
        _client(ck), USAGE_SCHEMA, conf={"auto.register.schemas": False}
    )
    ctx = ck["serialization"].SerializationContext("usage", ck["serialization"].MessageField.VALUE)
    with pytest.raises(ck["schema_registry"].SchemaRegistryError) as raised:
        serializer(USAGE, ctx)
    assert raised.value.http_status_code == 404


def test_the_same_schema_keeps_its_id_across_subjects_and_whitespace(backends: Backends) -> None:
    registry = backends.schema_registry
    first = registry.register("a-value", USAGE_SCHEMA)
    second = registry.register("b-value", json.dumps(json.loads(USAGE_SCHEMA), indent=2))
    assert first.schema_id == second.schema_id
    assert (first.version, second.version) == (1, 1)


def test_a_new_schema_under_a_subject_is_a_new_version(ck: Tree) -> None:
    client = _client(ck)
    schema_cls = ck["schema_registry"].Schema
    client.register_schema("s-value", schema_cls(USAGE_SCHEMA, "AVRO"))
    v2 = json.loads(USAGE_SCHEMA)
    v2["fields"].append({"name": "km", "type": "double", "default": 0.0})
    client.register_schema("s-value", schema_cls(json.dumps(v2), "AVRO"))
    assert client.get_versions("s-value") == [1, 2]
    assert client.get_latest_version("s-value").version == 2


def test_deserializer_rejects_data_without_the_framing(ck: Tree) -> None:
    deserializer = ck["schema_registry.avro"].AvroDeserializer(_client(ck))
    with pytest.raises(ck["serialization"].SerializationError, match="Expecting data framing"):
        deserializer(b"{}", None)
    with pytest.raises(ck["schema_registry"].SchemaRegistryError, match="Schema 99 not found"):
        deserializer(struct.pack(">bI", 0, 99) + b"\x00", None)


def test_invalid_data_for_the_schema_fails_like_fastavro(ck: Tree) -> None:
    serializer = ck["schema_registry.avro"].AvroSerializer(_client(ck), USAGE_SCHEMA)
    ctx = ck["serialization"].SerializationContext("usage", ck["serialization"].MessageField.VALUE)
    with pytest.raises((ValueError, TypeError)):
        serializer({"identifier": "EX001", "hours": "many"}, ctx)


def test_client_and_serde_configuration_is_checked_like_the_real_one(ck: Tree) -> None:
    registry = ck["schema_registry"]
    with pytest.raises(ValueError, match="Missing required configuration property url"):
        registry.SchemaRegistryClient({})
    with pytest.raises(ValueError, match="Unrecognized properties: bogus"):
        registry.SchemaRegistryClient({"url": "http://sr", "bogus": 1})
    with pytest.raises(ValueError, match="Unrecognized properties: auto.register"):
        ck["schema_registry.avro"].AvroSerializer(
            _client(ck), USAGE_SCHEMA, conf={"auto.register": True}
        )


def test_new_client_returns_a_client_on_the_same_registry(ck: Tree, backends: Backends) -> None:
    client = ck["schema_registry"].SchemaRegistryClient.new_client({"url": "mock://registry"})
    client.register_schema("x-value", ck["schema_registry"].Schema(USAGE_SCHEMA))
    assert backends.schema_registry.subjects() == ["x-value"]
