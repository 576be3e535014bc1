"""The kafka-python fake: iteration, poll, serializers, futures, the same broker."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from harness.fakes.backends import Backends
from harness.fakes.stop import ConsumerStopped

if TYPE_CHECKING:
    from .conftest import Tree


def _consumer(kp: Tree, *topics: str, **configs: object):
    configs = {"group_id": "history", "auto_offset_reset": "earliest", **configs}
    return kp.KafkaConsumer(*topics, **configs)


def test_tree_serves_the_modules_code_imports(kp: Tree) -> None:
    assert {
        "kafka",
        "kafka.errors",
        "kafka.structs",
        "kafka.consumer",
        "kafka.producer",
    } <= kp.tree.names()
    assert kp["consumer"].KafkaConsumer is kp.KafkaConsumer
    assert kp["structs"].TopicPartition is kp.TopicPartition


def test_iteration_yields_consumer_records_with_deserialized_values(
    kp: Tree, backends: Backends
) -> None:
    backends.kafka.produce("positions", b'{"id": "EX001"}', key=b"EX001", headers=[("h", b"1")])
    consumer = _consumer(
        kp,
        "positions",
        value_deserializer=lambda raw: json.loads(raw.decode("utf-8")),
        key_deserializer=lambda raw: raw.decode(),
        consumer_timeout_ms=10,
    )

    records = list(consumer)  # ends: consumer_timeout_ms

    assert len(records) == 1
    record = records[0]
    assert (record.topic, record.partition, record.offset) == ("positions", 0, 0)
    assert record.key == "EX001" and record.value == {"id": "EX001"}
    assert record.headers == [("h", b"1")]
    assert record.timestamp_type == 0 and record.serialized_value_size == len(b'{"id": "EX001"}')


def test_records_without_headers_have_an_empty_list(kp: Tree, backends: Backends) -> None:
    backends.kafka.produce("positions", b"x")
    consumer = _consumer(kp, "positions", consumer_timeout_ms=0)
    assert next(iter(consumer)).headers == []


def test_poll_returns_records_by_topic_partition(kp: Tree, backends: Backends) -> None:
    backends.kafka.produce("positions", b"1")
    backends.kafka.produce("positions", b"2")
    consumer = _consumer(kp, "positions")

    batch = consumer.poll(timeout_ms=0)

    assert list(batch) == [kp.TopicPartition("positions", 0)]
    assert [r.value for r in batch[kp.TopicPartition("positions", 0)]] == [b"1", b"2"]
    assert consumer.poll(timeout_ms=0) == {}


def test_drained_iteration_raises_the_stop_signal(kp: Tree, backends: Backends) -> None:
    backends.kafka.produce("positions", b"1")
    consumer = _consumer(kp, "positions")  # no consumer_timeout_ms: would block forever
    seen = []
    with backends.kafka.stop_when_drained(), pytest.raises(ConsumerStopped):
        for message in consumer:
            try:
                seen.append(message.value)
                raise KeyError("legacy code swallowing everything")
            except Exception:  # noqa: BLE001, S112  (the legacy pattern under test)
                continue
    assert seen == [b"1"]


def test_producer_sends_through_the_serializer_and_resolves_the_future(
    kp: Tree, backends: Backends
) -> None:
    producer = kp.KafkaProducer(
        bootstrap_servers=["kafka:9092"], value_serializer=lambda v: json.dumps(v).encode()
    )
    delivered = []
    future = producer.send("out", {"n": 1}, key=b"k").add_callback(delivered.append)
    producer.flush()

    metadata = future.get(timeout=1)
    assert (metadata.topic, metadata.partition, metadata.offset) == ("out", 0, 0)
    assert delivered == [metadata]
    assert backends.kafka.records("out")[0].value == b'{"n": 1}'


def test_producer_asserts_bytes_after_serialization(kp: Tree) -> None:
    producer = kp.KafkaProducer()
    with pytest.raises(AssertionError):
        producer.send("out", {"not": "bytes"})
    with pytest.raises(AssertionError, match="Need at least one"):
        producer.send("out")


def test_kafka_python_and_confluent_share_the_broker(
    kp: Tree, ck: Tree, backends: Backends
) -> None:
    ck.Producer({}).produce("shared", b"from confluent")
    consumer = _consumer(kp, "shared", consumer_timeout_ms=0)
    assert [r.value for r in consumer] == [b"from confluent"]


def test_unknown_configuration_is_refused(kp: Tree) -> None:
    with pytest.raises(kp["errors"].KafkaConfigurationError, match="Unrecognized configs"):
        kp.KafkaConsumer("t", group="typo")


def test_commit_and_committed(kp: Tree, backends: Backends) -> None:
    backends.kafka.produce("positions", b"1")
    consumer = _consumer(kp, "positions", enable_auto_commit=False)
    consumer.poll(timeout_ms=0)
    partition = kp.TopicPartition("positions", 0)
    assert consumer.committed(partition) is None
    consumer.commit()
    assert consumer.committed(partition) == 1
    assert backends.kafka.committed("history", "positions", 0) == 1


def test_consumer_without_group_cannot_commit(kp: Tree) -> None:
    consumer = kp.KafkaConsumer("positions", auto_offset_reset="earliest")
    with pytest.raises(AssertionError) as raised:
        consumer.commit()
    # kafka-python's own words: pytest does not rewrite the harness's asserts
    assert str(raised.value) == "Requires group_id"


def test_errors_keep_the_real_hierarchy(kp: Tree) -> None:
    errors = kp["errors"]
    assert issubclass(errors.NoBrokersAvailable, errors.KafkaError)
    assert issubclass(errors.KafkaError, RuntimeError)
    assert errors.UnknownTopicOrPartitionError.errno == 3
    assert str(errors.NoBrokersAvailable()) == "NoBrokersAvailable"


def test_a_loop_that_builds_its_consumer_each_run_gets_the_records_every_test(
    kp: Tree, backends: Backends
) -> None:
    # The abandoned consumer of the first run must not keep the group's only partition.
    def consume_once() -> list[bytes]:
        seen = []
        consumer = _consumer(kp, "positions")
        with backends.kafka.stop_when_drained(), pytest.raises(ConsumerStopped):
            for message in consumer:
                seen.append(message.value)
        return seen

    backends.kafka.produce("positions", b"first test")
    assert consume_once() == [b"first test"]
    backends.reset()
    backends.kafka.produce("positions", b"second test")
    assert consume_once() == [b"second test"]
