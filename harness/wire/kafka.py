"""A real Kafka protocol for one test session: librdkafka's mock cluster on 127.0.0.1.

`MockCluster.start()` runs librdkafka's built-in mock broker (the same C code confluent-kafka
ships) on a random loopback port. The services' real clients, confluent-kafka and kafka-python
alike, connect to `cluster.bootstrap_servers`; the test reads and writes through the same
methods the in-memory broker of `harness.fakes.kafka_broker` offers, so a fixture can hold
either::

    cluster = MockCluster.start()
    cluster.create_topic("telemetry")             # before a consumer subscribes (see below)
    cluster.produce("telemetry", b'{"id": 1}', key=b"EX001")  # -> Record with its offset
    cluster.records("telemetry")                   # -> [Record], read back from the broker
    cluster.clear()                                # every topic empty again (see below)
    with cluster.stop_when_drained(empty_polls=1) as session:
        module.consume_data()                      # raises ConsumerStopped once drained
    cluster.close()

What the broker is told, and why (measured on this machine, librdkafka 2.16.0):

* `group.initial.rebalance.delay.ms` is 0, as on any test broker: a consumer group's first join
  takes about 0.15 s instead of 3.5 s.
* Topics are created through the mock API. A consumer subscribed to a missing topic only sees it
  about 5 s after it appears, so the wire consumers create what they subscribe to first, and the
  services' confluent-kafka producers what they produce to (`harness.wire.confluent`,
  `harness.wire.kafka_python`), as an operator would have, with `default_partitions` (1, as the
  in-memory broker) rather than the mock broker's own default of 4.
* The consumers the services build get a 10 ms fetch wait and a 1.1 s session unless they set
  their own (see `CONFLUENT_CONSUMER_TIMING` for the two broker quirks this works around).
* `clear()` moves every partition's log start to its end (what retention does) and moves the
  consumers the harness knows to that end too, so a test never sees another test's records.
  Offsets keep growing across tests; nothing else about a topic changes.

Drain mode (running a `while True: poll()` loop inline) works as the in-memory broker's does:
while `stop_when_drained()` is active, every wire consumer raises
`harness.fakes.stop.ConsumerStopped` (a BaseException) on its `empty_polls`-th poll that finds
it has consumed everything up to the partitions' high watermarks, or once `max_messages` records
were delivered. A record whose deserializer raised counts as delivered. Producers the services
built are flushed when the block ends, so what they published is on the broker when the test
reads it.

**The test's own thread.** Outside drain mode, while `watch_thread()` is active (the `legacy`
fixture switches it on for each test), a wire consumer polled from the watched thread counts its
polls that find it drained, and raises `harness.fakes.stop.ConsumerWouldHang` on one that would
wait for ever or on the `LOOP_EMPTY_POLLS`-th in a row, as the in-memory broker's consumers do:
a `while True: poll()` loop the test calls itself fails the test instead of hanging it.

`close()` leaves the groups and stops the harness's own clients; the broker itself stops then,
or, while a producer a service built is still alive, with the process (see `close`).
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Protocol

from harness.fakes.kafka_broker import (
    TIMESTAMP_CREATE_TIME,
    DrainSession,
    HeadersArg,
    Record,
    ThreadWatch,
    normalize_headers,
)
from harness.fakes.stop import LOOP_EMPTY_POLLS, ConsumerStopped, DrainPolicy, StopReason
from harness.wire._librdkafka import MockClusterHandle

# A bound on every blocking call the harness itself makes to the broker: nothing may hang.
CALL_TIMEOUT = 5.0
# A bound on the client calls of the harness's teardown and per-test reset that librdkafka gives
# no time limit (see `bounded_call`): read at each call, so a test can shorten it.
CLIENT_CALL_TIMEOUT = CALL_TIMEOUT
# How long one slice of a wire consumer's poll waits in drain mode before re-checking.
POLL_SLICE = 0.02
# How long a wire consumer serves its group's rebalance before `close()` (see
# harness.wire.confluent's `_wire_leave_group`); on the mock cluster it takes one poll.
LEAVE_TIMEOUT = 2.0

# Timing settings the wire level adds to the consumers a service builds, when the service did not
# set them itself; nothing else about the service's configuration changes. Two quirks of
# librdkafka's mock broker (measured on 2.16.0) make them necessary:
#
# * it holds an empty fetch for the whole fetch wait instead of answering when a record arrives
#   (a real broker answers at once): up to 500 ms on every inline run, hence a 10 ms fetch wait;
# * after any change to a group it already runs (a member leaving, a member re-subscribing to
#   other topics) it waits `session.timeout.ms - 1000` ms for the members to rejoin, where a real
#   broker waits only for the members it knows: 44 s with librdkafka's default 45 s session, 9 s
#   with kafka-python's 10 s. A 1.1 s session makes that wait 0.1 s; heartbeats every 100 ms keep
#   such a session alive (both clients heartbeat from a thread of their own, not from poll()).
REJOIN_SESSION_MS = 1100
HEARTBEAT_MS = 100
# Each group is added whole, and only when the service set none of its keys (a session shorter
# than the service's own heartbeat would be refused).
CONFLUENT_CONSUMER_TIMING = (
    {"fetch.wait.max.ms": 10},
    {"session.timeout.ms": REJOIN_SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS},
)
KAFKA_PYTHON_CONSUMER_TIMING = (
    {"fetch_max_wait_ms": 10},
    {"session_timeout_ms": REJOIN_SESSION_MS, "heartbeat_interval_ms": HEARTBEAT_MS},
)
# What kafka-python consumers speak when the service leaves `api_version` to probing (see
# harness.wire.kafka_python).
KAFKA_PYTHON_API_VERSION = (2, 0)


class WireConsumer(Protocol):
    """What the cluster needs from a wire consumer (confluent-kafka or kafka-python shaped)."""

    def _wire_skip_to_end(self) -> None: ...

    def _wire_close_for_good(self) -> None: ...


class MockCluster:
    """librdkafka's mock cluster plus the harness's own clients; see the module docstring."""

    def __init__(self, handle: MockClusterHandle, *, default_partitions: int = 1) -> None:
        from confluent_kafka import Consumer, Producer

        self._handle = handle
        self.default_partitions = default_partitions
        self.bootstrap_servers = handle.bootstrap_servers
        self.host, _, port = self.bootstrap_servers.rpartition(":")
        self.port = int(port)
        self._lock = threading.RLock()
        self._partitions: dict[str, int] = {}
        self._drain: DrainSession | None = None
        self._watch: ThreadWatch | None = None  # see watch_thread()
        self._consumers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._producers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._pool: dict[Hashable, Any] = {}
        self._groups: dict[Hashable, str | None] = {}
        self._round_robin: dict[str, Iterator[int]] = {}
        self._closed = False
        # Clients whose close (or reset) did not end within CLIENT_CALL_TIMEOUT, left to a
        # daemon thread.
        self.abandoned: list[str] = []
        # The test's own producer: linger 0 so produce() returns with the record on the broker.
        self._producer = Producer(
            {"bootstrap.servers": self.bootstrap_servers, "linger.ms": 0, "log_level": 3}
        )
        # The test's reader: assign() only, never joins a group, commits nothing.
        self._reader = Consumer(
            {
                "bootstrap.servers": self.bootstrap_servers,
                "group.id": "legacy-harness-reader",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 10,
                "log_level": 3,
            }
        )

    @classmethod
    def start(cls, *, brokers: int = 1, default_partitions: int = 1) -> MockCluster:
        """Start a mock cluster on 127.0.0.1 (about 3 ms) with the harness's clients on it."""
        return cls(MockClusterHandle.start(brokers), default_partitions=default_partitions)

    # -- topics ------------------------------------------------------------------------------

    def create_topic(self, name: str, partitions: int | None = None) -> None:
        """Create `name` (idempotent: an existing topic keeps its partitions)."""
        count = self.default_partitions if partitions is None else partitions
        with self._lock:
            if name in self._partitions:
                return
            self._handle.create_topic(name, count)
            self._partitions[name] = self._describe(name) or count

    def ensure_topics(self, names: Iterable[str]) -> None:
        for name in names:
            self.create_topic(name)

    def topics(self) -> list[str]:
        metadata = self._reader.list_topics(timeout=CALL_TIMEOUT)
        return sorted(name for name in metadata.topics if not name.startswith("__"))

    def has_topic(self, name: str) -> bool:
        return self.partition_count(name) is not None

    def partition_count(self, topic: str) -> int | None:
        with self._lock:
            known = self._partitions.get(topic)
        return known if known is not None else self._describe(topic)

    def _describe(self, topic: str) -> int | None:
        # list_topics() without a topic name: asking for one by name would auto-create it.
        metadata = self._reader.list_topics(timeout=CALL_TIMEOUT)
        described = metadata.topics.get(topic)
        if described is None or described.error is not None:
            return None
        with self._lock:
            self._partitions[topic] = len(described.partitions)
        return len(described.partitions)

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        """(low, high) offsets of a partition, asked of the broker; (0, 0) for an unknown one."""
        from confluent_kafka import KafkaException, TopicPartition

        if self.partition_count(topic) is None:
            return (0, 0)
        try:
            with self._lock:
                return self._reader.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=CALL_TIMEOUT, cached=False
                )
        except KafkaException:
            return (0, 0)

    def is_empty(self, topic: str) -> bool:
        """True when no partition of `topic` holds a record (or the topic does not exist)."""
        count = self.partition_count(topic) or 0
        return all(low >= high for low, high in (self.watermarks(topic, p) for p in range(count)))

    # -- records -----------------------------------------------------------------------------

    def produce(
        self,
        topic: str,
        value: bytes | str | None = None,
        key: bytes | str | None = None,
        *,
        headers: HeadersArg = None,
        partition: int | None = None,
        timestamp: int | None = None,
    ) -> Record:
        """Produce one record, wait for the broker's acknowledgement, and return it."""
        self.create_topic(topic)  # as a broker with auto-creation would
        header_list = normalize_headers(headers)
        if partition is None or partition < 0:
            partition = self._choose_partition(topic, key)
        delivered: list[Any] = []
        arguments: dict[str, Any] = {
            "value": value,
            "key": key,
            "partition": partition,
            "on_delivery": lambda err, msg: delivered.append((err, msg)),
        }
        if header_list is not None:
            arguments["headers"] = list(header_list)
        if timestamp:
            arguments["timestamp"] = int(timestamp)
        with self._lock:
            self._producer.produce(topic, **arguments)
            left = self._producer.flush(CALL_TIMEOUT)
        if left or not delivered:
            raise TimeoutError(
                f"harness: the mock cluster did not acknowledge a record for {topic!r} within {CALL_TIMEOUT:g} s"
            )
        error, message = delivered[0]
        if error is not None:
            raise RuntimeError(f"harness: producing to {topic!r} failed: {error}")
        return _record(message)

    def _choose_partition(self, topic: str, key: bytes | str | None) -> int:
        """The in-memory broker's choice (crc32 of the key, else round robin), so both levels
        put a record in the same partition; the real partitioner is what services exercise."""
        import zlib

        count = self.partition_count(topic) or 1
        if key is not None:
            return zlib.crc32(key.encode() if isinstance(key, str) else key) % count
        with self._lock:
            cycle = self._round_robin.setdefault(topic, itertools.cycle(range(count)))
            return next(cycle)

    def records(self, topic: str, partition: int | None = None) -> list[Record]:
        """The records a topic holds now (since the last `clear()`), read back from the broker.

        Producers the services built are flushed first. Records of several partitions are
        ordered by timestamp, then partition and offset (one partition: offset order).
        """
        from confluent_kafka import TopicPartition

        self.flush_producers()
        count = self.partition_count(topic)
        if count is None:
            return []
        partitions = range(count) if partition is None else [partition]
        found: list[Record] = []
        with self._lock:
            for number in partitions:
                low, high = self.watermarks(topic, number)
                if high <= low:
                    continue
                self._reader.assign([TopicPartition(topic, number, low)])
                try:
                    found.extend(self._read_until(topic, number, high))
                finally:
                    self._reader.unassign()
        if partition is None and count > 1:
            found.sort(key=lambda r: (r.timestamp, r.partition, r.offset))
        return found

    def _read_until(self, topic: str, partition: int, high: int) -> list[Record]:
        out: list[Record] = []
        deadline = time.monotonic() + CALL_TIMEOUT
        while time.monotonic() < deadline:
            message = self._reader.poll(POLL_SLICE)
            if message is None or message.error() is not None:
                continue
            out.append(_record(message))
            if message.offset() + 1 >= high:
                return out
        raise TimeoutError(
            f"harness: reading {topic!r} [{partition}] up to offset {high} took over {CALL_TIMEOUT:g} s"
        )

    # -- reset -------------------------------------------------------------------------------

    def clear(self) -> None:
        """Every topic empty for the next test: log start moved to the end, consumers too.

        Topics, their partitions, consumer groups and pooled consumers stay (they are the
        session's, like the services' clients); only records go.
        """
        self.flush_producers()
        for topic in self.topics():
            for number in range(self.partition_count(topic) or 0):
                low, high = self.watermarks(topic, number)
                if high > low:
                    self._handle.delete_records(topic, number, high)
        for consumer in list(self._consumers):
            # seek() waits without a time limit for the consumer's fetcher, which a loop left
            # polling the consumer in another thread (one that swallowed even the interruption of
            # its inline run) can hold forever.
            describe = getattr(consumer, "_wire_name", None) or type(consumer).__name__
            if not bounded_call(
                consumer._wire_skip_to_end,
                what=f"moving wire consumer {describe} to the end of its partitions",
                blocked="in seek, while another thread polls it",
            ):
                self.abandoned.append(describe)
                self._consumers.discard(consumer)  # not waited for again at every reset

    # -- clients the services build (see harness.wire.confluent / kafka_python) --------------

    def attach_consumer(self, consumer: WireConsumer) -> None:
        self._consumers.add(consumer)

    def attach_producer(self, producer: Any) -> None:
        self._producers.add(producer)

    def pooled(self, key: Hashable, build: Callable[[], Any], *, group: str | None = None) -> Any:
        """The live consumer built earlier from the same class and configuration, else `build()`.

        A legacy loop that builds its consumer inside the thread target builds it again at every
        inline run; reusing the one already in the group keeps the group join out of every test
        but the first, as if the service's thread had simply kept running.
        """
        with self._lock:
            found = self._pool.get(key)
            if found is not None:
                return found
            # One pooled member per group: an idle member (pooled, not polling between inline
            # runs) would hold partitions the service's new consumer waits for, and keep the
            # group rebalancing each time one of them moves.
            rivals = [
                k for k, g in self._groups.items() if group is not None and g == group and k != key
            ]
        for rival in rivals:
            consumer = self._pool.pop(rival, None)
            self._groups.pop(rival, None)
            if consumer is not None:
                self._consumers.discard(consumer)
                self._close_consumer(consumer)
        built = build()
        with self._lock:
            self._pool[key] = built
            self._groups[key] = group
        return built

    def forget(self, key: Hashable, consumer: Any) -> None:
        """A pooled consumer the service closed: the next one is built afresh."""
        with self._lock:
            if self._pool.get(key) is consumer:
                del self._pool[key]
                self._groups.pop(key, None)
        self._consumers.discard(consumer)

    def flush_producers(self, timeout: float = CALL_TIMEOUT) -> None:
        """Deliver what the services' producers still hold (their delivery callbacks run here)."""
        for producer in list(self._producers):
            producer.flush(timeout)

    # -- drain mode --------------------------------------------------------------------------

    @contextmanager
    def stop_when_drained(
        self, *, empty_polls: int = 1, max_messages: int | None = None
    ) -> Iterator[DrainSession]:
        """Make every wire consumer stop with `ConsumerStopped` once drained (module docstring)."""
        session = DrainSession(DrainPolicy(empty_polls=empty_polls, max_messages=max_messages))
        with self._lock:
            if self._drain is not None:
                raise RuntimeError("this cluster is already in drain mode (contexts do not nest)")
            self._drain = session
        try:
            yield session
        except ConsumerStopped as exc:
            session.record_stop(exc)
            raise
        finally:
            with self._lock:
                self._drain = None
            self.flush_producers()

    @property
    def draining(self) -> DrainSession | None:
        return self._drain

    @contextmanager
    def watch_thread(
        self,
        ident: int | None = None,
        *,
        empty_polls: int = LOOP_EMPTY_POLLS,
        on_swallowed: Callable[[DrainSession], object] | None = None,
    ) -> Iterator[DrainSession]:
        """Stop a consumer loop in thread `ident` (default: the calling thread, the test's own)
        that keeps waiting on a drained log, outside drain mode, as the in-memory broker's
        `watch_thread` does (`harness.fakes.kafka_broker.ThreadWatch`): see the module
        docstring."""
        watch = ThreadWatch(ident, empty_polls=empty_polls, on_swallowed=on_swallowed)
        with watch.held_by(self, self._lock, "cluster"):
            yield watch.session

    def watching_caller(self) -> ThreadWatch | None:
        """The watch when the calling thread is the watched one, outside drain mode."""
        watch = self._watch
        if watch is None or self._drain is not None or watch.caller() is None:
            return None
        return watch

    def describe(self) -> str:
        """A line for a failure message: where each wire consumer stands."""
        parts = []
        for consumer in list(self._consumers):
            describe = getattr(consumer, "_wire_describe", None)
            if describe is not None:
                parts.append(describe())
        return "; ".join(parts)

    # -- end ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every client (pooled consumers leave their groups), then stop the broker."""
        if self._closed:
            return
        self._closed = True
        for consumer in list(self._consumers):
            try:
                self._close_consumer(consumer)
            except Exception:  # noqa: BLE001  closing the rest matters more than one error
                pass
        self._pool.clear()
        try:
            self.flush_producers(1.0)  # flush(timeout): bounded by librdkafka itself
        except Exception:  # noqa: BLE001
            pass
        self._producer.flush(1.0)
        if not bounded_call(self._reader.close, what="closing the harness's reader consumer"):
            self.abandoned.append("the harness's reader consumer")
        # Dropped before the broker goes, so they do not report it gone.
        self._producer = self._reader = None  # type: ignore[assignment]
        if self._producers or self.abandoned:
            # Producers the services built live as long as their modules, which may be past this
            # point: stopping the broker under them would make librdkafka print a connection
            # error to stderr every second, and slow the process's exit by a reconnect backoff
            # per producer. The broker then ends with the process, as the services' clients do.
            # So does a broker a consumer's abandoned close may still be talking to.
            _OUTLIVING.append(self._handle)
            return
        bounded_call(self._handle.destroy, what="stopping librdkafka's mock cluster")

    def _close_consumer(self, consumer: WireConsumer) -> None:
        describe = getattr(consumer, "_wire_name", None) or type(consumer).__name__
        if not bounded_call(consumer._wire_close_for_good, what=f"closing wire consumer {describe}"):
            self.abandoned.append(describe)


# Brokers kept serving clients that outlive their cluster's close() (see MockCluster.close).
_OUTLIVING: list[MockClusterHandle] = []


def bounded_call(
    call: Callable[[], object],
    *,
    what: str,
    blocked: str = "in close, e.g. leaving its group during a rebalance",
) -> bool:
    """Call `call()` in a daemon thread and wait for it at most `CLIENT_CALL_TIMEOUT` s; True if
    it ended (an exception it raised is raised here), False if it was abandoned.

    For the client calls librdkafka gives no time limit: `close()` waits for the consumer to
    leave its group, which during a rebalance, or with another thread still inside `poll()` on
    the same consumer, can take forever; so can `seek()`. No signal reaches a thread inside a C
    call (pytest-timeout's neither). Abandoned, the call goes on in its daemon thread (it
    cannot keep the process from exiting; `--harness-leak-check` names it), and a
    `HarnessWarning` says so, with `what` and where it was `blocked`. Hand-written: neither
    client's `close()` or `seek()` takes a time limit.

    The wait needs the GIL: a call blocked while holding it stops this thread too. The one
    such wait in a close, confluent-kafka's rebalance callback, is kept out of `close()` by
    the wire consumer leaving its group first (`_wire_leave_group` in harness.wire.confluent).
    """
    # The real thread class, even inside a contract scope (a consumer built at import).
    from harness.threads import _REAL_THREAD

    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001  re-raised in the caller's thread
            outcome.append(error)
        else:
            outcome.append(None)

    timeout = CLIENT_CALL_TIMEOUT
    thread = _REAL_THREAD(target=run, name=f"harness-wire: {what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        import warnings

        from harness.errors import HarnessWarning

        warnings.warn(
            f"harness: {what} did not end within {timeout:g} s (librdkafka blocked {blocked}); "
            "it is left to a daemon thread and the run goes on",
            HarnessWarning,
            stacklevel=2,
        )
        return False
    if outcome[0] is not None:
        raise outcome[0]
    return True


# -- drain steps shared by the wire consumers ------------------------------------------------


def stop(session: DrainSession, reason: StopReason, consumer: str) -> ConsumerStopped:
    return session.stopped_here(ConsumerStopped(reason, session.delivered, consumer))


def check_bound(session: DrainSession, consumer: str) -> None:
    """What each poll of a wire consumer in drain mode checks first: the thread the stop was
    raised in polling again (a bare `except:` caught it) is parked for good, as at `fake`
    (`DrainSession.caught`); `ConsumerStopped` once `max_messages` records were delivered."""
    if session.caught():
        # Parked in Python, outside any client call, holding no lock: the daemon thread never
        # polls the consumer again, so the next test's runs have it to themselves.
        threading.Event().wait()
    limit = session.policy.max_messages
    if limit is not None and session.delivered >= limit:
        raise stop(session, StopReason.MAX_MESSAGES, consumer)


def empty_poll(session: DrainSession, consumer: Any, name: str) -> None:
    """Count an empty poll of a drained consumer; raise at the `empty_polls`-th in a row."""
    key = id(consumer)
    count = session._empty.get(key, 0) + 1
    session._empty[key] = count
    if count >= session.policy.empty_polls:
        raise stop(session, StopReason.DRAINED, name)


def delivered(session: DrainSession, consumer: Any, records: int = 1) -> None:
    session._empty[id(consumer)] = 0
    session.delivered += records


def _record(message: Any) -> Record:
    timestamp_type, timestamp = message.timestamp()
    headers = message.headers()
    return Record(
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        key=message.key(),
        value=message.value(),
        headers=tuple(headers) if headers is not None else None,
        timestamp=timestamp,
        timestamp_type=timestamp_type or TIMESTAMP_CREATE_TIME,
    )


def with_timing(
    configured: Mapping[str, Any], groups: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """`configured` plus each timing group none of whose keys the service set."""
    added: dict[str, Any] = {}
    for group in groups:
        if not any(key in configured for key in group):
            added.update(group)
    return {**added, **configured}


def pool_key(cls: type, args: tuple, kwargs: Mapping[str, Any]) -> Hashable:
    """Identity of a client construction: class and configuration (objects by identity)."""

    def freeze(value: Any) -> Hashable:
        if isinstance(value, Mapping):
            return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return tuple(freeze(v) for v in value)
        if isinstance(value, (str, bytes, int, float, bool, type(None))):
            return value
        return ("object", id(value))

    return (cls, freeze(args), freeze(dict(kwargs)))


class ClientSwap:
    """The wire classes a client library's module hands out while a cluster is active.

    `clients_on(cluster)` nests (two services in one test): the classes are set on the module
    when the first cluster becomes active and put back when the last one ends; the innermost
    cluster is the one new clients are bound to.
    """

    def __init__(self, module: ModuleType, wire_classes: Mapping[str, type]) -> None:
        self._module = module
        self._wire_classes = dict(wire_classes)
        self._active: list[MockCluster] = []
        self._saved: dict[str, Any] = {}

    def active_cluster(self) -> MockCluster | None:
        return self._active[-1] if self._active else None

    @contextmanager
    def clients_on(self, cluster: MockCluster) -> Iterator[None]:
        if not self._active:
            self._saved.update({name: getattr(self._module, name) for name in self._wire_classes})
            for name, wire in self._wire_classes.items():
                setattr(self._module, name, wire)
        self._active.append(cluster)
        try:
            yield
        finally:
            self._active.remove(cluster)
            if not self._active:
                for name, original in self._saved.items():
                    setattr(self._module, name, original)
                self._saved.clear()
