"""The real confluent-kafka clients, as the wire level hands them to a legacy service.

While `clients_on(cluster)` is active, `confluent_kafka.Consumer`, `DeserializingConsumer`,
`Producer` and `SerializingProducer` are subclasses of the real classes (`isinstance` holds,
every method is the real one) that add only what running a legacy loop inline needs:

* **drain mode**: `poll()`/`consume()` raise `ConsumerStopped` once everything up to the high
  watermarks is consumed (see `harness.wire.kafka`), instead of blocking; in the test's own
  thread outside drain mode, `ConsumerWouldHang` once a loop keeps polling a drained consumer;
* **one group join per session**: a consumer built again with the same configuration (a loop
  that builds its consumer inside the thread target) is the one already built, and subscribing
  it again to the same topics keeps its assignment instead of rejoining (a rebalance);
* **topics exist before a subscription**: subscribed topics are created on the cluster first;
* **timing**: a 10 ms fetch wait and a 1.1 s session unless the service set them (two quirks of
  the mock broker, see `harness.wire.kafka.CONFLUENT_CONSUMER_TIMING`);
* producers are flushed when an inline run ends and before the test reads a topic;
* **a close that cannot stop every thread**: `close()`, `with consumer:` and the cluster's
  teardown leave the group and serve its rebalance before librdkafka's close (see
  `_wire_leave_group`).

A service imports these names at import time (`from confluent_kafka import Consumer`), which is
why the classes are swapped on the real module around the import and each test, not in
`sys.modules`: the real package is imported, nothing is faked. The legacy
`confluent_kafka.avro` (`AvroProducer`, `AvroConsumer`) gets the same behaviour, its registry
client (`CachedSchemaRegistryClient`, over requests) the loopback registry's URL.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import confluent_kafka
from confluent_kafka import KafkaError, KafkaException, TopicPartition, cimpl
from confluent_kafka.serialization import SerializationError

from harness.fakes.kafka_broker import ThreadWatch
from harness.wire.kafka import (
    CONFLUENT_CONSUMER_TIMING,
    LEAVE_TIMEOUT,
    POLL_SLICE,
    ClientSwap,
    MockCluster,
    check_bound,
    delivered,
    empty_poll,
    pool_key,
    with_timing,
)


def active_cluster() -> MockCluster | None:
    return _CLIENTS.active_cluster()


class _PooledClientType(type):
    """Builds wire consumers through the active cluster's pool (see the module docstring)."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        cluster = active_cluster()
        if cluster is None:
            return type.__call__(cls, *args, **kwargs)
        key = pool_key(cls, args, kwargs)

        def build() -> Any:
            conf = args[0] if args and isinstance(args[0], dict) else kwargs
            eof = str(conf.get("enable.partition.eof", "false")).lower() in ("true", "1")
            consumer = type.__call__(cls, *_with_timing(args, kwargs), **kwargs)
            consumer._wire_attach(cluster, key, partition_eof=eof)
            return consumer

        conf = args[0] if args and isinstance(args[0], dict) else kwargs
        return cluster.pooled(key, build, group=conf.get("group.id"))


def _with_timing(args: tuple, kwargs: dict) -> tuple:
    if args and isinstance(args[0], dict):
        return (with_timing(args[0], CONFLUENT_CONSUMER_TIMING), *args[1:])
    kwargs.update(with_timing(kwargs, CONFLUENT_CONSUMER_TIMING))
    return args


class _WireConsumerMixin:
    """Drain mode, pooling and topic creation over a real confluent-kafka consumer."""

    _wire_cluster: MockCluster | None = None
    _wire_key: Any = None
    _wire_topics: list[str] | None = None
    _wire_subscribed = False  # a group member by subscribe(), not by assign() alone

    def _wire_attach(self, cluster: MockCluster, key: Any, *, partition_eof: bool = False) -> None:
        self._wire_cluster = cluster
        self._wire_key = key
        self._wire_topics = None
        self._wire_eof = partition_eof
        self._wire_eof_reported: set[tuple[str, int, int]] = set()
        cluster.attach_consumer(self)

    @property
    def _wire_name(self) -> str:
        return f"{type(self).__name__}({', '.join(self._wire_topics or ()) or 'no subscription'})"

    # -- group membership --------------------------------------------------------------------

    def subscribe(self, topics: list[str], *args: Any, **kwargs: Any) -> None:
        topics = list(topics)
        cluster = self._wire_cluster
        if cluster is not None:
            cluster.ensure_topics(t for t in topics if not t.startswith("^"))
            if topics == self._wire_topics and not args and not kwargs:
                return  # already a member with this subscription: keep the assignment
        super().subscribe(topics, *args, **kwargs)  # type: ignore[misc]
        self._wire_topics = topics
        self._wire_subscribed = True

    def assign(self, partitions: list[TopicPartition]) -> None:
        super().assign(partitions)  # type: ignore[misc]
        self._wire_topics = sorted({tp.topic for tp in partitions})

    def close(self, *args: Any, **kwargs: Any) -> None:
        if self._wire_cluster is not None:
            self._wire_cluster.forget(self._wire_key, self)
        raised = self._wire_leave_group()
        super().close(*args, **kwargs)  # type: ignore[misc]
        if raised is not None:
            raise raised  # the service's on_revoke failed: close() says so, as it would have

    def __exit__(self, *exc_info: object) -> None:
        # confluent-kafka's own `with consumer:` closes in C, past the close() above.
        self.close()

    def _wire_leave_group(self) -> Exception | None:
        """Leave the group, and serve the rebalance that causes, before `close()` (see below);
        returns what the service's rebalance callback raised meanwhile, if it did.

        confluent-kafka runs the rebalance callback holding the GIL, and its assignment calls
        in there (`rd_kafka_rebalance_protocol`, `rd_kafka_assign`) wait for librdkafka without
        a time limit. Served from inside `close()`, where the group is being torn down at the
        same time, such a call can wait forever (librdkafka issues 4041, 4884, 4527): every
        Python thread then stops, and no bound on the close (`bounded_call`) can run. Served
        here, by `poll()`, while the group still answers, it returns; `close()` then finds no
        subscription and no assignment, emits no rebalance, and waits for librdkafka with the
        GIL released, where the bound holds. This is librdkafka's advice for a safe close:
        unsubscribe, wait for the assignment to be gone, then close. The service's `on_revoke`
        runs as close() would run it, in the same thread; records polled meanwhile are dropped.
        """
        if not self._wire_subscribed:
            return None  # assign() alone: close() emits no rebalance
        self._wire_subscribed = False
        raw = confluent_kafka.cimpl.Consumer  # no drain mode, no deserializer
        try:
            raw.unsubscribe(self)
        except (KafkaException, RuntimeError):
            return None  # closed already
        raised: Exception | None = None
        deadline = time.monotonic() + LEAVE_TIMEOUT
        while True:
            try:
                # Serves what is queued (an assignment not served yet, then the revoke). Left:
                # nothing queued, no partition, and no member id (the group left, so no late
                # answer of the broker can queue another rebalance for close() to serve).
                event = raw.poll(self, 0)
                left = event is None and not raw.assignment(self) and not raw.memberid(self)
            except Exception as error:  # noqa: BLE001  on_revoke raised; librdkafka unassigned
                raised = raised or error
                event, left = error, False
            if left or time.monotonic() >= deadline:
                return raised
            if event is None:
                time.sleep(POLL_SLICE)

    # -- drain mode --------------------------------------------------------------------------

    def poll(self, timeout: float | None = None) -> Any:
        cluster = self._wire_cluster
        session = cluster.draining if cluster is not None else None
        if session is None:
            watch = cluster.watching_caller() if cluster is not None else None
            if watch is not None:
                return self._wire_watched_poll(watch, timeout)
            return super().poll() if timeout is None else super().poll(timeout)  # type: ignore[misc]
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        name = self._wire_name
        while True:
            check_bound(session, name)
            if self._wire_drained():
                # Events queued behind the last record (end of partition, errors) still come out.
                message = self._wire_pending_event()
                if message is not None:
                    return message
                empty_poll(session, self, name)
                return None
            wait = (
                POLL_SLICE
                if deadline is None
                else max(0.0, min(POLL_SLICE, deadline - time.monotonic()))
            )
            try:
                message = super().poll(wait)  # type: ignore[misc]
            except SerializationError:
                delivered(session, self)  # the record was consumed; its (de)serializer failed
                raise
            if message is not None:
                if message.error() is None:
                    delivered(session, self)
                return message
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def _wire_pending_event(self) -> Any:
        # With enable.partition.eof, the end-of-partition event follows the last record by one
        # fetch round trip: wait for it once per partition end, as a blocking poll would.
        wait = 0.0
        if self._wire_eof:
            ends = {(tp.topic, tp.partition, tp.offset) for tp in self.position(self.assignment())}  # type: ignore[attr-defined]
            if not ends <= self._wire_eof_reported:
                wait = 5 * POLL_SLICE
        deadline = time.monotonic() + wait
        while True:
            message = self._wire_poll_once(max(0.0, min(POLL_SLICE, deadline - time.monotonic())))
            if message is not None or time.monotonic() >= deadline:
                break
        if (
            message is not None
            and message.error() is not None
            and message.error().code() == KafkaError._PARTITION_EOF
        ):
            self._wire_eof_reported.add((message.topic(), message.partition(), message.offset()))
        if message is not None and message.error() is None:
            # A record after all (produced while draining): count it like any other.
            cluster = self._wire_cluster
            assert cluster is not None and cluster.draining is not None
            delivered(cluster.draining, self)
        return message

    def _wire_poll_once(self, timeout: float) -> Any:
        """One real poll; an event DeserializingConsumer raises as ConsumeError comes back as the
        message it carries, so end-of-partition bookkeeping sees it, then is raised again."""
        try:
            return super().poll(timeout)  # type: ignore[misc]
        except KafkaException as error:
            message = getattr(error, "kafka_message", None)
            if (
                message is not None
                and message.error() is not None
                and message.error().code() == KafkaError._PARTITION_EOF
            ):
                self._wire_eof_reported.add(
                    (message.topic(), message.partition(), message.offset())
                )
            raise

    def consume(self, num_messages: int = 1, timeout: float | None = None) -> list[Any]:
        cluster = self._wire_cluster
        session = cluster.draining if cluster is not None else None
        if session is None:
            watch = cluster.watching_caller() if cluster is not None else None
            if watch is not None:
                return self._wire_watched_consume(watch, num_messages, timeout)
            return super().consume(num_messages, -1 if timeout is None else timeout)  # type: ignore[misc]
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        name = self._wire_name
        while True:
            check_bound(session, name)
            if self._wire_drained():
                empty_poll(session, self, name)
                return []
            limit = num_messages
            if session.policy.max_messages is not None:
                limit = max(1, min(limit, session.policy.max_messages - session.delivered))
            wait = (
                POLL_SLICE
                if deadline is None
                else max(0.0, min(POLL_SLICE, deadline - time.monotonic()))
            )
            messages = super().consume(limit, wait)  # type: ignore[misc]
            if messages:
                records = sum(1 for m in messages if m.error() is None)
                if records:
                    delivered(session, self, records)
                return messages
            if deadline is not None and time.monotonic() >= deadline:
                return []

    # -- the test's own thread (see harness.wire.kafka) ---------------------------------------

    def _wire_watched_poll(self, watch: ThreadWatch, timeout: float | None) -> Any:
        """A poll in the watched thread outside drain mode: the real one, after counting it
        when the consumer is drained; one that would wait for ever polls in slices meanwhile,
        so that it stops once drained."""
        forever = timeout is None or timeout < 0
        while True:
            if self._wire_drained():
                watch.empty_poll(self, self._wire_name, waits_for_ever=forever)
            message = super().poll(POLL_SLICE if forever else timeout)  # type: ignore[misc]
            if message is not None:
                if message.error() is None:
                    watch.delivered(self, 1)
                return message
            if not forever:
                return None

    def _wire_watched_consume(
        self, watch: ThreadWatch, num_messages: int, timeout: float | None
    ) -> list[Any]:
        """`consume()` as `_wire_watched_poll` polls."""
        forever = timeout is None or timeout < 0
        while True:
            if self._wire_drained():
                watch.empty_poll(self, self._wire_name, waits_for_ever=forever)
            messages = super().consume(num_messages, POLL_SLICE if forever else timeout)  # type: ignore[misc]
            records = sum(1 for m in messages if m.error() is None)
            if records:
                watch.delivered(self, records)
            if messages or not forever:
                return messages

    def _wire_drained(self) -> bool:
        """Consumed everything up to the high watermark of every assigned partition."""
        cluster = self._wire_cluster
        assert cluster is not None
        topics = self._wire_topics or []
        assignment = self.assignment()  # type: ignore[attr-defined]
        if not any(topic.startswith("^") for topic in topics):
            # After a re-subscription the former topics stay assigned until the rebalance ends.
            assignment = [tp for tp in assignment if tp.topic in topics]
        if not assignment:
            # Not (yet) in the group: drained only if there is nothing to wait for.
            return all(cluster.is_empty(topic) for topic in topics if not topic.startswith("^"))
        for tp in self.position(assignment):  # type: ignore[attr-defined]
            low, high = cluster.watermarks(tp.topic, tp.partition)
            if high > low and tp.offset < high:  # negative: nothing consumed there yet
                return False
        return True

    def _wire_describe(self) -> str:
        try:
            positions = self.position(self.assignment())  # type: ignore[attr-defined]
        except (KafkaException, RuntimeError):
            return f"{self._wire_name}: closed"
        if not positions:
            return f"{self._wire_name}: no partition assigned yet (group join in progress?)"
        cluster = self._wire_cluster
        assert cluster is not None
        where = ", ".join(
            f"{tp.topic}[{tp.partition}] at {tp.offset if tp.offset >= 0 else 'start'} of {cluster.watermarks(tp.topic, tp.partition)[1]}"
            for tp in positions
        )
        return f"{self._wire_name}: {where}"

    # -- cluster reset and end ---------------------------------------------------------------

    def _wire_skip_to_end(self) -> None:
        cluster = self._wire_cluster
        assert cluster is not None
        try:
            positions = self.position(self.assignment())  # type: ignore[attr-defined]
        except (KafkaException, RuntimeError):
            return  # closed
        for tp in positions:
            high = cluster.watermarks(tp.topic, tp.partition)[1]
            if tp.offset != high:
                try:
                    self.seek(TopicPartition(tp.topic, tp.partition, high))  # type: ignore[attr-defined]
                except KafkaException:
                    # Not fetching that partition yet: its next fetch falls before the log start
                    # and auto.offset.reset puts it at the (now empty) start anyway.
                    pass

    def _wire_close_for_good(self) -> None:
        self._wire_leave_group()  # what a service's callback raises does not stop the teardown
        try:
            super().close()  # type: ignore[misc]
        except RuntimeError:
            pass  # already closed by the service


class WireConsumer(_WireConsumerMixin, confluent_kafka.Consumer, metaclass=_PooledClientType):
    """`confluent_kafka.Consumer` at the wire level."""


class WireDeserializingConsumer(
    _WireConsumerMixin, confluent_kafka.DeserializingConsumer, metaclass=_PooledClientType
):
    """`confluent_kafka.DeserializingConsumer` at the wire level."""


class _WireProducerMixin:
    """A real producer the cluster flushes when an inline run ends and before a read, whose
    topics exist before its first record (created with the cluster's default partition count,
    as an operator would have: auto-creation would give the mock broker's own default, 4)."""

    _wire_cluster: MockCluster | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cluster = active_cluster()
        if cluster is not None:
            self._wire_cluster = cluster
            cluster.attach_producer(self)

    def produce(self, *args: Any, **kwargs: Any) -> None:
        # The topic by position or by name (AvroProducer.produce takes keywords only).
        topic = args[0] if args else kwargs.get("topic")
        if self._wire_cluster is not None and isinstance(topic, str):
            self._wire_cluster.create_topic(topic)
        super().produce(*args, **kwargs)  # type: ignore[misc]


class WireProducer(_WireProducerMixin, confluent_kafka.Producer):
    """`confluent_kafka.Producer` at the wire level."""


class WireSerializingProducer(_WireProducerMixin, confluent_kafka.SerializingProducer):
    """`confluent_kafka.SerializingProducer` at the wire level."""


_CLIENTS = ClientSwap(
    confluent_kafka,
    {
        "Consumer": WireConsumer,
        "DeserializingConsumer": WireDeserializingConsumer,
        "Producer": WireProducer,
        "SerializingProducer": WireSerializingProducer,
    },
)


@contextmanager
def clients_on(cluster: MockCluster) -> Iterator[None]:
    """Hand out wire clients bound to `cluster` from `confluent_kafka` while active (nests), the
    legacy `confluent_kafka.avro`'s included (see `_legacy_avro_over_wire_clients`)."""
    with _CLIENTS.clients_on(cluster), _legacy_avro_over_wire_clients():
        yield


AVRO = "confluent_kafka.avro"


@contextmanager
def _legacy_avro_over_wire_clients() -> Iterator[None]:
    """The legacy package's `AvroProducer` and `AvroConsumer` subclass `confluent_kafka.Producer`
    and `Consumer` as they were when it was imported, and its own code names them by their
    global names (`super(AvroProducer, self)`), so a subclass cannot be swapped in for them.
    Imported while the wire clients are out, they derive from those: so a copy imported before
    (the contract's import of the real modules a service imports, a conftest's) is set aside
    while they are out, and legacy code importing the package then gets a copy of its own,
    which it keeps."""
    module = sys.modules.get(AVRO)
    producer = getattr(module, "AvroProducer", None)
    if not (
        isinstance(producer, type)
        and issubclass(producer, cimpl.Producer)  # the real package, not the fake's
        and not issubclass(producer, _WireProducerMixin)  # already over the wire clients
    ):
        yield
        return
    hidden = {name: sys.modules.pop(name) for name in _names_under(AVRO)}
    attribute = vars(confluent_kafka).get("avro")
    try:
        yield
    finally:
        for name in _names_under(AVRO):
            del sys.modules[name]
        sys.modules.update(hidden)
        if attribute is not None:
            confluent_kafka.avro = attribute  # type: ignore[attr-defined]


def _names_under(package: str) -> list[str]:
    return [name for name in sys.modules if name == package or name.startswith(package + ".")]
