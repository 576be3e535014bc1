"""The contract: the fakes behave as the real clients on librdkafka's mock cluster do.

Every scenario runs against the in-memory fakes and against the real confluent-kafka and
kafka-python clients on the mock cluster, and returns what a service would observe. The two
must be equal, and equal to what the real client is known to do (`expected`): a difference
means the fake drifted from the library it stands for.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    Backend = Any  # tests/contract/conftest.py: Backend


SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Telemetry",
        "namespace": "contract",
        "fields": [
            {"name": "identifier", "type": "string"},
            {"name": "timestamp", "type": "long"},
            {"name": "hours", "type": ["null", "double"], "default": None},
        ],
    }
)


def _topic() -> str:
    return f"c-{uuid.uuid4().hex[:8]}"


def _consumer(b: Backend, **extra: Any) -> Any:
    return b.ck.Consumer(
        {
            "bootstrap.servers": b.bootstrap,
            "group.id": _topic(),
            "auto.offset.reset": "earliest",
            **extra,
        }
    )


def _drain(b: Backend, consumer: Any, seen: list, shape: Callable[[Any], Any], **drain: Any) -> Any:
    def loop() -> None:
        while True:
            try:
                msg = consumer.poll(1.0)
                if msg is None:
                    seen.append(None)
                    continue
                seen.append(shape(msg))
            except Exception as error:  # noqa: BLE001  the legacy loops' style
                seen.append(("raised", type(error).__name__))

    stop = b.run(loop, **drain)
    return None if stop is None else (stop.reason.value, stop.delivered)


def produce_consume_keys_and_headers(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b"v1", key=b"EX001", headers={"source": b"test"})
    b.broker.produce(topic, b"v2")
    consumer = _consumer(b)
    consumer.subscribe([topic])
    stop = _drain(
        b,
        consumer,
        seen,
        lambda m: (
            m.topic(),
            m.partition(),
            m.offset() - seen_base(b, topic),
            m.key(),
            m.value(),
            m.headers(),
            m.error(),
        ),
    )
    return seen, stop


def seen_base(b: Backend, topic: str) -> int:
    return 0  # offsets restart at 0 on a new topic on both backends


def end_of_partition_events(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b"only")
    consumer = _consumer(b, **{"enable.partition.eof": True})
    consumer.subscribe([topic])
    eof = b.ck.KafkaError._PARTITION_EOF
    _drain(
        b,
        consumer,
        seen,
        lambda m: (None, m.error().code() == eof) if m.error() else (m.value(), None),
        empty_polls=2,
    )
    return seen


def empty_polls_return_none(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b"x")
    consumer = _consumer(b)
    consumer.subscribe([topic])
    stop = _drain(b, consumer, seen, lambda m: m.value(), empty_polls=3)
    return seen, stop


def max_messages_bound(b: Backend) -> Any:
    topic, seen = _topic(), []
    for value in (b"1", b"2", b"3"):
        b.broker.produce(topic, value)
    consumer = _consumer(b)
    consumer.subscribe([topic])
    stop = _drain(b, consumer, seen, lambda m: m.value(), max_messages=2)
    return seen, stop


def deserializing_consumer_string_and_avro(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(
        topic,
        b.registry.encode(
            SCHEMA, {"identifier": "EX001", "timestamp": 5, "hours": 1.5}, subject=f"{topic}-value"
        ),
        key=b"EX001",
    )
    client = b.schema_registry.SchemaRegistryClient({"url": b.registry_url})
    consumer = b.ck.DeserializingConsumer(
        {
            "bootstrap.servers": b.bootstrap,
            "group.id": _topic(),
            "auto.offset.reset": "earliest",
            "key.deserializer": b.serialization.StringDeserializer("utf_8"),
            "value.deserializer": b.avro.AvroDeserializer(client),
        }
    )
    consumer.subscribe([topic])
    stop = _drain(b, consumer, seen, lambda m: (m.key(), m.value()))
    return seen, stop


def deserializer_failure_raises_value_deserialization_error(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b"not avro")
    client = b.schema_registry.SchemaRegistryClient({"url": b.registry_url})
    consumer = b.ck.DeserializingConsumer(
        {
            "bootstrap.servers": b.bootstrap,
            "group.id": _topic(),
            "auto.offset.reset": "earliest",
            "value.deserializer": b.avro.AvroDeserializer(client),
        }
    )
    consumer.subscribe([topic])
    stop = _drain(b, consumer, seen, lambda m: m.value())
    return seen, stop


def serializing_producer_avro_round_trip_and_delivery_callback(b: Backend) -> Any:
    topic, reports = _topic(), []
    client = b.schema_registry.SchemaRegistryClient({"url": b.registry_url})
    producer = b.ck.SerializingProducer(
        {
            "bootstrap.servers": b.bootstrap,
            "key.serializer": b.serialization.StringSerializer("utf_8"),
            "value.serializer": b.avro.AvroSerializer(client, SCHEMA),
        }
    )
    producer.produce(
        topic=topic,
        key="EX001",
        value={"identifier": "EX001", "timestamp": 7, "hours": None},
        on_delivery=lambda err, msg: reports.append((err, msg.topic(), msg.key())),
    )
    left = producer.flush(5)
    records = b.broker.records(topic)
    return left, reports, [(r.key, b.registry.decode(r.value)) for r in records]


def serializer_failure_raises_value_serialization_error(b: Backend) -> Any:
    client = b.schema_registry.SchemaRegistryClient({"url": b.registry_url})
    producer = b.ck.SerializingProducer(
        {
            "bootstrap.servers": b.bootstrap,
            "value.serializer": b.avro.AvroSerializer(client, SCHEMA),
        }
    )
    try:
        producer.produce(topic=_topic(), value={"identifier": 42})
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, isinstance(error, b.serialization.SerializationError)
    return "no error"


def plain_producer_delivery_reports(b: Backend) -> Any:
    topic, reports = _topic(), []
    producer = b.ck.Producer({"bootstrap.servers": b.bootstrap})
    producer.produce(
        topic,
        b"v",
        key=b"k",
        on_delivery=lambda err, msg: reports.append((err, msg.value(), msg.offset())),
    )
    before = list(reports)
    left = producer.flush(5)
    return before, left, reports


def kafka_python_iteration(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b'{"n": 1}', key=b"EX001")
    b.broker.produce(topic, b'{"n": 2}')

    def loop() -> None:
        consumer = b.kafka.KafkaConsumer(
            topic,
            bootstrap_servers=b.bootstrap,
            group_id=_topic(),
            auto_offset_reset="earliest",
            value_deserializer=json.loads,
        )
        for message in consumer:
            seen.append(
                (message.topic, message.partition, message.offset, message.key, message.value)
            )

    stop = b.run(loop)
    return seen, (stop.reason.value, stop.delivered)


def several_partitions_keep_each_partition_in_order(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.create_topic(topic, 3)
    for partition, value in ((0, b"a0"), (1, b"b0"), (0, b"a1"), (2, b"c0"), (1, b"b1")):
        b.broker.produce(topic, value, partition=partition)
    consumer = _consumer(b)
    consumer.subscribe([topic])
    stop = _drain(b, consumer, seen, lambda m: (m.partition(), m.offset(), m.value()))
    # Partitions interleave as fetches return; within one partition the order is the log's.
    in_order = all(
        [s for s in seen if s[0] == p] == sorted(s for s in seen if s[0] == p) for p in range(3)
    )
    assigned = sorted(tp.partition for tp in consumer.assignment())
    return sorted(seen), in_order, assigned, stop


def keyed_records_land_in_the_partition_of_their_key(b: Backend) -> Any:
    topic = _topic()
    b.broker.create_topic(topic, 3)
    producer = b.ck.Producer({"bootstrap.servers": b.bootstrap})
    keys = [f"EX{n:03d}".encode() for n in range(8)]
    for key in keys:
        producer.produce(topic, b"v", key=key)
    producer.flush(5)
    return sorted((r.key, r.partition) for r in b.broker.records(topic))


def commit_then_the_group_resumes_after_the_committed_offset(b: Backend) -> Any:
    topic, group, first, second = _topic(), _topic(), [], []
    for value in (b"1", b"2"):
        b.broker.produce(topic, value)
    conf = {
        "bootstrap.servers": b.bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    consumer = b.ck.Consumer(conf)
    consumer.subscribe([topic])
    _drain(b, consumer, first, lambda m: m.value())
    before = consumer.committed([b.ck.TopicPartition(topic, 0)], timeout=5)
    consumer.commit(asynchronous=False)
    after = consumer.committed([b.ck.TopicPartition(topic, 0)], timeout=5)
    consumer.close()
    b.broker.produce(topic, b"3")
    # The group's next member (a new client of the same group) starts at the committed offset.
    successor = b.ck.Consumer({**conf, "client.id": "successor"})
    successor.subscribe([topic])
    _drain(b, successor, second, lambda m: m.value())
    offsets = [[(tp.topic, tp.partition, tp.offset) for tp in tps] for tps in (before, after)]
    return first, offsets, second


def seek_rereads_from_the_offset(b: Backend) -> Any:
    topic, seen = _topic(), []
    for value in (b"1", b"2", b"3"):
        b.broker.produce(topic, value)
    consumer = _consumer(b)
    consumer.subscribe([topic])

    def shape(message: Any) -> Any:
        if message.value() == b"3" and seen.count(b"3") == 0:
            consumer.seek(b.ck.TopicPartition(topic, 0, 1))
        return message.value()

    stop = _drain(b, consumer, seen, shape)
    return seen, stop


def subscribing_to_a_missing_topic_reports_it_once(b: Backend) -> Any:
    # The plain client: the wire level creates subscribed topics first, which hides this event.
    topic = _topic()
    consumer = b.plain_consumer(
        {"bootstrap.servers": b.bootstrap, "group.id": _topic(), "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    try:
        event = None
        for _ in range(50):  # at most 5 s
            event = consumer.poll(0.1)
            if event is not None:
                break
        after = [consumer.poll(0.1) for _ in range(3)]
        assert event is not None, "no event within 5 s"
        error = event.error()
        return (
            event.topic(),
            event.partition(),
            event.offset(),
            error.code() == b.ck.KafkaError.UNKNOWN_TOPIC_OR_PART,
            error.str().replace(topic, "T"),
            event.value().decode().replace(topic, "T"),
            (error.fatal(), error.retriable()),
            after,
            b.broker.has_topic(topic),
        )
    finally:
        consumer.close()


def kafka_python_poll_returns_records_by_partition(b: Backend) -> Any:
    topic, seen = _topic(), []
    b.broker.produce(topic, b'{"n": 1}', key=b"EX001")
    b.broker.produce(topic, b'{"n": 2}')

    def loop() -> None:
        consumer = b.kafka.KafkaConsumer(
            topic,
            bootstrap_servers=b.bootstrap,
            group_id=_topic(),
            auto_offset_reset="earliest",
            value_deserializer=json.loads,
        )
        while True:
            batches = consumer.poll(timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:  # how records split across polls is the client's business
                    seen.append(
                        (
                            type(tp).__name__,
                            tp.topic,
                            tp.partition,
                            record.offset,
                            record.key,
                            record.value,
                        )
                    )

    stop = b.run(loop)
    return seen, (stop.reason.value, stop.delivered)


def kafka_python_hands_back_a_record_whose_deserializer_raised(b: Backend) -> Any:
    # history's retry loop: close the consumer on any error, build a new one in the same group.
    topic, group, seen = _topic(), _topic(), []
    for value in (b'{"n": 1}', None, b'{"n": 3}'):
        b.broker.produce(topic, value)

    def loop() -> None:
        while True:
            consumer = b.kafka.KafkaConsumer(
                topic,
                bootstrap_servers=b.bootstrap,
                group_id=group,
                auto_offset_reset="earliest",
                value_deserializer=lambda raw: json.loads(raw.decode("utf-8")),
            )
            try:
                for message in consumer:
                    seen.append((message.offset, message.value))
            except Exception as error:  # noqa: BLE001  the legacy loop's style
                seen.append(("raised", type(error).__name__))
                consumer.close()

    stop = b.run(loop, max_messages=4)
    return seen, (stop.reason.value, stop.delivered)


def configuration_names_are_checked_as_librdkafka_does(b: Backend) -> Any:
    def outcome(build: Callable[[], Any]) -> Any:
        try:
            client = build()
        except b.ck.KafkaException as e:
            return (e.args[0].name(), e.args[0].str())
        if hasattr(client, "close"):
            client.close()
        return "built"

    base = {"bootstrap.servers": b.bootstrap}
    group = {**base, "group.id": _topic()}
    return [
        outcome(lambda: b.ck.Producer({**base, "linger.ms": 5, "acks": "all", "XXlinger.msXX": 1})),
        outcome(lambda: b.ck.Producer({**base, "linger.ms": 5, "acks": "all"})),
        outcome(lambda: b.ck.Producer({**base, "on_commit": print})),
        outcome(lambda: b.ck.Consumer({**group, "XXkey.deserializerXX": "x"})),
        outcome(lambda: b.ck.Consumer({**group, "enable.auto.commit": False, "on_commit": print})),
        outcome(lambda: b.ck.SerializingProducer({**base, "key.serializer": None})),
        outcome(lambda: b.ck.SerializingProducer({**base, "key.deserializer": None})),
        outcome(lambda: b.ck.DeserializingConsumer({**group, "value.deserializer": None})),
        outcome(lambda: b.ck.DeserializingConsumer({**group, "value.serializer": None})),
    ]


SCENARIOS: dict[str, tuple[Callable[[Backend], Any], Any]] = {
    "unknown configuration property rejected, known ones accepted": (
        configuration_names_are_checked_as_librdkafka_does,
        [
            ("_INVALID_ARG", 'No such configuration property: "XXlinger.msXX"'),
            "built",
            ("_INVALID_ARG", 'No such configuration property: "on_commit"'),
            ("_INVALID_ARG", 'No such configuration property: "XXkey.deserializerXX"'),
            "built",
            "built",
            ("_INVALID_ARG", 'No such configuration property: "key.deserializer"'),
            "built",
            ("_INVALID_ARG", 'No such configuration property: "value.serializer"'),
        ],
    ),
    "produce/consume, keys, headers": (
        produce_consume_keys_and_headers,
        (
            [
                ("T", 0, 0, b"EX001", b"v1", [("source", b"test")], None),
                ("T", 0, 1, None, b"v2", None, None),
            ],
            ("drained", 2),
        ),
    ),
    "end of partition": (end_of_partition_events, [(b"only", None), (None, True), None]),
    "empty polls return None": (empty_polls_return_none, ([b"x", None, None], ("drained", 1))),
    "max_messages bound": (max_messages_bound, ([b"1", b"2"], ("max_messages", 2))),
    "DeserializingConsumer: string key, Avro value": (
        deserializing_consumer_string_and_avro,
        ([("EX001", {"identifier": "EX001", "timestamp": 5, "hours": 1.5})], ("drained", 1)),
    ),
    "deserializer failure": (
        deserializer_failure_raises_value_deserialization_error,
        ([("raised", "ValueDeserializationError")], ("drained", 1)),
    ),
    "SerializingProducer: Avro round trip, delivery callback": (
        serializing_producer_avro_round_trip_and_delivery_callback,
        (
            0,
            [(None, "T", b"EX001")],
            [(b"EX001", {"identifier": "EX001", "timestamp": 7, "hours": None})],
        ),
    ),
    "serializer failure": (
        serializer_failure_raises_value_serialization_error,
        ("ValueSerializationError", True),
    ),
    "Producer delivery reports on flush": (
        plain_producer_delivery_reports,
        ([], 0, [(None, b"v", 0)]),
    ),
    "kafka-python iteration": (
        kafka_python_iteration,
        ([("T", 0, 0, b"EX001", {"n": 1}), ("T", 0, 1, None, {"n": 2})], ("drained", 2)),
    ),
    "several partitions, each in order": (
        several_partitions_keep_each_partition_in_order,
        (
            [(0, 0, b"a0"), (0, 1, b"a1"), (1, 0, b"b0"), (1, 1, b"b1"), (2, 0, b"c0")],
            True,
            [0, 1, 2],
            ("drained", 5),
        ),
    ),
    "a key's partition (the default partitioner)": (
        keyed_records_land_in_the_partition_of_their_key,
        # librdkafka's default partitioner (consistent_random): CRC32 of the key, modulo 3.
        [(f"EX{n:03d}".encode(), p) for n, p in enumerate((0, 1, 0, 0, 1, 0, 0, 1))],
    ),
    "commit, committed, the group resumes after it": (
        commit_then_the_group_resumes_after_the_committed_offset,
        ([b"1", b"2"], [[("T", 0, -1001)], [("T", 0, 2)]], [b"3"]),
    ),
    "seek re-reads from the offset": (
        seek_rereads_from_the_offset,
        ([b"1", b"2", b"3", b"2", b"3"], ("drained", 5)),
    ),
    "missing topic: one UNKNOWN_TOPIC_OR_PART event": (
        subscribing_to_a_missing_topic_reports_it_once,
        (
            "T",
            0,
            None,
            True,
            "Subscribed topic not available: T: Broker: Unknown topic or partition",
            "Subscribed topic not available: T: Broker: Unknown topic or partition",
            (False, False),
            [None, None, None],
            False,
        ),
    ),
    "kafka-python poll()": (
        kafka_python_poll_returns_records_by_partition,
        (
            [
                ("TopicPartition", "T", 0, 0, b"EX001", {"n": 1}),
                ("TopicPartition", "T", 0, 1, None, {"n": 2}),
            ],
            ("drained", 2),
        ),
    ),
    "kafka-python: a record whose deserializer raised comes back": (
        kafka_python_hands_back_a_record_whose_deserializer_raised,
        (
            [
                (0, {"n": 1}),
                ("raised", "AttributeError"),
                ("raised", "AttributeError"),
                ("raised", "AttributeError"),
            ],
            ("max_messages", 4),
        ),
    ),
}


def _normalise(observed: Any, topics: set[str]) -> Any:
    """Topic names are random per run: shown as "T"."""
    if isinstance(observed, str) and observed.startswith("c-"):
        return "T"
    if isinstance(observed, (list, tuple)):
        return type(observed)(_normalise(o, topics) for o in observed)
    if isinstance(observed, dict):
        return {k: _normalise(v, topics) for k, v in observed.items()}
    return observed


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_fake_and_real_clients_agree(backends, scenario: str) -> None:
    run, expected = SCENARIOS[scenario]
    real = _normalise(run(backends.real), set())
    fake = _normalise(run(backends.fake), set())

    assert real == expected, f"the real client no longer does what this contract expects: {real!r}"
    assert fake == real, f"the fake differs from the real client: fake {fake!r}, real {real!r}"
