"""The loopback Schema Registry: the real client and Avro serde over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from harness.wire.registry import LoopbackRegistry

EVENT = json.dumps(
    {
        "type": "record",
        "name": "Event",
        "namespace": "test",
        "fields": [
            {"name": "identifier", "type": "string"},
            {"name": "hours", "type": ["null", "double"]},
        ],
    }
)


def _topic() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def test_a_service_built_client_serializes_and_the_test_decodes(registry: LoopbackRegistry) -> None:
    topic = _topic()
    client = SchemaRegistryClient({"url": registry.url})  # as a legacy service builds it
    serializer = AvroSerializer(client, EVENT)

    data = serializer(
        {"identifier": "EX001", "hours": 1.5}, SerializationContext(topic, MessageField.VALUE)
    )

    assert registry.decode(data) == {"identifier": "EX001", "hours": 1.5}
    assert registry.subjects().count(f"{topic}-value") == 1
    assert registry.schema_id_of(data) == registry.version(f"{topic}-value").schema_id


def test_the_test_encodes_and_a_service_built_deserializer_reads(
    registry: LoopbackRegistry,
) -> None:
    topic = _topic()
    data = registry.encode(EVENT, {"identifier": "EX002", "hours": None}, subject=f"{topic}-value")
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry.url}))

    assert deserializer(data, SerializationContext(topic, MessageField.VALUE)) == {
        "identifier": "EX002",
        "hours": None,
    }


def test_the_same_schema_under_two_subjects_has_one_id(registry: LoopbackRegistry) -> None:
    first = registry.encode(EVENT, {"identifier": "a", "hours": None}, subject=f"{_topic()}-value")
    second = registry.encode(EVENT, {"identifier": "b", "hours": None}, subject=f"{_topic()}-value")
    assert registry.schema_id_of(first) == registry.schema_id_of(second)


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda c: c.get_version("no-such-subject", 1), 404, 40401),
        (lambda c: c.get_schema(987654), 404, 40403),
        (
            lambda c: c.register_schema("bad-value", Schema('{"type": "nonsense"}', "AVRO")),
            422,
            42201,
        ),
    ],
    ids=["unknown subject", "unknown schema id", "invalid schema"],
)
def test_registry_errors_reach_the_client_as_the_registry_sends_them(
    registry: LoopbackRegistry, call, status, code
) -> None:
    client = SchemaRegistryClient({"url": registry.url})
    with pytest.raises(SchemaRegistryError) as raised:
        call(client)
    assert (raised.value.http_status_code, raised.value.error_code) == (status, code)


def test_lookup_versions_and_compatibility_answer_like_the_registry(
    registry: LoopbackRegistry,
) -> None:
    subject = f"{_topic()}-value"
    client = SchemaRegistryClient({"url": registry.url})
    schema_id = client.register_schema(subject, Schema(EVENT, "AVRO"))

    assert client.get_versions(subject) == [1]
    assert client.lookup_schema(subject, Schema(EVENT, "AVRO")).schema_id == schema_id
    assert client.get_latest_version(subject).version == 1
    assert client.set_compatibility(subject_name=subject, level="FULL") == {"compatibility": "FULL"}
    assert client.get_compatibility(subject) == "FULL"
    assert client.delete_subject(subject) == [1]


def test_an_api_the_registry_lacks_is_a_plain_404(registry: LoopbackRegistry) -> None:
    import httpx2

    response = httpx2.get(f"{registry.url}/associations/resources/-/topic")
    assert response.status_code == 404
    assert response.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}
