"""An in-memory Kafka broker shared by the confluent-kafka and kafka-python shaped fakes.

One `Broker` holds topics (partitioned logs of `Record`s), consumer groups' committed offsets,
and the consumers attached to it. The client fakes (`harness.fakes.confluent`,
`harness.fakes.kafka_python`) are thin shapes over it: all Kafka semantics live here, so both
client libraries behave alike on the same data.

Test-facing API::

    broker = Broker(topics=["events"])          # declared topics survive clear()
    broker.produce("events", b'{"id": 1}', key=b"EX001", headers={"source": b"test"})
    broker.records("events")                      # -> [Record(...)], in produce order
    broker.committed("group-1", "events", 0)      # -> int | None
    broker.clear()                                # empty logs, forget offsets (see below)

Semantics imitated from the real broker and librdkafka (checked against librdkafka's mock
cluster):

- Producing to an unknown topic creates it with `default_partitions` partitions (1, as a
  broker's `num.partitions`); consumers never create topics. A consumer subscribed to a
  missing topic gets one "unknown topic" event, then nothing until the topic appears.
- A record with a key goes to `crc32(key) % partitions` (librdkafka's `consistent_random`);
  keyless records go round-robin (librdkafka picks at random: deterministic here on purpose).
- A consumer's starting offset on a partition is resolved on its first fetch: the group's
  committed offset, else `auto_offset_reset` ("earliest" -> start of the log, "latest" -> its
  end, "error" -> an offset-reset event). Consumers of one group share partitions with the
  range assignor, recomputed as members join and leave.
- End-of-partition events are emitted once each time a consumer reaches the end of a
  partition (empty partitions included), when the consumer asks for them.

`clear()` restores the state right after construction: declared topics (constructor and
`create_topic`) exist and are empty, auto-created topics are gone, committed offsets are
forgotten. Consumers that already exist are treated as if they had been running all along:
their position on every partition of their subscription is the start of the (now empty) log,
whatever their `auto_offset_reset`. That is what makes "produce, then run the import-time
consumer loop" deliver the produced records in every test. A consumer *created* after
`clear()` with "latest" still starts at the end of the log, as the real one does, except in
drain mode (below).

**The harness's offset rule for inline runs.** In drain mode a consumer that has neither a
committed offset nor a position on a partition starts at the beginning of the test's log, even
with `auto_offset_reset="latest"` (kafka-python's default, and librdkafka's): what the test
produced before running the loop is what the loop is there to process. Without the rule, the
first test of a session (whose kafka-python consumer, built at import, resolves its position on
its first fetch, inside the run) and any consumer built inside a thread's target would read
nothing. Outside drain mode "latest" behaves as the real client does. The wire level applies
the same rule to the real kafka-python consumer (`harness.wire.kafka_python`).

Drain mode (how tests run a `while True` consumer loop inline)::

    with broker.stop_when_drained(empty_polls=1, max_messages=100) as session:
        try:
            module.consume_data()      # the recorded thread target, run inline
        except ConsumerStopped:
            pass
    session.delivered, session.stopped, session.reason

While the context is active every consumer of this broker, instead of blocking in `poll()`,
delivers what it has and then raises `harness.fakes.stop.ConsumerStopped` (a `BaseException`)
on its `empty_polls`-th consecutive empty poll, or when `max_messages` records have been
delivered since the context was entered. The context manager does not swallow
`ConsumerStopped`: catch it around the target (the session has recorded it already).
Leaving the context switches drain mode off; consumers block in `poll()` again. A stopped
consumer leaves its group, as a member that stops polling is evicted by the real broker: a
loop that builds a new consumer on every run (same `group.id`) gets the partitions the next
time, not the abandoned consumer of the previous run. If the stopped consumer polls again it
rejoins and resumes from the group's committed offsets.

**The test's own thread.** Outside drain mode, a consumer loop the test calls directly (`svc.main()`
instead of `legacy.threads.run(svc.main)`) would wait for ever once the log is drained. While
`Broker.watch_thread()` is active (the `legacy` fixture switches it on for each test), a consumer
polled from the watched thread counts its empty polls as drain mode does, and raises
`harness.fakes.stop.ConsumerWouldHang` (a `ConsumerStopped`) on a poll that would wait for ever
with nothing left, or on its `empty_polls`-th consecutive empty poll (`LOOP_EMPTY_POLLS`; each
still waits its timeout, so a loop that ends by itself after a few empty polls is not stopped).
Other threads, drain mode, and a consumer that delivers something in between are unaffected.

Thread safety: one lock guards all state; a consumer blocked in `poll(timeout)` on another
thread wakes up when a record is produced, when drain mode starts, or when it is closed.
Written by hand: no maintained library offers an in-memory broker without librdkafka (see
`harness.fakes.confluent` for the evaluation of mockafka-py and kafka-mocha).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from harness.fakes.stop import (
    LOOP_EMPTY_POLLS,
    ConsumerStopped,
    ConsumerWouldHang,
    DrainPolicy,
    StopReason,
)

HeaderList = tuple[tuple[str, bytes | None], ...]
# What a producer may pass as headers: a mapping or (name, value) pairs, `str` values UTF-8 encoded.
HeadersArg = Mapping[str, bytes | str | None] | Sequence[tuple[str, bytes | str | None]] | None

TIMESTAMP_NOT_AVAILABLE = 0
TIMESTAMP_CREATE_TIME = 1
TIMESTAMP_LOG_APPEND_TIME = 2

# Offsets with a special meaning in an assignment (librdkafka's values, shared by the fakes).
OFFSET_BEGINNING = -2
OFFSET_END = -1
OFFSET_STORED = -1000
OFFSET_INVALID = -1001

OFFSET_RESET_POLICIES = {
    "smallest": "earliest",
    "earliest": "earliest",
    "beginning": "earliest",
    "largest": "latest",
    "latest": "latest",
    "end": "latest",
    "error": "error",
    "none": "error",  # kafka-python's spelling
}


@dataclass(frozen=True)
class Record:
    """One record in a partition's log, as the broker stores it (key and value are bytes)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: HeaderList | None  # None when produced without headers, as Kafka reports it
    timestamp: int  # milliseconds since the epoch
    timestamp_type: int = TIMESTAMP_CREATE_TIME


class EventKind(str, Enum):
    PARTITION_EOF = "partition_eof"
    UNKNOWN_TOPIC = "unknown_topic"
    OFFSET_RESET_ERROR = "offset_reset_error"  # auto_offset_reset="error" and no committed offset


@dataclass(frozen=True)
class ConsumerEvent:
    """Something a consumer reports instead of a record (the client turns it into its error)."""

    kind: EventKind
    topic: str
    partition: int
    offset: int | None
    high_watermark: int | None = None


class UnknownPartitionError(LookupError):
    """A record was produced to a partition the topic does not have."""


@dataclass
class DrainSession:
    """What happened while a broker was in drain mode (see `Broker.stop_when_drained`)."""

    policy: DrainPolicy
    delivered: int = 0
    stop: ConsumerStopped | None = None
    stopped_thread: int | None = None  # the thread the stop was raised in
    stop_site: tuple[str, int] | None = None  # the legacy line that polled when it was raised
    swallowed: str = ""  # set when that thread polled again: the stop was caught (see caught)
    # consecutive empty polls per consumer (by consumer id)
    _empty: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def stopped(self) -> bool:
        return self.stop is not None

    @property
    def reason(self) -> StopReason | None:
        return self.stop.reason if self.stop is not None else None

    def record_stop(self, exc: ConsumerStopped) -> None:
        if self.stop is None:
            self.stop = exc

    def stopped_here(self, exc: ConsumerStopped) -> ConsumerStopped:
        """Record `exc`, about to be raised by a consumer's poll in the calling thread, with that
        thread and the legacy line that polled (what `caught` compares with); return it."""
        from harness.threads import legacy_site

        self.record_stop(exc)
        if self.stopped_thread is None:
            self.stopped_thread = threading.get_ident()
            self.stop_site = legacy_site()
        return exc

    def caught(self) -> bool:
        """True when the thread the stop was raised in polls again: the loop caught the stop (a
        bare `except:` or `except BaseException:`); `swallowed` then says where. The caller (a
        consumer of either level) parks that thread for good: its run is over."""
        if self.stopped_thread != threading.get_ident():
            return False
        if not self.swallowed:
            from harness.threads import swallowed_at

            self.swallowed = swallowed_at(self.stop_site)
        return True


class ThreadWatch:
    """One thread (the test's own) watched for a consumer loop that would wait for ever on a
    drained log, outside drain mode: what `Broker.watch_thread` and the wire cluster's
    `watch_thread` hold, and what their consumers ask on each poll (see the module docstring).

    `session` records the `ConsumerWouldHang` raised (`.stop`), even when the loop caught it; a
    loop that caught it and polls again (a bare `except:`) gets it again, after
    `on_swallowed(session)` (`.swallowed` says where it was caught): the caller's way out, as
    that thread cannot be parked (it is the test's)."""

    def __init__(
        self,
        ident: int | None = None,
        *,
        empty_polls: int = LOOP_EMPTY_POLLS,
        on_swallowed: Callable[[DrainSession], object] | None = None,
    ) -> None:
        self.ident = threading.get_ident() if ident is None else ident
        self.session = DrainSession(DrainPolicy(empty_polls=empty_polls))
        self._on_swallowed = on_swallowed

    @contextmanager
    def held_by(self, owner: Any, lock: AbstractContextManager[Any], what: str) -> Iterator[None]:
        """`owner._watch` is this watch for the block (`lock` guards it): one per `owner`."""
        with lock:
            if owner._watch is not None:
                raise RuntimeError(f"this {what} already watches a thread (contexts do not nest)")
            owner._watch = self
        try:
            yield
        finally:
            with lock:
                owner._watch = None

    def caller(self) -> DrainSession | None:
        """The watch's session when the calling thread is the watched one, else None."""
        if self.ident != threading.get_ident():
            return None
        stop = self.session.stop
        if isinstance(stop, ConsumerWouldHang) and stop.polled_again_by_its_loop():
            self.session.caught()  # says where (`swallowed`)
            if self._on_swallowed is not None:
                self._on_swallowed(self.session)
            raise stop  # the loop caught it and polled again: again
        return self.session

    def empty_poll(self, consumer: object, name: str, *, waits_for_ever: bool) -> None:
        """Count an empty poll of `consumer` (called `name`) in the watched thread; raise
        `ConsumerWouldHang` when the poll would wait for ever with nothing left (nothing in that
        thread can produce while it waits) or at the policy's `empty_polls`-th in a row."""
        session = self.session
        empty = session._empty.get(id(consumer), 0) + 1
        session._empty[id(consumer)] = empty
        if empty < session.policy.empty_polls and not waits_for_ever:
            return
        from harness.threads import legacy_entry, legacy_frame

        raise session.stopped_here(
            ConsumerWouldHang(
                name,
                session.delivered,
                frame=legacy_frame(),
                entry=legacy_entry(),
                empty_polls=None if waits_for_ever else session.policy.empty_polls,
            )
        )

    def delivered(self, consumer: object, records: int) -> None:
        self.session._empty[id(consumer)] = 0
        self.session.delivered += records


class _Partition:
    __slots__ = ("log",)

    def __init__(self) -> None:
        self.log: list[Record] = []

    @property
    def high_watermark(self) -> int:
        return len(self.log)


class _Topic:
    __slots__ = ("in_order", "name", "partitions", "round_robin")

    def __init__(self, name: str, partitions: int) -> None:
        self.name = name
        self.partitions = [_Partition() for _ in range(partitions)]
        self.in_order: list[Record] = []  # every record of the topic, in produce order
        self.round_robin = itertools.cycle(range(partitions))


class Broker:
    """An in-memory Kafka broker: topics, partitions, offsets, groups. See the module docstring."""

    def __init__(
        self,
        *,
        topics: Iterable[str] | Mapping[str, int] = (),
        default_partitions: int = 1,
        auto_create_topics: bool = True,
    ) -> None:
        if default_partitions < 1:
            raise ValueError(f"default_partitions must be at least 1, got {default_partitions!r}")
        self.default_partitions = default_partitions
        self.auto_create_topics = auto_create_topics
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._declared: dict[str, int] = {}
        self._topics: dict[str, _Topic] = {}
        self._committed: dict[str, dict[tuple[str, int], int]] = {}
        self._members: weakref.WeakSet[ConsumerCore] = weakref.WeakSet()
        self._join_order = itertools.count()
        self._drain: DrainSession | None = None
        self._watch: ThreadWatch | None = None  # see watch_thread()
        items = topics.items() if isinstance(topics, Mapping) else ((t, None) for t in topics)
        for name, partitions in items:
            self.create_topic(name, partitions)

    # -- topics ------------------------------------------------------------------------------

    def create_topic(self, name: str, partitions: int | None = None) -> None:
        """Create `name` (idempotent) and declare it: it survives `clear()`."""
        _check_topic_name(name)
        count = self.default_partitions if partitions is None else partitions
        if count < 1:
            raise ValueError(f"a topic needs at least one partition, got {count!r} for {name!r}")
        with self._changed:
            existing = self._topics.get(name)
            if existing is not None and len(existing.partitions) != count:
                raise ValueError(
                    f"topic {name!r} already exists with {len(existing.partitions)} partition(s)"
                )
            self._declared[name] = count
            if existing is None:
                self._topics[name] = _Topic(name, count)
            self._changed.notify_all()

    def auto_create_topic(self, name: str) -> None:
        """Create `name` as the broker's auto-creation does: not declared, so `clear()` drops it."""
        _check_topic_name(name)
        with self._changed:
            self._auto_create(name)

    def _auto_create(self, name: str) -> _Topic:
        t = self._topics.get(name)
        if t is None:
            if not self.auto_create_topics:
                raise LookupError(f"unknown topic {name!r} (auto-creation is off)")
            t = self._topics[name] = _Topic(name, self.default_partitions)
            self._changed.notify_all()
        return t

    def delete_topic(self, name: str) -> bool:
        """Delete a topic and its records (and undeclare it); False if it did not exist."""
        with self._changed:
            self._declared.pop(name, None)
            existed = self._topics.pop(name, None) is not None
            for offsets in self._committed.values():
                for tp in [tp for tp in offsets if tp[0] == name]:
                    del offsets[tp]
            self._changed.notify_all()
            return existed

    def topics(self) -> list[str]:
        with self._lock:
            return sorted(self._topics)

    def has_topic(self, name: str) -> bool:
        with self._lock:
            return name in self._topics

    def partition_count(self, topic: str) -> int | None:
        with self._lock:
            t = self._topics.get(topic)
            return None if t is None else len(t.partitions)

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        """(low, high) offsets of a partition; (0, 0) for an unknown one."""
        with self._lock:
            t = self._topics.get(topic)
            if t is None or not 0 <= partition < len(t.partitions):
                return (0, 0)
            return (0, t.partitions[partition].high_watermark)

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
        """Append a record and return it. `str` key/value/header values are UTF-8 encoded."""
        _check_topic_name(topic)
        key_bytes = _to_bytes(key, "key")
        value_bytes = _to_bytes(value, "value")
        header_list = normalize_headers(headers)
        stamp = now_ms() if not timestamp else int(timestamp)
        with self._changed:
            t = self._auto_create(topic)
            if partition is None or partition < 0:
                partition = self._choose_partition(t, key_bytes)
            elif partition >= len(t.partitions):
                raise UnknownPartitionError(
                    f"topic {topic!r} has {len(t.partitions)} partition(s), no partition {partition}"
                )
            log = t.partitions[partition].log
            record = Record(topic, partition, len(log), key_bytes, value_bytes, header_list, stamp)
            log.append(record)
            t.in_order.append(record)
            self._changed.notify_all()
            return record

    @staticmethod
    def _choose_partition(t: _Topic, key: bytes | None) -> int:
        if key is not None:
            return zlib.crc32(key) % len(t.partitions)
        return next(t.round_robin)

    def records(self, topic: str, partition: int | None = None) -> list[Record]:
        """Records of a topic in produce order (or of one partition in offset order)."""
        with self._lock:
            t = self._topics.get(topic)
            if t is None:
                return []
            if partition is None:
                return list(t.in_order)
            return list(t.partitions[partition].log)

    # -- consumer groups ---------------------------------------------------------------------

    def committed(self, group: str, topic: str, partition: int) -> int | None:
        with self._lock:
            return self._committed.get(group, {}).get((topic, partition))

    def commit(self, group: str, topic: str, partition: int, offset: int) -> None:
        with self._lock:
            self._committed.setdefault(group, {})[(topic, partition)] = offset

    def groups(self) -> list[str]:
        with self._lock:
            return sorted(self._committed)

    # -- reset -------------------------------------------------------------------------------

    def clear(self) -> None:
        """Back to the state after construction; see the module docstring for consumers."""
        with self._changed:
            self._topics = {name: _Topic(name, n) for name, n in self._declared.items()}
            self._committed.clear()
            for member in list(self._members):
                member._reset_after_clear()
            self._changed.notify_all()

    # -- drain mode --------------------------------------------------------------------------

    @contextmanager
    def stop_when_drained(
        self, *, empty_polls: int = 1, max_messages: int | None = None
    ) -> Iterator[DrainSession]:
        """Make every consumer stop with `ConsumerStopped` once drained; see the module docstring.

        A `ConsumerStopped` that propagates out of the block is recorded on the session and
        re-raised: catch it around the target (or let the runner do it).
        """
        session = DrainSession(DrainPolicy(empty_polls=empty_polls, max_messages=max_messages))
        with self._changed:
            if self._drain is not None:
                raise RuntimeError("this broker is already in drain mode (contexts do not nest)")
            self._drain = session
            self._changed.notify_all()  # a consumer blocked in poll() must re-check now
        try:
            yield session
        except ConsumerStopped as exc:
            session.record_stop(exc)
            raise
        finally:
            with self._changed:
                self._drain = None

    @contextmanager
    def watch_thread(
        self,
        ident: int | None = None,
        *,
        empty_polls: int = LOOP_EMPTY_POLLS,
        on_swallowed: Callable[[DrainSession], object] | None = None,
    ) -> Iterator[DrainSession]:
        """Stop a consumer loop in thread `ident` (default: the calling thread, the test's own)
        that keeps waiting on a drained log, outside drain mode; see the module docstring and
        `ThreadWatch`, which yields its session."""
        watch = ThreadWatch(ident, empty_polls=empty_polls, on_swallowed=on_swallowed)
        with watch.held_by(self, self._changed, "broker"):
            yield watch.session

    def _watching_caller(self) -> ThreadWatch | None:
        """The watch when the calling thread is the watched one (lock held)."""
        if self._watch is None or self._watch.caller() is None:
            return None
        return self._watch

    @property
    def draining(self) -> DrainSession | None:
        with self._lock:
            return self._drain

    # -- consumers (used by the client fakes) ------------------------------------------------

    def consumer(
        self,
        *,
        name: str,
        group_id: str | None,
        auto_offset_reset: str = "latest",
        enable_auto_commit: bool = True,
        partition_eof: bool = False,
        report_unknown_topics: bool = True,
    ) -> ConsumerCore:
        """Attach a consumer; the client fakes wrap what this returns."""
        policy = OFFSET_RESET_POLICIES.get(str(auto_offset_reset).lower())
        if policy is None:
            raise ValueError(f"invalid auto offset reset policy {auto_offset_reset!r}")
        core = ConsumerCore(
            self,
            name=name,
            group_id=group_id,
            offset_reset=policy,
            enable_auto_commit=enable_auto_commit,
            partition_eof=partition_eof,
            report_unknown_topics=report_unknown_topics,
            join_seq=next(self._join_order),
        )
        with self._lock:
            self._members.add(core)
        return core

    def _group_members(self, group: str, topic: str) -> list[ConsumerCore]:
        members = [
            m
            for m in self._members
            if m.group_id == group and not m.closed and m._in_group and m._subscribes_to(topic)
        ]
        return sorted(members, key=lambda m: m.join_seq)


class ConsumerCore:
    """The broker side of one consumer: subscription, assignment, positions, fetching.

    Not thread-safe on its own: every method takes the broker's lock.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        name: str,
        group_id: str | None,
        offset_reset: str,
        enable_auto_commit: bool,
        partition_eof: bool,
        report_unknown_topics: bool,
        join_seq: int,
    ) -> None:
        self.broker = broker
        self.name = name
        self.group_id = group_id
        self.offset_reset = offset_reset
        self.enable_auto_commit = enable_auto_commit
        self.partition_eof = partition_eof
        self.report_unknown_topics = report_unknown_topics
        self.join_seq = join_seq
        self.closed = False
        # False after this consumer was stopped in drain mode: its loop is over, so it leaves
        # its group (as a member that stops polling is evicted) until it polls again.
        self._in_group = True
        self._subscription: list[str] = []
        self._patterns: list[re.Pattern[str]] = []
        self._manual: dict[tuple[str, int], int] | None = None  # assign(): tp -> start spec
        self._positions: dict[tuple[str, int], int] = {}
        self._eof_reported: set[tuple[str, int]] = set()
        self._unknown_reported: set[str] = set()
        self._paused: set[tuple[str, int]] = set()
        self._start_at_beginning = False  # set by Broker.clear(): "running since the clear"
        self._rotation = 0
        self.assignment_version = 0  # bumped whenever the assignment changes (on_assign hooks)
        self._last_assignment: list[tuple[str, int]] = []

    # -- subscription and assignment ---------------------------------------------------------

    def subscribe(self, topics: Sequence[str]) -> None:
        with self.broker._changed:
            self._check_open()
            self._subscription = [t for t in topics if not t.startswith("^")]
            self._patterns = [re.compile(t) for t in topics if t.startswith("^")]
            self._manual = None
            self._positions.clear()
            self._eof_reported.clear()
            self._unknown_reported.clear()
            self.broker._changed.notify_all()

    def unsubscribe(self) -> None:
        with self.broker._changed:
            self._subscription, self._patterns = [], []
            self._positions.clear()
            self.broker._changed.notify_all()

    def subscription(self) -> list[str]:
        with self.broker._lock:
            return list(self._subscription) + [p.pattern for p in self._patterns]

    def assign(self, partitions: Iterable[tuple[str, int, int]]) -> None:
        """Manual assignment: (topic, partition, start) with start an offset or OFFSET_*."""
        with self.broker._changed:
            self._check_open()
            self._subscription, self._patterns = [], []
            self._manual = {}
            self._positions.clear()
            self._eof_reported.clear()
            for topic, partition, start in partitions:
                self._manual[(topic, partition)] = start
            self.broker._changed.notify_all()

    def unassign(self) -> None:
        with self.broker._changed:
            self._manual = None
            self._positions.clear()

    def assignment(self) -> list[tuple[str, int]]:
        with self.broker._lock:
            return self._assignment()

    def _subscribes_to(self, topic: str) -> bool:
        return topic in self._subscription or any(p.match(topic) for p in self._patterns)

    def _subscribed_topics(self) -> list[str]:
        names = list(self._subscription)
        for topic in sorted(self.broker._topics):
            if topic not in names and any(p.match(topic) for p in self._patterns):
                names.append(topic)
        return names

    def _assignment(self) -> list[tuple[str, int]]:
        if self._manual is not None:
            return list(self._manual)
        assigned: list[tuple[str, int]] = []
        for topic in self._subscribed_topics():
            t = self.broker._topics.get(topic)
            if t is None:
                continue
            count = len(t.partitions)
            if self.group_id is None:
                assigned.extend((topic, p) for p in range(count))
                continue
            # Range assignor: partitions split in contiguous ranges over members in join order.
            members = self.broker._group_members(self.group_id, topic)
            index = members.index(self) if self in members else 0
            share, extra = divmod(count, max(len(members), 1))
            start = index * share + min(index, extra)
            size = share + (1 if index < extra else 0)
            assigned.extend((topic, p) for p in range(start, start + size))
        if assigned != self._last_assignment:
            for tp in set(self._positions) - set(assigned):
                del self._positions[tp]  # a partition that moved away restarts from the commit
            self._last_assignment = assigned
            self.assignment_version += 1
        return assigned

    # -- positions ---------------------------------------------------------------------------

    def position(self, topic: str, partition: int) -> int | None:
        with self.broker._lock:
            return self._positions.get((topic, partition))

    def resolve_position(self, topic: str, partition: int) -> int | None:
        """The position, resolving the starting offset first if the partition was not read yet
        (None when it cannot be: auto_offset_reset "error" and nothing committed)."""
        with self.broker._lock:
            tp = (topic, partition)
            if tp not in self._positions:
                start = self._start_position(tp)
                if isinstance(start, ConsumerEvent):
                    return None
                self._positions[tp] = start
            return self._positions[tp]

    def seek(self, topic: str, partition: int, offset: int) -> None:
        with self.broker._changed:
            self._positions[(topic, partition)] = self._resolve_special(topic, partition, offset)
            self._eof_reported.discard((topic, partition))
            self.broker._changed.notify_all()

    def pause(self, tps: Iterable[tuple[str, int]]) -> None:
        with self.broker._lock:
            self._paused.update(tps)

    def resume(self, tps: Iterable[tuple[str, int]]) -> None:
        with self.broker._changed:
            self._paused.difference_update(tps)
            self.broker._changed.notify_all()

    def _resolve_special(self, topic: str, partition: int, offset: int) -> int:
        low, high = self.broker.watermarks(topic, partition)
        if offset == OFFSET_BEGINNING:
            return low
        if offset == OFFSET_END:
            return high
        return offset

    def _start_position(self, tp: tuple[str, int]) -> int | ConsumerEvent:
        """Where to start reading a partition this consumer has no position on yet."""
        topic, partition = tp
        low, high = self.broker.watermarks(topic, partition)
        spec = self._manual.get(tp, OFFSET_STORED) if self._manual is not None else OFFSET_STORED
        if spec >= 0 or spec in (OFFSET_BEGINNING, OFFSET_END):
            return self._resolve_special(topic, partition, spec)
        if self.group_id is not None:
            committed = self.broker._committed.get(self.group_id, {}).get(tp)
            if committed is not None:
                return committed
        if self._start_at_beginning or self.offset_reset == "earliest":
            return low
        if self.offset_reset == "latest" and self.broker._drain is not None:
            return low  # the harness's rule for inline runs: see the module docstring
        if self.offset_reset == "latest":
            return high
        return ConsumerEvent(EventKind.OFFSET_RESET_ERROR, topic, partition, None, high)

    def _reset_after_clear(self) -> None:
        self._positions.clear()
        self._eof_reported.clear()
        self._unknown_reported.clear()
        self._start_at_beginning = True
        if self._manual is not None:
            self._manual = {tp: OFFSET_BEGINNING for tp in self._manual}

    # -- fetching ----------------------------------------------------------------------------

    def fetch(self, max_records: int, timeout: float | None) -> list[Record | ConsumerEvent]:
        """Up to `max_records` records or events; waits up to `timeout` s (None: forever).

        In drain mode never waits: an empty result counts as an empty poll and may raise
        `ConsumerStopped` instead.
        """
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        counted = False
        with self.broker._changed:
            while True:
                self._check_open()
                if not self._in_group:
                    self._rejoin()
                session = self.broker._drain
                if session is not None and session.caught():
                    self._park()
                if session is not None:
                    return self._fetch_draining(session, max_records)
                watch = self.broker._watching_caller()
                items = self._take(max_records, limit=None)
                if items:
                    if watch is not None:
                        watch.delivered(self, sum(isinstance(i, Record) for i in items))
                    return items
                if watch is not None and not counted:
                    counted = True
                    self._watched_empty_poll(watch, waits_for_ever=deadline is None)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return []
                self.broker._changed.wait(remaining)

    def _fetch_draining(
        self, session: DrainSession, max_records: int
    ) -> list[Record | ConsumerEvent]:
        policy = session.policy
        limit = None if policy.max_messages is None else policy.max_messages - session.delivered
        if limit is not None and limit <= 0 and self._has_pending():
            raise self._stop(session, StopReason.MAX_MESSAGES)
        items = self._take(max_records, limit=limit)
        if items:
            self._delivered(session, items)
            return items
        if self._empty_poll(session):
            raise self._stop(session, StopReason.DRAINED)
        return []

    def _delivered(self, session: DrainSession, items: list[Record | ConsumerEvent]) -> None:
        session._empty[id(self)] = 0
        session.delivered += sum(isinstance(i, Record) for i in items)

    def _empty_poll(self, session: DrainSession) -> bool:
        """Count a poll that found nothing to deliver; True when the policy says stop."""
        empty = session._empty.get(id(self), 0) + 1
        session._empty[id(self)] = empty
        return empty >= session.policy.empty_polls

    def _watched_empty_poll(self, watch: ThreadWatch, *, waits_for_ever: bool) -> None:
        """In the watched thread (the test's own), outside drain mode: see `ThreadWatch`; a
        consumer stopped there leaves its group, as in drain mode."""
        try:
            watch.empty_poll(self, self.name, waits_for_ever=waits_for_ever)
        except ConsumerWouldHang:
            self._in_group = False
            raise

    def _rejoin(self) -> None:
        """Back in the group after a stop: partitions restart from the committed offsets."""
        self._in_group = True
        if self._manual is None:
            self._positions.clear()
            self._eof_reported.clear()

    def _stop(self, session: DrainSession, reason: StopReason) -> ConsumerStopped:
        self._in_group = False
        return session.stopped_here(ConsumerStopped(reason, session.delivered, self.name))

    def _park(self) -> None:
        """The loop caught the stop (`DrainSession.caught`): its run is over, and the thread
        waits here for good, holding no lock (a daemon: it cannot keep the process from
        exiting), so it never takes another test's records."""
        self.broker._changed.notify_all()
        while True:
            self.broker._changed.wait()

    def _has_pending(self) -> bool:
        for tp in self._assignment():
            t = self.broker._topics.get(tp[0])
            if t is None or tp in self._paused:
                continue
            position = self._positions.get(tp)
            if position is None or position < t.partitions[tp[1]].high_watermark:
                return True
        return False

    def _take(self, max_records: int, limit: int | None) -> list[Record | ConsumerEvent]:
        out: list[Record | ConsumerEvent] = []
        taken_records = 0
        if self.report_unknown_topics:
            for topic in self._subscription:
                if topic not in self.broker._topics and topic not in self._unknown_reported:
                    self._unknown_reported.add(topic)
                    out.append(ConsumerEvent(EventKind.UNKNOWN_TOPIC, topic, 0, None))
                    if len(out) >= max_records:
                        return out
        assignment = [tp for tp in self._assignment() if tp not in self._paused]
        if not assignment:
            return out
        # Rotate the starting partition so one busy partition cannot starve the others.
        self._rotation = (self._rotation + 1) % len(assignment)
        ordered = assignment[self._rotation :] + assignment[: self._rotation]
        eofs: list[ConsumerEvent] = []
        for tp in ordered:
            t = self.broker._topics.get(tp[0])
            if t is None or tp[1] >= len(t.partitions):
                continue
            log = t.partitions[tp[1]].log
            position = self._positions.get(tp)
            if position is None:
                start = self._start_position(tp)
                if isinstance(start, ConsumerEvent):
                    out.append(start)
                    self._positions[tp] = len(log)  # reported once; then wait for new data
                    continue
                position = self._positions[tp] = start
            while position < len(log) and len(out) < max_records:
                if limit is not None and taken_records >= limit:
                    return out
                out.append(log[position])
                taken_records += 1
                position += 1
                self._positions[tp] = position
                self._eof_reported.discard(tp)
                if self.enable_auto_commit and self.group_id is not None:
                    self.broker._committed.setdefault(self.group_id, {})[tp] = position
            if len(out) >= max_records:
                return out
            if self.partition_eof and position >= len(log) and tp not in self._eof_reported:
                self._eof_reported.add(tp)
                eofs.append(
                    ConsumerEvent(EventKind.PARTITION_EOF, tp[0], tp[1], position, len(log))
                )
        # End-of-partition events come after the records of the same fetch.
        for event in eofs:
            if len(out) >= max_records:
                self._eof_reported.discard((event.topic, event.partition))  # report next time
                continue
            out.append(event)
        return out

    # -- commits -----------------------------------------------------------------------------

    def commit(self, offsets: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        if self.group_id is None:
            raise LookupError("a consumer without a group id cannot commit offsets")
        committed = []
        with self.broker._lock:
            for topic, partition, offset in offsets:
                self.broker._committed.setdefault(self.group_id, {})[(topic, partition)] = offset
                committed.append((topic, partition, offset))
        return committed

    def consumed_positions(self) -> list[tuple[str, int, int]]:
        """(topic, partition, next offset) for every assigned partition read from."""
        with self.broker._lock:
            return [(t, p, o) for (t, p), o in sorted(self._positions.items())]

    def committed(self, topic: str, partition: int) -> int | None:
        if self.group_id is None:
            return None
        return self.broker.committed(self.group_id, topic, partition)

    def close(self) -> None:
        with self.broker._changed:
            if self.closed:
                return
            if self.enable_auto_commit and self.group_id is not None:
                for (topic, partition), offset in self._positions.items():
                    self.broker._committed.setdefault(self.group_id, {})[(topic, partition)] = (
                        offset
                    )
            self.closed = True
            self.broker._members.discard(self)
            self.broker._changed.notify_all()

    def _check_open(self) -> None:
        if self.closed:
            raise ConsumerClosedError(f"{self.name} is closed")


class ConsumerClosedError(RuntimeError):
    """Raised by `ConsumerCore` methods after `close()`; the client fakes re-word it."""


def normalize_headers(
    headers: HeadersArg,
) -> HeaderList | None:
    """Headers as Kafka stores them: a tuple of (str name, bytes | None value) pairs."""
    if headers is None:
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(f"headers must be (name, value) pairs, got {pair!r}") from None
        if not isinstance(name, str):
            raise TypeError(f"header name must be str, got {type(name).__name__}")
        out.append((name, _to_bytes(value, f"header {name!r}")))
    return tuple(out)


def _to_bytes(value: bytes | str | None, what: str) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}' ({what})")


def _check_topic_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"topic must be a non-empty str, got {name!r}")


def now_ms() -> int:
    return time.time_ns() // 1_000_000
