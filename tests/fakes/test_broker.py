"""The in-memory broker: logs, partitioning, groups, clear(), drain mode, threads."""

from __future__ import annotations

import threading

import pytest

from harness.fakes.kafka_broker import Broker, EventKind, Record
from harness.fakes.stop import ConsumerStopped, StopReason


def _values(items: list) -> list[bytes | None]:
    return [i.value for i in items if isinstance(i, Record)]


def test_produce_appends_records_with_offsets_headers_and_timestamps() -> None:
    broker = Broker()
    first = broker.produce(
        "t", b"a", key="k", headers={"source": "test", "empty": None}, timestamp=1234
    )
    second = broker.produce("t", "b")

    assert (first.offset, second.offset) == (0, 1)
    assert first.key == b"k" and second.value == b"b"
    assert first.headers == (("source", b"test"), ("empty", None))
    assert second.headers is None
    assert first.timestamp == 1234 and second.timestamp > 1_600_000_000_000
    assert broker.records("t") == [first, second]
    assert broker.watermarks("t", 0) == (0, 2)


def test_producing_creates_the_topic_with_the_default_partition_count() -> None:
    broker = Broker(default_partitions=3)
    broker.produce("new", b"x")
    assert broker.partition_count("new") == 3


def test_records_with_the_same_key_land_in_the_same_partition() -> None:
    broker = Broker(topics={"t": 4})
    partitions = {broker.produce("t", b"v", key=b"EX001").partition for _ in range(5)}
    keyless = {broker.produce("t", b"v").partition for _ in range(4)}
    assert len(partitions) == 1
    assert keyless == {0, 1, 2, 3}


def test_producing_to_a_missing_partition_is_refused() -> None:
    broker = Broker(topics={"t": 1})
    with pytest.raises(LookupError, match="no partition 3"):
        broker.produce("t", b"v", partition=3)


def test_non_bytes_values_are_refused_like_the_real_client() -> None:
    with pytest.raises(TypeError, match="bytes-like object is required, not 'int'"):
        Broker().produce("t", 5)  # type: ignore[arg-type]


def test_earliest_consumer_reads_everything_and_commits_automatically() -> None:
    broker = Broker()
    broker.produce("t", b"1")
    broker.produce("t", b"2")
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])

    assert _values(consumer.fetch(10, 0)) == [b"1", b"2"]
    assert broker.committed("g", "t", 0) == 2


def test_latest_consumer_only_sees_records_produced_after_its_first_fetch() -> None:
    broker = Broker()
    broker.produce("t", b"before")
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="latest")
    consumer.subscribe(["t"])
    assert consumer.fetch(10, 0) == []
    broker.produce("t", b"after")
    assert _values(consumer.fetch(10, 0)) == [b"after"]


def test_a_new_consumer_of_a_group_resumes_from_the_committed_offset() -> None:
    broker = Broker()
    for value in (b"1", b"2", b"3"):
        broker.produce("t", value)
    broker.commit("g", "t", 0, 2)
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    assert _values(consumer.fetch(10, 0)) == [b"3"]


def test_members_of_one_group_split_partitions_and_other_groups_read_everything() -> None:
    broker = Broker(topics={"t": 2})
    broker.produce("t", b"p0", partition=0)
    broker.produce("t", b"p1", partition=1)
    first = broker.consumer(name="a", group_id="g", auto_offset_reset="earliest")
    second = broker.consumer(name="b", group_id="g", auto_offset_reset="earliest")
    other = broker.consumer(name="c", group_id="h", auto_offset_reset="earliest")
    for consumer in (first, second, other):
        consumer.subscribe(["t"])

    assert _values(first.fetch(10, 0)) == [b"p0"]
    assert _values(second.fetch(10, 0)) == [b"p1"]
    assert sorted(_values(other.fetch(10, 0))) == [b"p0", b"p1"]


def test_end_of_partition_is_reported_once_per_time_the_end_is_reached() -> None:
    broker = Broker(topics=["t"])
    consumer = broker.consumer(
        name="c", group_id="g", auto_offset_reset="earliest", partition_eof=True
    )
    consumer.subscribe(["t"])
    broker.produce("t", b"1")

    items = consumer.fetch(10, 0)
    assert _values(items) == [b"1"]
    assert [(i.kind, i.offset) for i in items if not isinstance(i, Record)] == [
        (EventKind.PARTITION_EOF, 1)
    ]
    assert consumer.fetch(10, 0) == []
    broker.produce("t", b"2")
    assert [getattr(i, "kind", None) for i in consumer.fetch(10, 0)] == [
        None,
        EventKind.PARTITION_EOF,
    ]


def test_missing_topic_is_reported_once_then_read_when_it_appears() -> None:
    broker = Broker()
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["later"])
    assert [i.kind for i in consumer.fetch(10, 0)] == [EventKind.UNKNOWN_TOPIC]
    assert consumer.fetch(10, 0) == []
    broker.produce("later", b"x")
    assert _values(consumer.fetch(10, 0)) == [b"x"]


def test_clear_empties_declared_topics_drops_auto_created_ones_and_forgets_offsets() -> None:
    broker = Broker(topics=["kept"])
    broker.produce("kept", b"1")
    broker.produce("auto", b"1")
    broker.commit("g", "kept", 0, 1)

    broker.clear()

    assert broker.topics() == ["kept"]
    assert broker.records("kept") == []
    assert broker.committed("g", "kept", 0) is None


def test_after_clear_an_existing_latest_consumer_reads_what_is_produced_next() -> None:
    # The consumer built at import time is treated as if it had been running all along.
    broker = Broker(topics=["t"])
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="latest")
    consumer.subscribe(["t"])
    broker.produce("t", b"old")
    consumer.fetch(10, 0)

    broker.clear()
    broker.produce("t", b"new")

    assert _values(consumer.fetch(10, 0)) == [b"new"]


def test_drain_mode_stops_the_consumer_once_nothing_is_left() -> None:
    broker = Broker(topics=["t"])
    broker.produce("t", b"1")
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])

    with pytest.raises(ConsumerStopped) as stopped, broker.stop_when_drained() as session:
        while True:
            consumer.fetch(1, 60.0)  # would block a minute outside drain mode

    assert stopped.value.reason is StopReason.DRAINED
    assert (session.delivered, session.reason) == (1, StopReason.DRAINED)
    assert broker.draining is None


def test_drain_mode_lets_the_loop_see_empty_polls_before_stopping() -> None:
    broker = Broker(topics=["t"])
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    empty_polls = 0
    with pytest.raises(ConsumerStopped), broker.stop_when_drained(empty_polls=3):
        while True:
            if not consumer.fetch(1, 1.0):
                empty_polls += 1
    assert empty_polls == 2


def test_drain_mode_bounds_the_messages_delivered() -> None:
    broker = Broker(topics=["t"])
    for i in range(5):
        broker.produce("t", str(i))
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    seen: list[bytes | None] = []
    with (
        pytest.raises(ConsumerStopped) as stopped,
        broker.stop_when_drained(max_messages=2) as session,
    ):
        while True:
            seen.extend(_values(consumer.fetch(10, 0)))
    assert seen == [b"0", b"1"]
    assert stopped.value.reason is StopReason.MAX_MESSAGES
    assert session.delivered == 2


def test_drain_mode_does_not_nest() -> None:
    broker = Broker()
    with (
        broker.stop_when_drained(),
        pytest.raises(RuntimeError, match="already in drain mode"),
        broker.stop_when_drained(),
    ):
        pass


def test_a_consumer_blocked_in_another_thread_wakes_up_for_a_new_record() -> None:
    broker = Broker(topics=["t"])
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    received: list[list] = []
    worker = threading.Thread(target=lambda: received.append(consumer.fetch(1, 10.0)))
    worker.start()
    broker.produce("t", b"wake")
    worker.join(10.0)
    assert not worker.is_alive()
    assert _values(received[0]) == [b"wake"]


def test_drain_mode_stops_a_consumer_blocked_in_another_thread() -> None:
    broker = Broker(topics=["t"])
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    outcome: list[BaseException] = []
    started = threading.Event()

    def loop() -> None:
        started.set()
        try:
            while True:
                consumer.fetch(1, None)  # blocks until woken
        except ConsumerStopped as exc:
            outcome.append(exc)

    worker = threading.Thread(target=loop)
    worker.start()
    started.wait(10.0)
    with broker.stop_when_drained():
        worker.join(10.0)
    assert not worker.is_alive()
    assert isinstance(outcome[0], ConsumerStopped)


def test_a_consumer_without_auto_commit_commits_nothing_by_itself() -> None:
    broker = Broker(topics=["t"])
    broker.produce("t", b"1")
    consumer = broker.consumer(
        name="c", group_id="g", auto_offset_reset="earliest", enable_auto_commit=False
    )
    consumer.subscribe(["t"])
    consumer.fetch(10, 0)
    assert broker.committed("g", "t", 0) is None
    consumer.close()
    assert broker.committed("g", "t", 0) is None


def test_a_stopped_consumer_rejoins_and_resumes_from_its_commits() -> None:
    broker = Broker(topics=["t"])
    consumer = broker.consumer(name="c", group_id="g", auto_offset_reset="earliest")
    consumer.subscribe(["t"])
    broker.produce("t", b"1")
    with pytest.raises(ConsumerStopped), broker.stop_when_drained():
        while True:
            consumer.fetch(1, 0)
    broker.produce("t", b"2")
    assert _values(consumer.fetch(10, 0)) == [b"2"]
