"""The mock cluster and the wire clients: real confluent-kafka and kafka-python on 127.0.0.1."""

from __future__ import annotations

import json
import uuid

import confluent_kafka
import kafka
import pytest

from harness.wire import confluent as wire_confluent
from harness.wire import kafka_python as wire_kafka_python
from harness.wire.kafka import MockCluster


def _topic() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def test_cluster_listens_on_loopback_only(cluster: MockCluster) -> None:
    assert cluster.host == "127.0.0.1"
    assert cluster.bootstrap_servers == f"127.0.0.1:{cluster.port}"


def test_produced_records_are_read_back_with_key_headers_and_offsets(cluster: MockCluster) -> None:
    topic = _topic()
    first = cluster.produce(topic, b"v1", key=b"EX001", headers={"source": b"test"})
    second = cluster.produce(topic, "v2", key="EX002")

    records = cluster.records(topic)

    assert [(r.offset, r.key, r.value) for r in records] == [
        (0, b"EX001", b"v1"),
        (1, b"EX002", b"v2"),
    ]
    assert records[0].headers == (("source", b"test"),)
    assert records[1].headers is None
    assert (first.offset, second.offset) == (0, 1)


def test_clear_empties_every_topic_while_offsets_keep_growing(cluster: MockCluster) -> None:
    topic = _topic()
    cluster.produce(topic, b"old")
    cluster.clear()

    assert cluster.records(topic) == []
    assert cluster.produce(topic, b"new").offset == 1
    assert [r.value for r in cluster.records(topic)] == [b"new"]


def test_produce_creates_the_topic_and_reading_an_unknown_topic_does_not(
    cluster: MockCluster,
) -> None:
    unknown = _topic()
    assert cluster.records(unknown) == []
    assert not cluster.has_topic(unknown)
    cluster.produce(unknown, b"x")
    assert cluster.has_topic(unknown)


def _confluent_loop(cluster: MockCluster, topic: str, seen: list, group: str):
    """A legacy consumer thread target: builds its consumer inside, swallows every Exception."""

    def consume_data() -> None:
        consumer = confluent_kafka.Consumer(
            {
                "bootstrap.servers": cluster.bootstrap_servers,
                "group.id": group,
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe([topic])
        while True:
            try:
                msg = consumer.poll(1.0)
                if msg is None:
                    seen.append(None)
                    continue
                if msg.error():
                    continue
                seen.append(msg.value())
            except Exception:  # noqa: BLE001  the legacy loop's own style
                continue

    return consume_data


def test_legacy_confluent_loop_stops_once_what_was_produced_is_consumed(
    cluster: MockCluster, run_loop
) -> None:
    topic, seen = _topic(), []
    with wire_confluent.clients_on(cluster):
        for value in (b"a", b"b", b"c"):
            cluster.produce(topic, value)
        run = run_loop(cluster, _confluent_loop(cluster, topic, seen, group=_topic()))

    assert run.ended == "stopped"
    assert seen == [b"a", b"b", b"c"]
    assert run.stop.delivered == 3


def test_rebuilt_consumer_is_the_pooled_one_and_sees_only_new_records(
    cluster: MockCluster, run_loop
) -> None:
    topic, group, seen = _topic(), _topic(), []
    with wire_confluent.clients_on(cluster):
        cluster.produce(topic, b"first")
        run_loop(cluster, _confluent_loop(cluster, topic, seen, group))
        cluster.produce(topic, b"left over")  # never consumed by a loop before the next clear
        cluster.clear()
        cluster.produce(topic, b"second")
        run_loop(cluster, _confluent_loop(cluster, topic, seen, group))

    assert seen == [b"first", b"second"]
    consumers = [c for c in cluster._consumers if getattr(c, "_wire_topics", None) == [topic]]
    assert len(consumers) == 1


def test_max_messages_stops_the_loop_before_it_is_drained(cluster: MockCluster, run_loop) -> None:
    topic, seen = _topic(), []
    with wire_confluent.clients_on(cluster):
        for value in (b"1", b"2", b"3"):
            cluster.produce(topic, value)
        run = run_loop(cluster, _confluent_loop(cluster, topic, seen, _topic()), max_messages=2)

    assert seen == [b"1", b"2"]
    assert run.stop.reason.value == "max_messages"


def test_empty_polls_lets_the_loop_see_none_before_it_stops(cluster: MockCluster, run_loop) -> None:
    topic, seen = _topic(), []
    with wire_confluent.clients_on(cluster):
        cluster.produce(topic, b"only")
        run_loop(cluster, _confluent_loop(cluster, topic, seen, _topic()), empty_polls=3)

    assert seen == [b"only", None, None]


def test_consumer_subscribed_to_a_missing_topic_gets_it_created_first(
    cluster: MockCluster, run_loop
) -> None:
    topic, seen = _topic(), []
    with wire_confluent.clients_on(cluster):
        run = run_loop(cluster, _confluent_loop(cluster, topic, seen, _topic()))

    assert cluster.has_topic(topic)
    assert run.ended == "stopped" and seen == []


def test_poison_value_is_counted_and_the_legacy_loop_goes_on(
    cluster: MockCluster, run_loop, registry
) -> None:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer

    topic, seen, errors = _topic(), [], []
    schema = json.dumps(
        {"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]}
    )
    with wire_confluent.clients_on(cluster):
        consumer = confluent_kafka.DeserializingConsumer(
            {
                "bootstrap.servers": cluster.bootstrap_servers,
                "group.id": _topic(),
                "auto.offset.reset": "earliest",
                "value.deserializer": AvroDeserializer(SchemaRegistryClient({"url": registry.url})),
            }
        )
        consumer.subscribe([topic])
        cluster.produce(topic, b"not avro at all")
        cluster.produce(topic, registry.encode(schema, {"id": "EX001"}, subject=f"{topic}-value"))

        def consume_data() -> None:
            while True:
                try:
                    msg = consumer.poll(1.0)
                    if msg is not None:
                        seen.append(msg.value())
                except Exception as e:  # noqa: BLE001
                    errors.append(type(e).__name__)

        run = run_loop(cluster, consume_data)

    assert errors == ["ValueDeserializationError"]
    assert seen == [{"id": "EX001"}]
    assert run.stop.delivered == 2


def test_service_producer_is_flushed_when_the_run_ends(cluster: MockCluster, run_loop) -> None:
    topic, reports = _topic(), []
    with wire_confluent.clients_on(cluster):
        producer = confluent_kafka.SerializingProducer(
            {"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 1000}
        )

        def publish() -> None:
            producer.produce(topic, value=b"out", on_delivery=lambda err, msg: reports.append(err))
            producer.poll(0)

        run_loop(cluster, publish)

    assert [r.value for r in cluster.records(topic)] == [b"out"]
    assert reports == [None]


def test_real_classes_are_back_once_no_cluster_is_active(cluster: MockCluster) -> None:
    real = confluent_kafka.Consumer
    with wire_confluent.clients_on(cluster):
        assert issubclass(confluent_kafka.Consumer, real)
        with wire_confluent.clients_on(cluster):  # nested activation (two services in a test)
            pass
        assert confluent_kafka.Consumer is wire_confluent.WireConsumer
    assert confluent_kafka.Consumer is real


def _history_loop(cluster: MockCluster, topic: str, group: str, seen: list):
    def consume_data() -> None:
        while True:
            consumer = None
            try:
                consumer = kafka.KafkaConsumer(
                    topic,
                    bootstrap_servers=cluster.bootstrap_servers,
                    group_id=group,
                    auto_offset_reset="earliest",
                    value_deserializer=json.loads,
                )
                for message in consumer:
                    seen.append(message.value)
            except Exception:  # noqa: BLE001
                if consumer is not None:
                    consumer.close()

    return consume_data


def test_kafka_python_iteration_stops_once_drained_and_keeps_its_group(
    cluster: MockCluster, run_loop
) -> None:
    topic, group, seen = _topic(), _topic(), []
    with wire_kafka_python.clients_on(cluster):
        cluster.produce(topic, b'{"n": 1}')
        run_loop(cluster, _history_loop(cluster, topic, group, seen))
        cluster.produce(topic, b'{"n": 2}')
        cluster.clear()
        cluster.produce(topic, b'{"n": 3}')
        run = run_loop(cluster, _history_loop(cluster, topic, group, seen))

    assert seen == [{"n": 1}, {"n": 3}]
    assert run.stop.delivered == 1
    assert kafka.KafkaConsumer is not wire_kafka_python.WireKafkaConsumer


@pytest.mark.parametrize("api_version", [None, (2, 0, 0)])
def test_kafka_python_reaches_the_mock_broker_with_or_without_api_version(
    cluster: MockCluster, api_version
) -> None:
    topic = _topic()
    cluster.produce(topic, b"hello")
    consumer = kafka.KafkaConsumer(
        topic,
        bootstrap_servers=cluster.bootstrap_servers,
        group_id=_topic(),
        auto_offset_reset="earliest",
        api_version=api_version,
        consumer_timeout_ms=5000,
    )
    try:
        assert next(consumer).value == b"hello"
    finally:
        consumer.close()


def test_a_pooled_consumer_subscribed_to_other_topics_drains_the_new_ones(
    cluster: MockCluster, run_loop
) -> None:
    # Two imports of one service with different topics build the same consumer (same
    # configuration): the second re-subscribes it, and must wait for its new assignment.
    first, second, group, seen = _topic(), _topic(), _topic(), []
    with wire_confluent.clients_on(cluster):
        cluster.produce(first, b"first")
        run_loop(cluster, _confluent_loop(cluster, first, seen, group))
        cluster.produce(second, b"second")
        run = run_loop(cluster, _confluent_loop(cluster, second, seen, group))

    assert [value for value in seen if value is not None] == [b"first", b"second"]
    assert run.stop.delivered == 1


def test_a_service_producer_finds_its_topic_created_with_the_default_partition_count(
    cluster: MockCluster,
) -> None:
    topic = _topic()
    with wire_confluent.clients_on(cluster):
        producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap_servers})
        producer.produce(topic, b"v")
        producer.flush(5)

    # Auto-creation would have given the mock broker's own default, 4 partitions.
    assert cluster.partition_count(topic) == cluster.default_partitions == 1


def test_timing_settings_are_added_only_where_the_service_set_none_of_a_group() -> None:
    from harness.wire.kafka import CONFLUENT_CONSUMER_TIMING, with_timing

    untouched = with_timing({"group.id": "g"}, CONFLUENT_CONSUMER_TIMING)
    own_heartbeat = with_timing({"heartbeat.interval.ms": 3000}, CONFLUENT_CONSUMER_TIMING)

    assert untouched == {
        "group.id": "g",
        "fetch.wait.max.ms": 10,
        "session.timeout.ms": 1100,
        "heartbeat.interval.ms": 100,
    }
    assert own_heartbeat == {"heartbeat.interval.ms": 3000, "fetch.wait.max.ms": 10}


def test_closing_the_cluster_under_a_live_service_producer_keeps_serving_it_silently(capfd) -> None:
    cluster = MockCluster.start()
    topic = _topic()
    with wire_confluent.clients_on(cluster):
        producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    producer.produce(topic, b"before")
    producer.flush(5)

    cluster.close()
    producer.produce(topic, b"after")
    left = producer.flush(5)

    assert left == 0  # delivered: the broker outlives its cluster's close()
    assert capfd.readouterr().err == ""


class _CloseThatBlocks:
    """A consumer whose close never returns until released: librdkafka's close() waiting
    forever to leave its group during a rebalance, with no network and no broker needed."""

    _wire_name = "Consumer(orders)"

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.entered = threading.Event()

    def _wire_skip_to_end(self) -> None:
        pass

    def _wire_close_for_good(self) -> None:
        self.entered.set()
        self.release.wait()


@pytest.fixture
def short_close(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.wire import kafka as wire_kafka

    monkeypatch.setattr(wire_kafka, "CLIENT_CALL_TIMEOUT", 0.2)


def test_closing_the_cluster_abandons_a_consumer_close_that_blocks_and_says_so(short_close) -> None:
    from harness.errors import HarnessWarning

    cluster = MockCluster.start()
    stuck = _CloseThatBlocks()
    cluster.attach_consumer(stuck)
    try:
        warned = r"closing wire consumer Consumer\(orders\) did not end within 0.2 s"
        with pytest.warns(HarnessWarning, match=warned):
            cluster.close()  # returns: the close that blocks is left to a daemon thread

        assert stuck.entered.is_set()
        assert cluster.abandoned == ["Consumer(orders)"]
    finally:
        stuck.release.set()


def test_a_rival_consumer_whose_close_blocks_does_not_hang_the_next_one(
    cluster: MockCluster, short_close
) -> None:
    from harness.errors import HarnessWarning

    stuck, second = _CloseThatBlocks(), _CloseThatBlocks()
    second.release.set()  # closes at once
    try:
        cluster.pooled("first", lambda: stuck, group="g")
        with pytest.warns(HarnessWarning, match="did not end within"):
            built = cluster.pooled("second", lambda: second, group="g")

        assert built is second and stuck.entered.is_set()
        assert cluster.abandoned == ["Consumer(orders)"]
    finally:
        stuck.release.set()
        cluster.abandoned.clear()
        cluster.forget("second", second)


def test_an_error_of_a_close_that_ends_reaches_the_caller() -> None:
    from harness.wire.kafka import bounded_call

    def close() -> None:
        raise RuntimeError("already closed")

    with pytest.raises(RuntimeError, match="already closed"):
        bounded_call(close, what="closing a closed consumer")
    assert bounded_call(lambda: None, what="closing an open consumer")


@pytest.mark.parametrize(
    ("name", "use", "expected"),
    [
        ("KAFKA_BOOTSTRAP_SERVERS", "HOST", "127.0.0.1:9999"),  # bootstrap.servers: host:port
        ("KAFKA_BROKERS", "TEXT", "127.0.0.1:9999"),
        ("KAFKA_HOST", "HOST", "127.0.0.1"),
        ("KAFKA_PORT", "INT", "9999"),
        ("KAFKA_TOPIC", "TEXT", None),
    ],
)
def test_a_service_variable_gets_the_part_of_the_cluster_address_its_name_asks_for(
    name: str, use: str, expected: str | None
) -> None:
    from harness.analysis.model import EnvUse
    from harness.wire.source import address

    assert address(name, EnvUse[use], "127.0.0.1", 9999, "127.0.0.1:9999") == expected


class _SeekThatBlocks(_CloseThatBlocks):
    """A consumer whose seek never returns until released: librdkafka's seek() waiting for a
    fetcher another thread's poll holds."""

    def _wire_skip_to_end(self) -> None:
        self.entered.set()
        self.release.wait()

    def _wire_close_for_good(self) -> None:
        pass


def test_the_reset_between_tests_abandons_a_consumer_seek_that_blocks(
    cluster: MockCluster, short_close
) -> None:
    from harness.errors import HarnessWarning

    stuck = _SeekThatBlocks()
    cluster.attach_consumer(stuck)
    try:
        with pytest.warns(HarnessWarning, match=r"moving wire consumer Consumer\(orders\) to the end"):
            cluster.clear()  # returns: the seek that blocks is left to a daemon thread

        assert stuck.entered.is_set() and cluster.abandoned == ["Consumer(orders)"]
        assert stuck not in cluster._consumers  # the next reset does not wait for it again
    finally:
        stuck.release.set()
        cluster.abandoned.clear()
        cluster._consumers.discard(stuck)


class _Revocations:
    """A rebalance callback (`on_assign`, `on_revoke`) that notes the Python frame which called
    into confluent-kafka: the consumer's `close()` itself, or a poll that serves the rebalance."""

    def __init__(self, fail: bool = False) -> None:
        self.callers: list[str] = []
        self.fail = fail

    def __call__(self, consumer: object, partitions: list) -> None:
        import sys

        self.callers.append(sys._getframe(1).f_code.co_name)
        if self.fail and self.callers[-1] != "poll":  # the revoke at close, not the assignment
            raise ValueError("the service's on_revoke failed")


def _member(cluster: MockCluster, group: str, revoked: _Revocations, *, poll: bool = True, **conf):
    """A group member with its partitions: got by polling, or waiting unserved in its queue."""
    import time

    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": cluster.bootstrap_servers, "group.id": group, **conf}
    )
    consumer.subscribe([_topic()], on_assign=revoked, on_revoke=revoked)
    deadline = time.monotonic() + 5
    if poll:
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.02)
    else:
        while not consumer.memberid() and time.monotonic() < deadline:
            time.sleep(0.02)  # joined: the assignment follows within one round trip
        time.sleep(0.5)
    return consumer


@pytest.mark.parametrize("polled", [True, False], ids=["assigned", "assignment-never-served"])
def test_a_service_close_serves_the_rebalance_before_librdkafka_closes(
    cluster: MockCluster, polled: bool
) -> None:
    # confluent-kafka holds the GIL through the rebalance callback's assign; served inside
    # close(), while the group is torn down, that assign can wait forever and stop every thread.
    revoked = _Revocations()
    with wire_confluent.clients_on(cluster):
        consumer = _member(cluster, _topic(), revoked, poll=polled)
        consumer.close()

    assert revoked.callers and "close" not in revoked.callers
    assert consumer not in cluster._consumers


def test_a_consumer_closed_by_its_with_block_serves_the_rebalance_before_closing(
    cluster: MockCluster,
) -> None:
    revoked = _Revocations()
    with wire_confluent.clients_on(cluster):
        with _member(cluster, _topic(), revoked) as consumer:
            pass

    # Each callback came from a poll: confluent-kafka's C __exit__ would have served the revoke
    # inside its close, called straight from this test's frame.
    assert set(revoked.callers) == {"poll", "_wire_leave_group"}
    with pytest.raises(RuntimeError):
        consumer.assignment()  # closed


def test_the_cluster_teardown_serves_each_rebalance_before_closing_the_consumer() -> None:
    cluster = MockCluster.start()
    revoked = _Revocations()
    with wire_confluent.clients_on(cluster):
        first = _member(cluster, "g", revoked)
        # Built with another configuration in the same group: the pool closes its rival, `first`.
        _member(cluster, "g", revoked, poll=False, **{"client.id": "again"})
        _member(cluster, "h", revoked)
    cluster.close()

    assert len(revoked.callers) >= 2
    assert not {"close", "_wire_close_for_good"} & set(revoked.callers)
    assert cluster.abandoned == []
    with pytest.raises(RuntimeError):
        first.assignment()  # closed for good


def test_an_on_revoke_error_still_reaches_the_service_and_the_consumer_is_closed(
    cluster: MockCluster,
) -> None:
    with wire_confluent.clients_on(cluster):
        consumer = _member(cluster, _topic(), _Revocations(fail=True))
        with pytest.raises(ValueError, match="on_revoke failed"):
            consumer.close()

    with pytest.raises(RuntimeError):
        consumer.assignment()


def test_a_consumer_with_assigned_partitions_only_closes_without_a_rebalance(
    cluster: MockCluster,
) -> None:
    import time

    topic = _topic()
    cluster.create_topic(topic)
    with wire_confluent.clients_on(cluster):
        consumer = confluent_kafka.Consumer(
            {"bootstrap.servers": cluster.bootstrap_servers, "group.id": _topic()}
        )
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
        began = time.monotonic()
        consumer.close()

    from harness.wire.kafka import LEAVE_TIMEOUT

    assert time.monotonic() - began < LEAVE_TIMEOUT  # no wait for a rebalance that never comes
