"""A consumer loop run in the test's own thread at the wire level (`svc.main()` rather than
`legacy.threads.run(svc.main)`): the real clients on the mock cluster stop it once it keeps
reading a drained topic, as the in-memory broker's fakes do, instead of hanging the test.

Each loop here would end by itself after `BOUND` polls, or is bounded by the test's timeout mark
(a blocking poll with no timeout), so a broken rule fails the test instead of hanging it.
"""

from __future__ import annotations

import uuid

import confluent_kafka
import kafka
import pytest

from harness.fakes.stop import ConsumerWouldHang
from harness.wire import confluent as wire_confluent
from harness.wire import kafka_python as wire_kafka_python
from harness.wire.kafka import MockCluster

EMPTY_POLLS = 3
BOUND = 300  # polls of 10 ms: far more than the join and EMPTY_POLLS take


def _topic() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def _confluent(cluster: MockCluster, topic: str) -> confluent_kafka.Consumer:
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": cluster.bootstrap_servers,
            "group.id": _topic(),
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    return consumer


def test_a_confluent_poll_loop_stops_after_the_empty_polls_once_drained(
    cluster: MockCluster,
) -> None:
    topic, seen = _topic(), []
    with wire_confluent.clients_on(cluster):
        cluster.produce(topic, b"x")
        consumer = _confluent(cluster, topic)
        with cluster.watch_thread(empty_polls=EMPTY_POLLS) as watch:
            with pytest.raises(ConsumerWouldHang, match=f"{EMPTY_POLLS} empty polls in a row"):
                for _ in range(BOUND):
                    try:
                        message = consumer.poll(0.01)
                    except Exception:  # noqa: BLE001  the legacy loop's own style
                        continue
                    if message is not None and message.error() is None:
                        seen.append(message.value())

    assert seen == [b"x"]  # what was produced first came through
    assert watch.delivered == 1 and watch.stop is not None


@pytest.mark.timeout(30)
def test_a_confluent_poll_without_timeout_stops_at_once_when_drained(
    cluster: MockCluster,
) -> None:
    topic = _topic()
    with wire_confluent.clients_on(cluster):
        cluster.produce(topic, b"x")
        consumer = _confluent(cluster, topic)
        with cluster.watch_thread(empty_polls=EMPTY_POLLS):
            assert consumer.poll().value() == b"x"  # a record there: the real poll gets it
            with pytest.raises(ConsumerWouldHang, match="would wait for ever"):
                consumer.poll()
            with pytest.raises(ConsumerWouldHang, match="would wait for ever"):
                consumer.consume(5)


def test_a_loop_in_another_thread_or_in_drain_mode_is_not_watched(
    cluster: MockCluster,
) -> None:
    topic = _topic()
    with wire_confluent.clients_on(cluster):
        consumer = _confluent(cluster, topic)
        with cluster.watch_thread(ident=-1, empty_polls=1):  # some other thread
            assert [consumer.poll(0.01) for _ in range(3)] == [None, None, None]
        with cluster.watch_thread(empty_polls=1), cluster.stop_when_drained(empty_polls=5):
            assert consumer.poll(0.01) is None  # drain mode's own rule: 5 empty polls
        with cluster.watch_thread(empty_polls=1), pytest.raises(ConsumerWouldHang):
            consumer.poll(0.01)  # the same poll, watched in this thread


@pytest.mark.timeout(30)
def test_a_kafka_python_iteration_without_timeout_stops_once_drained(
    cluster: MockCluster,
) -> None:
    topic, seen = _topic(), []
    with wire_kafka_python.clients_on(cluster):
        cluster.produce(topic, b"x")
        consumer = kafka.KafkaConsumer(
            topic,
            bootstrap_servers=cluster.bootstrap_servers,
            group_id=_topic(),
            auto_offset_reset="earliest",
        )
        with cluster.watch_thread(empty_polls=EMPTY_POLLS):
            with pytest.raises(ConsumerWouldHang, match="would wait for ever"):
                for message in consumer:
                    seen.append(message.value)
            with pytest.raises(ConsumerWouldHang, match=f"{EMPTY_POLLS} empty polls in a row"):
                for _ in range(BOUND):
                    consumer.poll(timeout_ms=10)

    assert seen == [b"x"]
