"""The legacy `confluent_kafka.avro` over the confluent_kafka fake: the installed package's own
code on the in-memory broker, its registry client answered by the fake registry."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

from harness.fakes import confluent_avro
from harness.fakes.backends import Backends
from harness.fakes.schema_registry import Schema
from harness.fakes.stop import ConsumerStopped
from harness.modules import NotServed

if TYPE_CHECKING:
    from .conftest import Tree

PING = {"type": "record", "name": "Ping", "fields": [{"name": "n", "type": "int"}]}
KEY = {
    "type": "record",
    "name": "PingKey",
    "fields": [{"name": "id", "type": "string"}],
}
URL = "http://registry.invalid:8081"


def _producer(ck: Tree, **kwargs: object):
    avro = ck["avro"]
    return avro.AvroProducer(
        {"bootstrap.servers": "kafka.invalid:9092", "schema.registry.url": URL},
        **kwargs,
    )


def _keyed_producer(ck: Tree):
    """An AvroProducer with default value (PING) and key (KEY) schemas."""
    avro = ck["avro"]
    return _producer(
        ck,
        default_value_schema=avro.loads(json.dumps(PING)),
        default_key_schema=avro.loads(json.dumps(KEY)),
    )


def _consumer(ck: Tree):
    consumer = ck["avro"].AvroConsumer(
        {
            "bootstrap.servers": "kafka.invalid:9092",
            "group.id": "g",
            "auto.offset.reset": "earliest",
            "schema.registry.url": URL,
        }
    )
    consumer.subscribe(["pings"])
    return consumer


pytestmark = pytest.mark.filterwarnings(
    "ignore:(AvroProducer|AvroConsumer|CachedSchemaRegistry).*:DeprecationWarning"
)


def test_the_package_runs_only_when_first_asked_for(ck: Tree) -> None:
    assert ck.tree.serves("confluent_kafka.avro.serializer.message_serializer")
    assert not hasattr(ck[""], "avro")

    avro = ck["avro.serializer.message_serializer"]

    assert avro.__file__.startswith(confluent_avro.package_dir())
    assert ck[""].avro is ck["avro"]
    assert ck["avro"].serializer.message_serializer is avro


def test_avro_producer_is_the_real_class_over_the_fake_producer(ck: Tree) -> None:
    avro = ck["avro"]

    assert issubclass(avro.AvroProducer, ck.Producer)
    assert issubclass(avro.AvroConsumer, ck.Consumer)
    assert avro.AvroProducer.produce.__code__.co_filename.startswith(confluent_avro.package_dir())


def test_produced_values_and_keys_are_avro_registered_under_the_topic(
    ck: Tree, backends: Backends
) -> None:
    producer = _keyed_producer(ck)

    producer.produce(topic="pings", value={"n": 3}, key={"id": "a"})
    producer.flush()

    [record] = backends.kafka.records("pings")
    assert backends.schema_registry.decode(record.value) == {"n": 3}
    assert backends.schema_registry.decode(record.key) == {"id": "a"}
    assert backends.schema_registry.subjects() == ["pings-key", "pings-value"]


def test_a_schema_given_to_produce_wins_over_the_default(ck: Tree, backends: Backends) -> None:
    avro = ck["avro"]
    producer = _producer(ck, default_value_schema=avro.loads(json.dumps(PING)))
    other = dict(PING, name="Pong", fields=[{"name": "text", "type": "string"}])

    producer.produce(
        topic="pings", value={"text": "hi"}, value_schema=avro.loads(json.dumps(other))
    )

    assert backends.schema_registry.decode(backends.kafka.records("pings")[0].value) == {
        "text": "hi"
    }


def test_a_value_without_a_schema_fails_as_the_real_producer_does(ck: Tree) -> None:
    avro = ck["avro"]

    with pytest.raises(avro.SerializerError, match="Avro schema required for values"):
        _producer(ck).produce(topic="pings", value={"n": 1})


def test_avro_consumer_decodes_what_avro_producer_and_the_registry_wrote(
    ck: Tree, backends: Backends
) -> None:
    producer = _keyed_producer(ck)
    producer.produce(topic="pings", value={"n": 1}, key={"id": "a"})
    backends.kafka.produce(
        "pings",
        backends.schema_registry.encode(json.dumps(PING), {"n": 2}, subject="pings-value"),
    )
    consumer = _consumer(ck)

    first, second = consumer.poll(0), consumer.poll(0)

    assert (first.key(), first.value()) == ({"id": "a"}, {"n": 1})
    assert (second.key(), second.value()) == (None, {"n": 2})
    assert consumer.poll(0) is None


def test_avro_consumer_stops_a_loop_once_drained(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce(
        "pings",
        backends.schema_registry.encode(json.dumps(PING), {"n": 5}, subject="pings-value"),
    )
    consumer = _consumer(ck)
    seen = []

    with (
        backends.kafka.stop_when_drained(empty_polls=2, max_messages=None),
        pytest.raises(ConsumerStopped),
    ):
        while True:
            message = consumer.poll(1.0)
            if message is not None:
                seen.append(message.value())

    assert seen == [{"n": 5}]


def test_avro_consumer_refuses_what_is_not_avro(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("pings", b'{"n": 1, "json": "not avro"}')

    with pytest.raises(ck["avro"].SerializerError, match="does not start with magic byte"):
        _consumer(ck).poll(0)


def test_cached_client_shares_the_registry_of_the_new_api_client(ck: Tree) -> None:
    avro = ck["avro"]
    legacy = avro.CachedSchemaRegistryClient({"url": URL})
    current = ck["schema_registry"].SchemaRegistryClient({"url": URL})

    schema_id = legacy.register("pings-value", avro.loads(json.dumps(PING)))

    assert json.loads(current.get_schema(schema_id).schema_str) == PING
    assert current.get_latest_version("pings-value").schema_id == schema_id
    other_id = current.register_schema("pongs-value", Schema(json.dumps(KEY)))
    found_id, found, version = legacy.get_latest_schema("pongs-value")
    assert (found_id, found.fullname, version) == (other_id, "PingKey", 1)


def test_cached_client_answers_as_the_registry_does_when_something_is_missing(
    ck: Tree,
) -> None:
    avro = ck["avro"]
    client = avro.CachedSchemaRegistryClient(URL)  # the deprecated form: a URL

    assert client.get_latest_schema("missing-value") == (None, None, None)
    assert client.get_by_id(404) is None
    assert client.get_version("missing-value", avro.loads(json.dumps(PING))) is None
    with pytest.raises(avro.ClientError, match="Schema or subject not found"):
        client.check_registration("missing-value", avro.loads(json.dumps(PING)))
    with pytest.raises(avro.ClientError, match="Unable to delete subject"):
        client.delete_subject("missing-value")


def test_cached_client_versions_compatibility_and_deletion(ck: Tree) -> None:
    avro = ck["avro"]
    client = avro.CachedSchemaRegistryClient({"url": URL + "/"})
    schema = avro.loads(json.dumps(PING))
    client.register("pings-value", schema)

    assert client.get_version("pings-value", schema) == 1
    assert client.test_compatibility("pings-value", schema) is True
    assert client.update_compatibility("FULL", "pings-value") == "FULL"
    assert client.get_compatibility("pings-value") == "FULL"
    assert client.get_compatibility() == "BACKWARD"
    assert client.delete_subject("pings-value") == [1]


def test_deprecation_warnings_name_the_line_that_built_the_client(ck: Tree) -> None:
    avro = ck["avro"]

    with pytest.warns(DeprecationWarning) as warned:
        avro.CachedSchemaRegistryClient(URL)  # the deprecated form: a URL
        _producer(ck)

    assert [(w.filename, str(w.message)[:40]) for w in warned] == [
        (__file__, "CachedSchemaRegistry constructor is bein"),
        (__file__, "AvroProducer has been deprecated. Use Av"),
    ]


def test_cached_client_keeps_the_real_constructor_checks(ck: Tree) -> None:
    avro = ck["avro"]

    with pytest.raises(ValueError, match="Invalid URL provided for Schema Registry"):
        avro.CachedSchemaRegistryClient({"url": "registry.invalid:8081"})
    with pytest.raises(ValueError, match="Unrecognized configuration properties"):
        avro.CachedSchemaRegistryClient({"url": URL, "no.such.key": 1})


def test_clients_are_logged_where_the_caller_built_them(ck: Tree, backends: Backends) -> None:
    avro = ck["avro"]
    _producer(ck, default_value_schema=avro.loads(json.dumps(PING)))

    built = [(entry.cls, entry.file) for entry in backends.clients.entries()]

    assert built == [
        ("CachedSchemaRegistryClient", __file__),
        ("AvroProducer", __file__),
    ]


def test_load_and_loads_parse_schemas_and_refuse_bad_ones(ck: Tree, tmp_path) -> None:
    avro = ck["avro"]
    path = tmp_path / "ping.avsc"
    path.write_text(json.dumps(PING))

    assert avro.load(str(path)).fullname == "Ping"
    with pytest.raises(avro.ClientError, match="Schema parse failed"):
        avro.loads('{"type": "record"}')


def test_without_the_package_the_import_says_what_to_install(
    ck: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confluent_avro, "package_dir", lambda: None)

    with pytest.raises(NotServed, match=r"installed confluent-kafka \(.*\) has none.*install a"):
        ck["avro"]


def test_without_apache_avro_the_import_says_which_extra_to_install(
    ck: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "avro", None)

    with pytest.raises(NotServed, match=r"imports 'avro', which is not.*confluent-kafka\[avro\]"):
        ck["avro"]
