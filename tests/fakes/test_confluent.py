"""The confluent_kafka fake behaves like the real client on what legacy services rely on."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from harness.fakes.backends import Backends
from harness.fakes.stop import ConsumerStopped

if TYPE_CHECKING:
    from .conftest import Tree


def _consumer(ck: Tree, **conf: object):
    return ck.Consumer({"group.id": "g", "auto.offset.reset": "earliest", **conf})


def test_tree_serves_the_package_and_the_submodules_services_import(ck: Tree) -> None:
    assert {
        "confluent_kafka",
        "confluent_kafka.serialization",
        "confluent_kafka.error",
        "confluent_kafka.schema_registry",
        "confluent_kafka.schema_registry.avro",
    } <= ck.tree.names()
    assert ck[""].schema_registry.avro is ck["schema_registry.avro"]
    assert ck["cimpl"].KafkaError is ck.KafkaError


def test_produced_message_is_consumed_with_key_value_headers_and_timestamp(ck: Tree) -> None:
    producer = ck.Producer({"bootstrap.servers": "kafka:9092"})
    producer.produce("events", b'{"id": 1}', "EX001", headers=[("source", b"test")], timestamp=1700)
    producer.flush()
    consumer = _consumer(ck)
    consumer.subscribe(["events"])

    msg = consumer.poll(0)

    assert msg.error() is None
    assert (msg.topic(), msg.partition(), msg.offset()) == ("events", 0, 0)
    assert json.loads(msg.value()) == {"id": 1}
    assert msg.key() == b"EX001"
    assert msg.headers() == [("source", b"test")]
    assert msg.timestamp() == (ck.TIMESTAMP_CREATE_TIME, 1700)
    assert len(msg) == len(b'{"id": 1}')


def test_message_without_headers_reports_none(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"x")
    consumer = _consumer(ck)
    consumer.subscribe(["events"])
    assert consumer.poll(0).headers() is None


def test_delivery_callback_runs_on_poll_or_flush_with_the_delivered_message(ck: Tree) -> None:
    reports = []
    producer = ck.Producer({"on_delivery": lambda err, msg: reports.append(("conf", err, msg))})

    producer.produce(
        "events",
        value=b"a",
        key=b"k",
        on_delivery=lambda err, msg: reports.append(("arg", err, msg)),
    )
    producer.produce(
        "events", value=b"b", callback=lambda err, msg: reports.append(("alias", err, msg))
    )
    producer.produce("events", value=b"c")
    assert reports == [] and len(producer) == 3

    assert producer.poll(0) == 3
    assert [(tag, err, msg.value(), msg.offset()) for tag, err, msg in reports] == [
        ("arg", None, b"a", 0),
        ("alias", None, b"b", 1),
        ("conf", None, b"c", 2),
    ]
    assert reports[0][2].key() == b"k" and reports[0][2].topic() == "events"
    assert len(producer) == 0 and producer.flush() == 0


def test_producer_accepts_str_and_refuses_other_types(ck: Tree, backends: Backends) -> None:
    producer = ck.Producer({})
    producer.produce("events", "text", "key")
    assert backends.kafka.records("events")[0].value == b"text"
    with pytest.raises(TypeError, match="bytes-like object is required, not 'dict'"):
        producer.produce("events", {"a": 1})
    with pytest.raises(TypeError, match="header value"):
        producer.produce("events", b"x", headers={"h": 5})


def test_closed_producer_refuses_to_produce(ck: Tree) -> None:
    producer = ck.Producer({})
    assert producer.close() is True
    with pytest.raises(RuntimeError, match="Producer has been closed"):
        producer.produce("events", b"x")


def test_consumer_requires_a_group_id(ck: Tree) -> None:
    with pytest.raises(ValueError, match="group.id must be set"):
        ck.Consumer({"bootstrap.servers": "kafka:9092"})


def test_partition_eof_is_an_error_message_when_enabled(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"only")
    consumer = _consumer(ck, **{"enable.partition.eof": True})
    consumer.subscribe(["events"])

    assert consumer.poll(0).value() == b"only"
    eof = consumer.poll(0)

    assert eof.error().code() == ck.KafkaError._PARTITION_EOF
    assert eof.error() == ck.KafkaError._PARTITION_EOF
    assert (eof.topic(), eof.partition(), eof.offset()) == ("events", 0, 1)
    assert "reached end of partition at offset 1" in eof.error().str()
    assert consumer.poll(0) is None


def test_partition_eof_is_silent_by_default(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"only")
    consumer = _consumer(ck)
    consumer.subscribe(["events"])
    assert consumer.poll(0).value() == b"only"
    assert consumer.poll(0) is None


def test_subscribing_to_a_missing_topic_reports_unknown_topic_once(ck: Tree) -> None:
    consumer = _consumer(ck)
    consumer.subscribe(["nope"])

    msg = consumer.poll(0)

    assert msg.error().code() == ck.KafkaError.UNKNOWN_TOPIC_OR_PART
    assert msg.error().name() == "UNKNOWN_TOPIC_OR_PART"
    assert msg.topic() == "nope"
    assert consumer.poll(0) is None


def test_drained_consumer_raises_a_stop_that_except_exception_cannot_swallow(
    ck: Tree, backends: Backends
) -> None:
    backends.kafka.produce("events", b"1")
    backends.kafka.produce("events", b"2")
    consumer = _consumer(ck)
    consumer.subscribe(["events"])
    handled = []

    def legacy_loop() -> None:
        while True:
            try:
                msg = consumer.poll(1.0)
                if msg is None:
                    continue
                handled.append(msg.value())
                raise ValueError("a bad message the loop survives")
            except Exception:  # noqa: BLE001, S112  (the legacy pattern under test)
                continue

    with backends.kafka.stop_when_drained() as session, pytest.raises(ConsumerStopped):
        legacy_loop()

    assert handled == [b"1", b"2"]
    assert session.stopped and session.delivered == 2


def test_consume_returns_a_batch(ck: Tree, backends: Backends) -> None:
    for value in (b"1", b"2", b"3"):
        backends.kafka.produce("events", value)
    consumer = _consumer(ck)
    consumer.subscribe(["events"])
    assert [m.value() for m in consumer.consume(2, 0)] == [b"1", b"2"]
    assert [m.value() for m in consumer.consume(10, 0)] == [b"3"]


def test_commit_and_committed_round_trip(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"1")
    backends.kafka.produce("events", b"2")
    consumer = _consumer(ck, **{"enable.auto.commit": False})
    consumer.subscribe(["events"])
    first = consumer.poll(0)
    partition = ck.TopicPartition("events", 0)

    assert consumer.committed([partition])[0].offset == ck.OFFSET_INVALID
    result = consumer.commit(message=first, asynchronous=False)

    assert [(tp.topic, tp.partition, tp.offset) for tp in result] == [("events", 0, 1)]
    assert consumer.committed([partition])[0].offset == 1
    assert backends.kafka.committed("g", "events", 0) == 1


def test_a_new_consumer_in_the_group_resumes_after_the_commit(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"1")
    backends.kafka.produce("events", b"2")
    first = _consumer(ck)
    first.subscribe(["events"])
    assert first.poll(0).value() == b"1"
    first.close()

    second = _consumer(ck)
    second.subscribe(["events"])
    assert second.poll(0).value() == b"2"


def test_committing_an_error_message_is_refused(ck: Tree) -> None:
    consumer = _consumer(ck)
    consumer.subscribe(["nope"])
    error_message = consumer.poll(0)
    with pytest.raises(ck.KafkaException, match="Cannot commit offsets for message with error"):
        consumer.commit(message=error_message)


def test_default_offset_reset_is_latest(ck: Tree, backends: Backends) -> None:
    backends.kafka.produce("events", b"before")
    consumer = ck.Consumer({"group.id": "g"})
    consumer.subscribe(["events"])
    assert consumer.poll(0) is None
    backends.kafka.produce("events", b"after")
    assert consumer.poll(0).value() == b"after"


def test_assign_with_an_explicit_offset(ck: Tree, backends: Backends) -> None:
    for value in (b"0", b"1", b"2"):
        backends.kafka.produce("events", value)
    consumer = _consumer(ck)
    consumer.assign([ck.TopicPartition("events", 0, 2)])
    assert consumer.poll(0).value() == b"2"
    assert consumer.position([ck.TopicPartition("events", 0)])[0].offset == 3
    assert consumer.get_watermark_offsets(ck.TopicPartition("events", 0)) == (0, 3)


def test_on_assign_is_called_from_poll_with_the_assignment(ck: Tree) -> None:
    assigned = []
    consumer = _consumer(ck)
    consumer.subscribe(["events"], on_assign=lambda c, partitions: assigned.append(partitions))
    assert assigned == []
    consumer.poll(0)
    assert [(tp.topic, tp.partition) for tp in assigned[0]] == [("events", 0)]


def test_closed_consumer_refuses_to_poll(ck: Tree) -> None:
    consumer = _consumer(ck)
    consumer.close()
    consumer.close()  # a second close is harmless, as in the real client
    with pytest.raises(RuntimeError, match="Consumer closed"):
        consumer.poll(0)


def test_deserializing_consumer_applies_deserializers_with_context(
    ck: Tree, backends: Backends
) -> None:
    seen_contexts = []

    def value_deserializer(data: bytes, ctx) -> dict:
        seen_contexts.append((ctx.topic, str(ctx.field)))
        return json.loads(data)

    backends.kafka.produce("events", b'{"n": 1}', key=b"EX001")
    consumer = ck.DeserializingConsumer(
        {
            "group.id": "g",
            "auto.offset.reset": "earliest",
            "key.deserializer": ck["serialization"].StringDeserializer(),
            "value.deserializer": value_deserializer,
        }
    )
    consumer.subscribe(["events"])

    msg = consumer.poll(0)

    assert (msg.key(), msg.value()) == ("EX001", {"n": 1})
    assert seen_contexts == [("events", "value")]
    with pytest.raises(NotImplementedError):
        consumer.consume()


def test_deserializing_consumer_wraps_failures_and_keeps_the_raw_message(
    ck: Tree, backends: Backends
) -> None:
    backends.kafka.produce("events", b"not json")
    consumer = ck.DeserializingConsumer(
        {
            "group.id": "g",
            "auto.offset.reset": "earliest",
            "value.deserializer": lambda v, ctx: json.loads(v),
        }
    )
    consumer.subscribe(["events"])

    with pytest.raises(ck["error"].ValueDeserializationError) as raised:
        consumer.poll(0)

    assert raised.value.kafka_message.value() == b"not json"
    assert raised.value.code == ck.KafkaError._VALUE_DESERIALIZATION
    assert isinstance(raised.value, ck["error"].ConsumeError)


def test_deserializing_consumer_raises_consume_error_for_error_events(ck: Tree) -> None:
    consumer = ck.DeserializingConsumer({"group.id": "g"})
    consumer.subscribe(["nope"])
    with pytest.raises(ck["error"].ConsumeError) as raised:
        consumer.poll(0)
    assert raised.value.code == ck.KafkaError.UNKNOWN_TOPIC_OR_PART


def test_serializing_producer_applies_serializers(ck: Tree, backends: Backends) -> None:
    serialization = ck["serialization"]
    producer = ck.SerializingProducer(
        {
            "key.serializer": serialization.StringSerializer(),
            "value.serializer": serialization.IntegerSerializer(),
        }
    )
    producer.produce("events", key="EX001", value=7)
    record = backends.kafka.records("events")[0]
    assert (record.key, record.value) == (b"EX001", b"\x00\x00\x00\x07")
    assert isinstance(producer, ck.Producer)


def test_serializing_producer_wraps_serializer_failures(ck: Tree, backends: Backends) -> None:
    def failing(value, ctx):
        raise ValueError("cannot encode")

    producer = ck.SerializingProducer({"value.serializer": failing})
    with pytest.raises(ck["error"].ValueSerializationError, match="cannot encode") as raised:
        producer.produce("events", value=object())
    assert isinstance(raised.value, ck["serialization"].SerializationError)
    assert isinstance(raised.value, ck.KafkaException)
    assert backends.kafka.records("events") == []


def test_message_is_instantiable_for_tests(ck: Tree) -> None:
    msg = ck.Message(topic="t", partition=1, offset=5, key=b"k", value=b"v", headers=[("h", b"1")])
    assert (msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value()) == (
        "t",
        1,
        5,
        b"k",
        b"v",
    )
    assert msg.error() is None and msg.timestamp() == (0, 0)
    empty = ck.Message()
    assert (empty.value(), len(empty)) == (None, 0)


def test_kafka_error_has_the_real_codes_names_and_text(ck: Tree) -> None:
    error = ck.KafkaError(ck.KafkaError._PARTITION_EOF)
    assert (error.code(), error.name(), error.str()) == (
        -191,
        "_PARTITION_EOF",
        "Broker: No more messages",
    )
    assert str(ck.KafkaError(3, "gone", fatal=True)) == (
        'KafkaError{FATAL,code=UNKNOWN_TOPIC_OR_PART,val=3,str="gone"}'
    )
    assert ck.KafkaError(3) == ck.KafkaError(3, "other") == 3
    assert str(ck.KafkaException(ck.KafkaError(3))).startswith(
        "KafkaError{code=UNKNOWN_TOPIC_OR_PART"
    )


def test_topic_partition_equality_ignores_the_offset(ck: Tree) -> None:
    assert ck.TopicPartition("t", 0, 5) == ck.TopicPartition("t", 0, 6)
    assert ck.TopicPartition("t", 0) != ck.TopicPartition("t", 1)
    assert ck.TopicPartition("t").offset == ck.OFFSET_INVALID


def test_admin_client_creates_topics(ck: Tree, backends: Backends) -> None:
    admin = ck["admin"].AdminClient({"bootstrap.servers": "kafka:9092"})
    futures = admin.create_topics([ck["admin"].NewTopic("orders", num_partitions=3)])
    assert futures["orders"].result() is None
    assert backends.kafka.partition_count("orders") == 3
    again = admin.create_topics([ck["admin"].NewTopic("orders")])
    assert again["orders"].exception().args[0].code() == ck.KafkaError.TOPIC_ALREADY_EXISTS


def test_every_client_built_is_logged_with_its_caller_line(ck: Tree, backends: Backends) -> None:
    ck.DeserializingConsumer({"group.id": "svc", "value.deserializer": None})
    entries = backends.clients.entries()
    assert [(e.library, e.cls) for e in entries] == [("confluent_kafka", "DeserializingConsumer")]
    assert entries[0].config["group.id"] == "svc"
    assert entries[0].file == __file__
    assert str(entries[0]).startswith("confluent_kafka.DeserializingConsumer built at ")


def test_trees_for_different_backends_do_not_share_state() -> None:
    from harness.integrations import provider

    first, second = Backends(), Backends()
    provider("confluent_kafka").build(first).module("confluent_kafka").Producer({}).produce(
        "t", b"x"
    )
    assert first.kafka.records("t") and not second.kafka.records("t")
