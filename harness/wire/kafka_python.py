"""The real kafka-python client, as the wire level hands it to a legacy service.

While `clients_on(cluster)` is active, `kafka.KafkaConsumer` is a subclass of the real one that
adds what `harness.wire.confluent` adds to confluent-kafka's consumers: drain mode (iteration
and `poll()` raise `ConsumerStopped` once everything up to the high watermarks is consumed; in
the test's own thread outside drain mode, `ConsumerWouldHang` once a loop keeps reading a drained
consumer), one
group join per session (a consumer built again with the same arguments is the one already in the
group), topics created before they are subscribed to, and a 10 ms fetch wait and a 1.1 s session
unless the service set them (two quirks of the mock broker, see
`harness.wire.kafka.KAFKA_PYTHON_CONSUMER_TIMING`).

kafka-python reaches librdkafka's mock broker with or without an `api_version`, but when it
probes it settles on (2, 4), whose LeaveGroup answer it cannot decode from the mock broker. So a
consumer built without one gets `api_version=(2, 0)`: the protocol kafka-python then speaks
is the one every broker since Kafka 2.0 answers.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Any

import kafka
from kafka import TopicPartition

from harness.fakes.kafka_broker import ThreadWatch
from harness.wire.kafka import (
    KAFKA_PYTHON_API_VERSION,
    KAFKA_PYTHON_CONSUMER_TIMING,
    POLL_SLICE,
    ClientSwap,
    MockCluster,
    check_bound,
    delivered,
    empty_poll,
    pool_key,
    with_timing,
)


_NOTHING = object()  # a slice of the iterator that ended empty (see `_wire_slice`)


def active_cluster() -> MockCluster | None:
    return _CLIENTS.active_cluster()


class _PooledKafkaConsumerType(type):
    def __call__(cls, *topics: Any, **configs: Any) -> Any:
        cluster = active_cluster()
        if cluster is None:
            return type.__call__(cls, *topics, **configs)
        key = pool_key(cls, topics, configs)

        def build() -> Any:
            timed = with_timing(configs, KAFKA_PYTHON_CONSUMER_TIMING)
            if timed.get("api_version") is None:
                # Probing makes kafka-python pick (2, 4), whose LeaveGroup answer it cannot decode
                # from the mock broker: a consumer the service closes would then stay in the group
                # until its session times out (10 s) and block the next one's join.
                timed["api_version"] = KAFKA_PYTHON_API_VERSION
            consumer = type.__call__(cls, *topics, _wire_cluster=cluster, **timed)
            consumer._wire_key = key
            return consumer

        return cluster.pooled(key, build, group=configs.get("group_id"))


class WireKafkaConsumer(kafka.KafkaConsumer, metaclass=_PooledKafkaConsumerType):
    """`kafka.KafkaConsumer` at the wire level (see the module docstring)."""

    _wire_cluster: MockCluster | None = None
    _wire_key: Any = None

    def __init__(
        self, *topics: str, _wire_cluster: MockCluster | None = None, **configs: Any
    ) -> None:
        if _wire_cluster is not None:
            _wire_cluster.ensure_topics(topics)
            self._wire_cluster = _wire_cluster
            _wire_cluster.attach_consumer(self)
        super().__init__(*topics, **configs)

    @property
    def _wire_name(self) -> str:
        return f"KafkaConsumer({', '.join(sorted(self.subscription() or ())) or 'no subscription'})"

    def subscribe(self, topics: Any = (), pattern: Any = None, listener: Any = None) -> None:
        cluster = self._wire_cluster
        if cluster is not None and pattern is None:
            cluster.ensure_topics(topics)
            if listener is None and set(topics) == (self.subscription() or set()):
                return  # already a member with this subscription: keep the assignment
        super().subscribe(topics, pattern=pattern, listener=listener)

    def close(self, *args: Any, **kwargs: Any) -> None:
        if self._wire_cluster is not None:
            self._wire_cluster.forget(self._wire_key, self)
        super().close(*args, **kwargs)

    # -- drain mode --------------------------------------------------------------------------

    def __next__(self) -> Any:
        session = self._wire_cluster.draining if self._wire_cluster is not None else None
        if session is None:
            watch = self._wire_cluster.watching_caller() if self._wire_cluster else None
            if watch is not None:
                return self._wire_watched_next(watch)
            return super().__next__()
        self._wire_read_from_test_start()
        name = self._wire_name
        while True:
            check_bound(session, name)
            if self._wire_drained():
                empty_poll(session, self, name)
                continue
            try:
                record = self._wire_slice()
            except StopIteration:
                raise
            except Exception:
                delivered(session, self)  # a record was fetched; its deserializer raised
                raise
            if record is _NOTHING:
                continue
            delivered(session, self)
            return record

    def poll(
        self, timeout_ms: int = 0, max_records: int | None = None, update_offsets: bool = True
    ) -> dict:
        session = self._wire_cluster.draining if self._wire_cluster is not None else None
        if session is None or not update_offsets:  # update_offsets=False: the iterator's own fetch
            watch = self._wire_cluster.watching_caller() if self._wire_cluster else None
            if watch is not None and update_offsets and self._wire_drained():
                watch.empty_poll(self, self._wire_name, waits_for_ever=False)
            records = super().poll(
                timeout_ms=timeout_ms, max_records=max_records, update_offsets=update_offsets
            )
            if watch is not None and update_offsets and records:
                watch.delivered(self, sum(len(batch) for batch in records.values()))
            return records
        self._wire_read_from_test_start()
        deadline = time.monotonic() + max(timeout_ms, 0) / 1000
        name = self._wire_name
        while True:
            check_bound(session, name)
            if self._wire_drained():
                empty_poll(session, self, name)
                return {}
            limit = max_records
            if session.policy.max_messages is not None:
                left = max(1, session.policy.max_messages - session.delivered)
                limit = left if limit is None else min(limit, left)
            wait_ms = int(max(0.0, min(POLL_SLICE, deadline - time.monotonic())) * 1000)
            try:
                records = super().poll(timeout_ms=wait_ms, max_records=limit)
            except Exception:
                delivered(session, self)  # a record was fetched; its deserializer raised
                raise
            if records:
                delivered(session, self, sum(len(batch) for batch in records.values()))
                return records
            if time.monotonic() >= deadline:
                return {}

    def _wire_watched_next(self, watch: ThreadWatch) -> Any:
        """Iteration in the watched thread outside drain mode (see harness.wire.kafka): the
        real one, after counting a step that finds the consumer drained; without a
        `consumer_timeout_ms` such a step would wait for ever, so it iterates in slices
        meanwhile, and stops once drained."""
        forever = self.config["consumer_timeout_ms"] == float("inf")
        while True:
            if self._wire_drained():
                watch.empty_poll(self, self._wire_name, waits_for_ever=forever)
            if not forever:
                record = super().__next__()  # StopIteration once its own timeout passes
                watch.delivered(self, 1)
                return record
            record = self._wire_slice()
            if record is not _NOTHING:
                watch.delivered(self, 1)
                return record

    def _wire_slice(self) -> Any:
        """One slice (`POLL_SLICE`) of kafka-python's own iterator, which keeps its per-record
        positions: a record, or `_NOTHING` when the slice ended empty; StopIteration once the
        consumer is closed."""
        saved = self.config["consumer_timeout_ms"]
        self.config["consumer_timeout_ms"] = POLL_SLICE * 1000
        try:
            return super().__next__()
        except StopIteration:
            if self._closed:
                raise
            return _NOTHING
        finally:
            self.config["consumer_timeout_ms"] = saved

    def _wire_read_from_test_start(self) -> None:
        """The harness's offset rule for inline runs (see `harness.fakes.kafka_broker`): a
        partition with no committed offset and no position starts at the beginning of the
        test's log (the cluster's `clear()` deleted the records before it), whatever the
        consumer's `auto_offset_reset`. kafka-python keeps that policy in its subscription state
        and applies it when it resets a partition's position, so it is switched there."""
        from kafka.consumer.subscription_state import OffsetResetStrategy

        self._subscription._default_offset_reset_strategy = OffsetResetStrategy.EARLIEST

    def _wire_position(self, tp: TopicPartition) -> int | None:
        """The consumer's position on `tp` without waiting for it: None while it is not known.
        kafka-python before 2.1 has no `timeout_ms` there (its `position()` fetches a missing
        offset, blocking); its subscription state holds the same figure."""
        try:
            return self.position(tp, timeout_ms=0)
        except TypeError:  # kafka-python 2.0
            state = self._subscription.assignment.get(tp)
            return state.position if state is not None and state.has_valid_position else None

    def _wire_drained(self) -> bool:
        cluster = self._wire_cluster
        assert cluster is not None
        topics = self.subscription() or set()
        # After a re-subscription the former topics stay assigned until the rebalance ends.
        assignment = (
            [tp for tp in self.assignment() if tp.topic in topics] if topics else self.assignment()
        )
        if not assignment:
            return all(cluster.is_empty(topic) for topic in topics)
        for tp in assignment:
            low, high = cluster.watermarks(tp.topic, tp.partition)
            if high <= low:
                continue
            position = self._wire_position(tp)
            if position is None or position < high:
                return False
        return True

    def _wire_describe(self) -> str:
        cluster = self._wire_cluster
        assert cluster is not None
        assignment = self.assignment()
        if not assignment:
            return f"{self._wire_name}: no partition assigned yet (group join in progress?)"
        where = ", ".join(
            f"{tp.topic}[{tp.partition}] at {self._wire_position(tp)} of {cluster.watermarks(tp.topic, tp.partition)[1]}"
            for tp in sorted(assignment)
        )
        return f"{self._wire_name}: {where}"

    # -- cluster reset and end ---------------------------------------------------------------

    def _wire_skip_to_end(self) -> None:
        cluster = self._wire_cluster
        if cluster is None or self._closed:
            return
        moved = False
        for tp in self.assignment():
            high = cluster.watermarks(tp.topic, tp.partition)[1]
            if self._wire_position(tp) != high:
                self.seek(TopicPartition(tp.topic, tp.partition), high)
                moved = True
        if moved:
            self._iterator = None  # records fetched before the seek are stale

    def _wire_close_for_good(self) -> None:
        if not self._closed:
            super().close()


_CLIENTS = ClientSwap(kafka, {"KafkaConsumer": WireKafkaConsumer})


def clients_on(cluster: MockCluster) -> AbstractContextManager[None]:
    """Hand out `WireKafkaConsumer` bound to `cluster` as `kafka.KafkaConsumer` while active."""
    return _CLIENTS.clients_on(cluster)
