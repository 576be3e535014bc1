"""A `confluent_kafka`-shaped package tree over the in-memory broker and schema registry.

`build_tree(backends)` returns fresh module objects (`confluent_kafka`, `.cimpl`,
`.serialization`, `.error`, `.serializing_producer`, `.deserializing_consumer`, `.admin`,
`.schema_registry`, `.schema_registry.error`, `.schema_registry.schema_registry_client`,
`.schema_registry.avro`) whose client classes are bound to `backends.kafka`,
`backends.schema_registry` and `backends.clients`, and the legacy `.avro` package (the installed
one's own code over these modules, built when first imported: `harness.fakes.confluent_avro`).
Nothing is put in `sys.modules` here.

What the clients do, as the real ones (confluent-kafka 2.16.0, checked against librdkafka's
mock cluster):

- `Producer.produce(topic, value=None, key=None, partition=-1, on_delivery=None,
  callback=None, timestamp=0, headers=None)`: str or bytes only (`TypeError` otherwise);
  the record is on the broker at once; the delivery callback (`on_delivery`/`callback`, or the
  `on_delivery` config) is called as `(err, msg)` from `poll()` / `flush()`, never from
  `produce()`; `len(producer)` counts undelivered reports; `flush()` returns 0. Unlike the
  real client, `Producer.poll(timeout)` never sleeps.
- `Consumer` needs `group.id` (`ValueError` as the real one); honours `auto.offset.reset`
  (default "latest"), `enable.auto.commit`, `enable.auto.offset.store`,
  `enable.partition.eof`, `on_commit`; `subscribe` (with `on_assign`/`on_revoke`), `assign`,
  `poll(timeout)`, `consume(n, timeout)`, `commit(message=|offsets=|asynchronous=)`,
  `committed`, `position`, `get_watermark_offsets`, `seek`, `pause`/`resume`, `close`
  (then `RuntimeError('Consumer closed')`). Errors arrive as messages whose `error()` is a
  `KafkaError`: `_PARTITION_EOF`, `UNKNOWN_TOPIC_OR_PART` (once per subscription to a missing
  topic), with the real texts.
- `SerializingProducer` / `DeserializingConsumer` apply `key.serializer` / `value.serializer`
  (resp. deserializers) with a `SerializationContext`, wrap failures in
  `Key/ValueSerializationError` / `Key/ValueDeserializationError`, and raise `ConsumeError`
  for error events; `DeserializingConsumer.consume()` raises `NotImplementedError`.
- The Schema Registry client and Avro serdes: see `harness.fakes.schema_registry`.

Not imitated: transactions, `AdminClient` beyond create/delete/list topics, JSON Schema and
Protobuf serdes, statistics callbacks, the
value checks of most configuration properties, and the special messages for the names
librdkafka knows but refuses (`opaque`, `dr_cb`, `ssl.truststore.location`, ...).

Configuration names are checked as the real clients do: a name that is neither a librdkafka
property (`harness.fakes._kafka_properties`, generated from librdkafka itself) nor one the
Python client handles itself (`on_delivery` for producers, `on_commit` for consumers, the
callbacks and `default.topic.config` for every client) raises `KafkaException` with
`_INVALID_ARG` and `No such configuration property: "name"`, the first unknown name in the
dict's order; the keys of `default.topic.config` are checked too. `SerializingProducer` and
`DeserializingConsumer` take their own `key.`/`value.` (de)serializer out first, so a
`key.deserializer` given to a `SerializingProducer` is an unknown property.

In drain mode (`Broker.stop_when_drained`) `poll()` and `consume()` raise
`harness.fakes.stop.ConsumerStopped` once the consumer has nothing left.

Why not an existing library: mockafka-py (in-memory, confluent-kafka and aiokafka shapes)
imports the real `confluent_kafka` for its `Message`, `KafkaError` and admin types, so it needs
librdkafka installed and loaded, which is exactly what a `fake` level must not require; its
store is a process-wide singleton, where we need one broker per test scope; it has no
kafka-python shape and no stop signal for consumer loops. kafka-mocha is built for
librdkafka users too (it imports `confluent_kafka` and its serializers), runs a simulator with
background ticking threads, and patches through decorators rather than serving module trees.
Both would still need the package tree, the stop signal and the kafka-python shape written
here, so the broker and clients are written by hand (`harness.fakes.kafka_broker`), kept close
to the real client by the contract tests that run the same scenarios on librdkafka's mock
cluster.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

from harness.fakes import confluent_avro
from harness.fakes import confluent_types as types_
from harness.fakes import schema_registry as sr
from harness.fakes._kafka_error_codes import code
from harness.fakes._kafka_properties import LIBRDKAFKA_PROPERTIES
from harness.fakes.confluent_types import (
    ClusterMetadata,
    ConsumeError,
    KafkaError,
    KafkaException,
    KeyDeserializationError,
    KeySerializationError,
    Message,
    MessageField,
    SerializationContext,
    TopicMetadata,
    TopicPartition,
    ValueDeserializationError,
    ValueSerializationError,
)
from harness.fakes.kafka_broker import (
    OFFSET_INVALID,
    OFFSET_STORED,
    TIMESTAMP_NOT_AVAILABLE,
    ConsumerClosedError,
    ConsumerEvent,
    EventKind,
    Record,
    UnknownPartitionError,
    normalize_headers,
)
from harness.fakes.tree import ModuleTree, bind, new_module
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "confluent_kafka"
CLUSTER_ID = "harness-fake-cluster"


def _conf_dict(conf: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    if conf is not None and not isinstance(conf, Mapping):
        raise TypeError(f"expected configuration dict, not {type(conf).__name__}")
    merged = dict(conf or {})
    merged.update(kwargs)
    return merged


def _take_codecs(
    client: Any, conf: Mapping[str, Any], codec: str
) -> tuple[dict[str, Any], Any, Any]:
    """Record the configuration of a Serializing/Deserializing client as given, then take its
    `key.<codec>` and `value.<codec>` out: the plain client beneath does not know them."""
    conf = _conf_dict(conf, {})
    client._backends.clients.record(TOP_LEVEL, type(client).__name__, conf)
    client.__dict__["_harness_recorded"] = True  # the plain client beneath records nothing again
    for prop in (f"key.{codec}.builder", f"value.{codec}.builder"):
        if prop in conf:
            raise ValueError(f"{prop!r} is not supported by the harness fake of confluent_kafka")
    return conf, conf.pop(f"key.{codec}", None), conf.pop(f"value.{codec}", None)


# Names the Python client takes out of the configuration before librdkafka sees the rest
# (confluent-kafka 2.16.0, checked by building each client with the name).
_CLIENT_PROPERTIES = frozenset(
    {
        "default.topic.config",
        "delivery.report.only.error",
        "error_cb",
        "logger",
        "oauth_cb",
        "stats_cb",
        "throttle_cb",
    }
)
PRODUCER_PROPERTIES = _CLIENT_PROPERTIES | {"on_delivery"}
CONSUMER_PROPERTIES = _CLIENT_PROPERTIES | {"on_commit"}


def _check_property_names(conf: Mapping[str, Any], client_properties: frozenset[str]) -> None:
    """Reject the first name neither librdkafka nor the Python client knows, as librdkafka does."""
    names = list(conf)
    topic_conf = conf.get("default.topic.config")
    if isinstance(topic_conf, Mapping):
        names += list(topic_conf)
    for name in names:
        if name not in LIBRDKAFKA_PROPERTIES and name not in client_properties:
            raise KafkaException(
                KafkaError(code("_INVALID_ARG"), f'No such configuration property: "{name}"')
            )


def _conf_bool(conf: Mapping[str, Any], key: str, default: bool) -> bool:
    value = conf.get(key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "t", "yes", "y"):
        return True
    if text in ("false", "0", "f", "no", "n"):
        return False
    raise KafkaException(
        KafkaError(
            code("_INVALID_ARG"), f'Invalid value "{value}" for configuration property "{key}"'
        )
    )


def _check_bytes(value: Any) -> bytes | str | None:
    """Key and value must be str or bytes (or None), with the real client's TypeError."""
    if value is None or isinstance(value, (bytes, str)):
        return value
    raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'")


def _check_headers(headers: Any) -> Any:
    if headers is None:
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    if not isinstance(headers, Mapping) and (
        not isinstance(headers, (list, tuple))
        or any(not isinstance(p, tuple) or len(p) != 2 for p in pairs)
    ):
        raise TypeError("Headers are expected to be a list of (key, value) tuples")
    for _, value in pairs:
        if value is not None and not isinstance(value, (bytes, str)):
            raise TypeError(
                "expected header value to be None, binary, or unicode string, "
                f"not {type(value).__name__}"
            )
    return normalize_headers(headers)


def _message_from(item: Record | ConsumerEvent) -> Message:
    """The `Message` a confluent consumer hands out for a record or an event."""
    if isinstance(item, Record):
        return Message(
            topic=item.topic,
            partition=item.partition,
            offset=item.offset,
            key=item.key,
            value=item.value,
            headers=None if item.headers is None else list(item.headers),
            timestamp=(item.timestamp_type, item.timestamp),
        )
    if item.kind is EventKind.PARTITION_EOF:
        error_code = code("_PARTITION_EOF")
        text = (
            f"Fetch from broker 1 reached end of partition at offset {item.offset} "
            f"(HighwaterMark {item.high_watermark})"
        )
    elif item.kind is EventKind.UNKNOWN_TOPIC:
        error_code = code("UNKNOWN_TOPIC_OR_PART")
        text = f"Subscribed topic not available: {item.topic}: Broker: Unknown topic or partition"
    else:
        error_code = code("_AUTO_OFFSET_RESET")
        text = (
            f"Fetch from broker 1 failed at offset {item.high_watermark}: "
            "no previously committed offset available: Local: No offset to automatically reset to"
        )
    return Message(
        topic=item.topic,
        partition=item.partition,
        offset=item.offset,
        value=text.encode(),
        error=KafkaError(error_code, text),
        timestamp=(TIMESTAMP_NOT_AVAILABLE, -1),
    )


def _metadata(backends: Backends, topic: str | None, create: bool) -> ClusterMetadata:
    broker = backends.kafka
    if topic is not None and create:
        broker.auto_create_topic(topic)  # as a producer's metadata request does
    names = broker.topics() if topic is None else [topic]
    topics: dict[str, TopicMetadata] = {}
    for name in names:
        count = broker.partition_count(name)
        if count is None:
            topics[name] = TopicMetadata(name, 0, KafkaError(code("UNKNOWN_TOPIC_OR_PART")))
        else:
            topics[name] = TopicMetadata(name, count)
    return ClusterMetadata(topics, CLUSTER_ID)


# -- Producer --------------------------------------------------------------------------------


class ProducerBase:
    """`confluent_kafka.Producer` over the broker of the module tree it is bound to."""

    _backends: Backends

    def __init__(self, conf: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        conf = _conf_dict(conf, kwargs)
        if "_harness_recorded" not in self.__dict__:
            self._backends.clients.record(
                TOP_LEVEL, type(self).__name__, conf, skip=confluent_avro.is_package_file
            )
        _check_property_names(conf, PRODUCER_PROPERTIES)
        callback = conf.get("on_delivery")
        if callback is not None and not callable(callback):
            raise KafkaException(
                KafkaError(code("_INVALID_ARG"), "on_delivery requires a callable object")
            )
        self._default_callback = callback
        self._only_errors = _conf_bool(conf, "delivery.report.only.error", False)
        self._config = conf
        self._pending: deque[tuple[Callable[[Any, Any], Any] | None, Message]] = deque()
        self._lock = threading.Lock()
        self._closed = False

    def produce(
        self,
        topic: str,
        value: bytes | str | None = None,
        key: bytes | str | None = None,
        partition: int = -1,
        on_delivery: Callable[[Any, Any], Any] | None = None,
        callback: Callable[[Any, Any], Any] | None = None,
        timestamp: int = 0,
        headers: Any = None,
    ) -> None:
        if self._closed:
            raise RuntimeError("Producer has been closed")
        if not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str, not {type(topic).__name__}")
        _check_bytes(value)
        _check_bytes(key)
        header_list = _check_headers(headers)
        report_to = on_delivery or callback or self._default_callback
        if report_to is not None and not callable(report_to):
            raise TypeError("on_delivery requires a callable object")
        try:
            record = self._backends.kafka.produce(
                topic,
                value,
                key,
                headers=header_list,
                partition=None if partition < 0 else partition,
                timestamp=timestamp or None,
            )
        except UnknownPartitionError:
            raise KafkaException(KafkaError(code("_UNKNOWN_PARTITION"))) from None
        # Delivery reports carry no headers, as the real client's (its docs say so).
        report = Message(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            timestamp=(record.timestamp_type, record.timestamp),
        )
        with self._lock:
            self._pending.append((report_to, report))

    def poll(self, timeout: float | None = -1) -> int:
        """Serve pending delivery reports (callbacks run here); returns how many."""
        served = 0
        while True:
            with self._lock:
                if not self._pending:
                    return served
                report_to, message = self._pending.popleft()
            served += 1
            if report_to is not None and not (self._only_errors and message.error() is None):
                report_to(message.error(), message)

    def flush(self, timeout: float | None = -1) -> int:
        """Serve every pending delivery report; returns what is left in the queue (0)."""
        self.poll(0)
        return len(self)

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        with self._lock:
            self._pending.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> ClusterMetadata:
        return _metadata(self._backends, topic, create=True)

    def cluster_id(self, timeout: float = -1) -> str:
        return CLUSTER_ID

    def close(self, timeout: float = -1) -> bool:
        if not self._closed:
            self.flush()
            self._closed = True
        return True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerializingProducerBase(ProducerBase):
    """`confluent_kafka.SerializingProducer`: serializers applied before `Producer.produce`."""

    def __init__(self, conf: Mapping[str, Any]) -> None:
        conf, self._key_serializer, self._value_serializer = _take_codecs(self, conf, "serializer")
        super().__init__(conf)

    def produce(  # type: ignore[override]
        self,
        topic: str,
        key: Any = None,
        value: Any = None,
        partition: int = -1,
        on_delivery: Callable[[Any, Any], Any] | None = None,
        timestamp: int = 0,
        headers: Any = None,
    ) -> None:
        if self._closed:
            raise RuntimeError("Producer has been closed")
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a str, not {type(topic).__name__}")
        ctx = SerializationContext(topic, MessageField.KEY, headers)
        key_bytes, value_bytes = key, value
        if self._key_serializer is not None:
            try:
                key_bytes = self._key_serializer(key, ctx)
            except Exception as e:
                raise KeySerializationError(e) from e
        ctx.field = MessageField.VALUE
        if self._value_serializer is not None:
            try:
                value_bytes = self._value_serializer(value, ctx)
            except Exception as e:
                raise ValueSerializationError(e) from e
        super().produce(
            topic,
            value_bytes,
            key_bytes,
            headers=headers,
            partition=partition,
            timestamp=timestamp,
            on_delivery=on_delivery,
        )


# -- Consumer --------------------------------------------------------------------------------


class ConsumerBase:
    """`confluent_kafka.Consumer` over the broker of the module tree it is bound to."""

    _backends: Backends

    def __init__(self, conf: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        conf = _conf_dict(conf, kwargs)
        if "_harness_recorded" not in self.__dict__:
            self._backends.clients.record(
                TOP_LEVEL, type(self).__name__, conf, skip=confluent_avro.is_package_file
            )
        group = conf.get("group.id")
        if not group:
            raise ValueError("Failed to create consumer: group.id must be set")
        _check_property_names(conf, CONSUMER_PROPERTIES)
        reset = conf.get("auto.offset.reset", "latest")
        auto_commit = _conf_bool(conf, "enable.auto.commit", True)
        self._auto_store = _conf_bool(conf, "enable.auto.offset.store", True)
        try:
            self._core = self._backends.kafka.consumer(
                name=f"{type(self).__name__}(group.id={group!r})",
                group_id=str(group),
                auto_offset_reset=str(reset),
                enable_auto_commit=auto_commit and self._auto_store,
                partition_eof=_conf_bool(conf, "enable.partition.eof", False),
            )
        except ValueError:
            raise KafkaException(
                KafkaError(
                    code("_INVALID_ARG"),
                    f'Invalid value "{reset}" for configuration property "auto.offset.reset"',
                )
            ) from None
        self._auto_commit = auto_commit
        self._on_commit = conf.get("on_commit")
        self._config = conf
        self._on_assign: Callable[..., Any] | None = None
        self._on_revoke: Callable[..., Any] | None = None
        self._seen_assignment: list[tuple[str, int]] | None = None
        self._stored: dict[tuple[str, int], int] = {}
        self._closed = False

    # -- subscription ------------------------------------------------------------------------

    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: Callable[..., Any] | None = None,
        on_revoke: Callable[..., Any] | None = None,
        on_lost: Callable[..., Any] | None = None,
    ) -> None:
        self._check_open()
        if not isinstance(topics, (list, tuple)):
            raise TypeError("expected list of topic unicode strings")
        for callback in (on_assign, on_revoke, on_lost):
            if callback is not None and not callable(callback):
                raise TypeError("on_assign/on_revoke/on_lost expects a callable")
        self._core.subscribe(list(topics))
        self._on_assign, self._on_revoke = on_assign, on_revoke
        self._seen_assignment = None

    def unsubscribe(self) -> None:
        self._check_open()
        self._core.unsubscribe()

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        self._check_open()
        self._core.assign([(tp.topic, tp.partition, tp.offset) for tp in partitions])
        self._on_assign = self._on_revoke = None
        self._seen_assignment = None

    def incremental_assign(self, partitions: Sequence[TopicPartition]) -> None:
        self._check_open()
        current = {(t, p): OFFSET_STORED for t, p in self._core.assignment()}
        current.update({(tp.topic, tp.partition): tp.offset for tp in partitions})
        self._core.assign([(t, p, o) for (t, p), o in current.items()])

    def incremental_unassign(self, partitions: Sequence[TopicPartition]) -> None:
        self._check_open()
        drop = {(tp.topic, tp.partition) for tp in partitions}
        self._core.assign(
            [(t, p, OFFSET_STORED) for t, p in self._core.assignment() if (t, p) not in drop]
        )

    def unassign(self) -> None:
        self._check_open()
        self._core.unassign()

    def assignment(self) -> list[TopicPartition]:
        self._check_open()
        return [TopicPartition(t, p, OFFSET_STORED) for t, p in self._core.assignment()]

    def _serve_rebalance(self) -> None:
        """Call on_revoke/on_assign from poll(), as librdkafka does, when the assignment moved."""
        if self._on_assign is None and self._on_revoke is None:
            return
        current = self._core.assignment()
        if current == self._seen_assignment:
            return
        previous, self._seen_assignment = self._seen_assignment, current
        revoked = [tp for tp in (previous or []) if tp not in current]
        if revoked and self._on_revoke is not None:
            self._on_revoke(self, [TopicPartition(t, p) for t, p in revoked])
        if self._on_assign is not None:
            self._on_assign(self, [TopicPartition(t, p, OFFSET_INVALID) for t, p in current])

    # -- consuming ---------------------------------------------------------------------------

    def _fetch(self, max_records: int, timeout: float | None) -> list[Message]:
        self._check_open()
        self._serve_rebalance()
        wait = None if timeout is None or timeout < 0 else float(timeout)
        try:
            items = self._core.fetch(max_records, wait)
        except ConsumerClosedError:
            raise RuntimeError("Consumer closed") from None
        return [_message_from(item) for item in items]

    def poll(self, timeout: float | None = -1) -> Message | None:
        messages = self._fetch(1, timeout)
        return messages[0] if messages else None

    def consume(self, num_messages: int = 1, timeout: float | None = -1) -> list[Message]:
        if not 0 <= num_messages <= 1_000_000:
            raise ValueError("num_messages must be between 0 and 1000000 (1M)")
        if num_messages == 0:
            return []
        return self._fetch(num_messages, timeout)

    # -- offsets -----------------------------------------------------------------------------

    def commit(
        self,
        message: Message | None = None,
        offsets: Sequence[TopicPartition] | None = None,
        asynchronous: bool = True,
    ) -> list[TopicPartition] | None:
        self._check_open()
        if message is not None and offsets is not None:
            raise ValueError("Commit takes either message or offsets, not both")
        if message is not None:
            if message.error() is not None:
                raise KafkaException(
                    KafkaError(
                        code("_INVALID_ARG"),
                        f"Cannot commit offsets for message with error: '{message.error().str()}'",
                    )
                )
            to_commit = [(message.topic(), message.partition(), message.offset() + 1)]
            result = [TopicPartition(t, p, o) for t, p, o in to_commit]
        elif offsets is not None:
            to_commit = [(tp.topic, tp.partition, tp.offset) for tp in offsets]
            result = [TopicPartition(t, p, o) for t, p, o in to_commit]
        else:
            read = (
                self._stored
                if not self._auto_store
                else {(t, p): o for t, p, o in self._core.consumed_positions()}
            )
            to_commit = [(t, p, o) for (t, p), o in sorted(read.items())]
            result = [
                TopicPartition(t, p, read.get((t, p), OFFSET_INVALID))
                for t, p in self._core.assignment()
            ]
            if not to_commit:
                error = KafkaError(code("_NO_OFFSET"))
                if not asynchronous:
                    raise KafkaException(error)
                if self._on_commit is not None:
                    self._on_commit(error, [])
                return None
        self._core.commit(to_commit)
        if self._on_commit is not None:
            self._on_commit(None, result)
        return None if asynchronous else result

    def store_offsets(
        self, message: Message | None = None, offsets: Sequence[TopicPartition] | None = None
    ) -> None:
        self._check_open()
        if message is not None:
            pairs = [(message.topic(), message.partition(), message.offset() + 1)]
        else:
            pairs = [(tp.topic, tp.partition, tp.offset) for tp in offsets or ()]
        for topic, partition, offset in pairs:
            self._stored[(topic, partition)] = offset
        if self._auto_commit:
            self._core.commit(pairs)

    def committed(
        self, partitions: Sequence[TopicPartition], timeout: float = -1
    ) -> list[TopicPartition]:
        self._check_open()
        out = []
        for tp in partitions:
            offset = self._core.committed(tp.topic, tp.partition)
            out.append(
                TopicPartition(tp.topic, tp.partition, OFFSET_INVALID if offset is None else offset)
            )
        return out

    def position(self, partitions: Sequence[TopicPartition]) -> list[TopicPartition]:
        self._check_open()
        out = []
        for tp in partitions:
            offset = self._core.position(tp.topic, tp.partition)
            out.append(
                TopicPartition(tp.topic, tp.partition, OFFSET_INVALID if offset is None else offset)
            )
        return out

    def seek(self, partition: TopicPartition) -> None:
        self._check_open()
        self._core.seek(partition.topic, partition.partition, partition.offset)

    def get_watermark_offsets(
        self, partition: TopicPartition, timeout: float | None = None, cached: bool = False
    ) -> tuple[int, int]:
        self._check_open()
        if not self._backends.kafka.has_topic(partition.topic):
            raise KafkaException(KafkaError(code("UNKNOWN_TOPIC_OR_PART")))
        return self._backends.kafka.watermarks(partition.topic, partition.partition)

    def pause(self, partitions: Sequence[TopicPartition]) -> None:
        self._check_open()
        self._core.pause((tp.topic, tp.partition) for tp in partitions)

    def resume(self, partitions: Sequence[TopicPartition]) -> None:
        self._check_open()
        self._core.resume((tp.topic, tp.partition) for tp in partitions)

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> ClusterMetadata:
        self._check_open()
        return _metadata(self._backends, topic, create=False)

    def memberid(self) -> str:
        self._check_open()
        return f"harness-member-{self._core.join_seq}"

    def cluster_id(self, timeout: float = -1) -> str:
        return CLUSTER_ID

    def close(self) -> None:
        if not self._closed:
            self._core.close()
            self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("Consumer closed")


class DeserializingConsumerBase(ConsumerBase):
    """`confluent_kafka.DeserializingConsumer`: deserializers applied to what `poll()` returns."""

    def __init__(self, conf: Mapping[str, Any]) -> None:
        conf, self._key_deserializer, self._value_deserializer = _take_codecs(
            self, conf, "deserializer"
        )
        super().__init__(conf)

    def poll(self, timeout: float | None = -1) -> Message | None:
        msg = super().poll(timeout)
        if msg is None:
            return None
        error = msg.error()
        if error is not None:
            raise ConsumeError(error, kafka_message=msg)
        ctx = SerializationContext(msg.topic(), MessageField.KEY, msg.headers())
        key = msg.key()
        if self._key_deserializer is not None:
            try:
                key = self._key_deserializer(key, ctx)
            except Exception as e:
                raise KeyDeserializationError(exception=e, kafka_message=msg) from e
        value = msg.value()
        if self._value_deserializer is not None:
            ctx.field = MessageField.VALUE
            try:
                value = self._value_deserializer(value, ctx)
            except Exception as e:
                raise ValueDeserializationError(exception=e, kafka_message=msg) from e
        msg.set_key(key)
        msg.set_value(value)
        return msg

    def consume(self, num_messages: int = 1, timeout: float | None = -1) -> list[Message]:
        raise NotImplementedError


# -- AdminClient -----------------------------------------------------------------------------


class NewTopic:
    def __init__(
        self,
        topic: str,
        num_partitions: int = -1,
        replication_factor: int = -1,
        replica_assignment: Any = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        self.topic = topic
        self.num_partitions = num_partitions
        self.replication_factor = replication_factor
        self.replica_assignment = replica_assignment
        self.config = dict(config or {})

    def __repr__(self) -> str:
        return f"NewTopic(topic={self.topic},num_partitions={self.num_partitions})"


class AdminClientBase:
    """`confluent_kafka.admin.AdminClient`: topic creation, deletion and listing only."""

    _backends: Backends

    def __init__(self, conf: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        conf = _conf_dict(conf, kwargs)
        self._backends.clients.record(f"{TOP_LEVEL}.admin", type(self).__name__, conf)
        _check_property_names(conf, _CLIENT_PROPERTIES)

    def create_topics(
        self, new_topics: Sequence[NewTopic], **_: Any
    ) -> dict[str, concurrent.futures.Future]:
        futures: dict[str, concurrent.futures.Future] = {}
        broker = self._backends.kafka
        for new in new_topics:
            future: concurrent.futures.Future = concurrent.futures.Future()
            if broker.has_topic(new.topic):
                future.set_exception(
                    KafkaException(
                        KafkaError(
                            code("TOPIC_ALREADY_EXISTS"), f"Topic '{new.topic}' already exists."
                        )
                    )
                )
            else:
                broker.create_topic(
                    new.topic, None if new.num_partitions < 1 else new.num_partitions
                )
                future.set_result(None)
            futures[new.topic] = future
        return futures

    def delete_topics(
        self, topics: Sequence[str], **_: Any
    ) -> dict[str, concurrent.futures.Future]:
        futures: dict[str, concurrent.futures.Future] = {}
        for topic in topics:
            future: concurrent.futures.Future = concurrent.futures.Future()
            if self._backends.kafka.delete_topic(topic):
                future.set_result(None)
            else:
                future.set_exception(KafkaException(KafkaError(code("UNKNOWN_TOPIC_OR_PART"))))
            futures[topic] = future
        return futures

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> ClusterMetadata:
        return _metadata(self._backends, topic, create=False)


# -- the tree --------------------------------------------------------------------------------


def version() -> tuple[str, int]:
    return types_.VERSION


def libversion() -> tuple[str, int]:
    return types_.LIBVERSION


MODULE_NAMES = (
    "confluent_kafka",
    "confluent_kafka.cimpl",
    "confluent_kafka.serialization",
    "confluent_kafka.error",
    "confluent_kafka.serializing_producer",
    "confluent_kafka.deserializing_consumer",
    "confluent_kafka.admin",
    "confluent_kafka.schema_registry",
    "confluent_kafka.schema_registry.error",
    "confluent_kafka.schema_registry.schema_registry_client",
    "confluent_kafka.schema_registry.avro",
)


def build_tree(backends: Backends) -> ModuleTree:
    """Fresh `confluent_kafka` module objects bound to `backends`."""
    state = {"_backends": backends}
    Producer = bind(ProducerBase, "Producer", state)
    Consumer = bind(ConsumerBase, "Consumer", state)
    SerializingProducer = bind(
        SerializingProducerBase, "SerializingProducer", state, bases=(Producer,)
    )
    DeserializingConsumer = bind(
        DeserializingConsumerBase, "DeserializingConsumer", state, bases=(Consumer,)
    )
    AdminClient = bind(AdminClientBase, "AdminClient", state)
    SchemaRegistryClient = bind(
        sr.SchemaRegistryClientBase,
        "SchemaRegistryClient",
        {"_registry_state": backends.schema_registry, "_clients": backends.clients},
    )

    constants = {
        name: getattr(types_, name)
        for name in (
            "OFFSET_BEGINNING",
            "OFFSET_END",
            "OFFSET_INVALID",
            "OFFSET_STORED",
            "TIMESTAMP_CREATE_TIME",
            "TIMESTAMP_LOG_APPEND_TIME",
            "TIMESTAMP_NOT_AVAILABLE",
        )
    }
    core = {
        "Producer": Producer,
        "Consumer": Consumer,
        "Message": Message,
        "KafkaError": KafkaError,
        "KafkaException": KafkaException,
        "TopicPartition": TopicPartition,
        "version": version,
        "libversion": libversion,
        **constants,
    }
    serialization = {
        name: getattr(types_, name)
        for name in (
            "Deserializer",
            "DoubleDeserializer",
            "DoubleSerializer",
            "IntegerDeserializer",
            "IntegerSerializer",
            "MessageField",
            "SerializationContext",
            "SerializationError",
            "Serializer",
            "StringDeserializer",
            "StringSerializer",
        )
    }
    errors = {
        name: getattr(types_, name)
        for name in (
            "ConsumeError",
            "KeyDeserializationError",
            "KeySerializationError",
            "ProduceError",
            "SerializationError",
            "ValueDeserializationError",
            "ValueSerializationError",
        )
    } | {"KafkaError": KafkaError, "KafkaException": KafkaException}
    registry_client = {
        "SchemaRegistryClient": SchemaRegistryClient,
        "Schema": sr.Schema,
        "RegisteredSchema": sr.RegisteredSchema,
        "SchemaRegistryError": sr.SchemaRegistryError,
    }
    level = Fidelity.FAKE
    modules = {
        "confluent_kafka": new_module(
            "confluent_kafka",
            core
            | {
                "SerializingProducer": SerializingProducer,
                "DeserializingConsumer": DeserializingConsumer,
            },
            package=True,
            level=level,
            doc="harness fake of confluent_kafka (in-memory broker)",
        ),
        "confluent_kafka.cimpl": new_module(
            "confluent_kafka.cimpl", core, package=False, level=level
        ),
        "confluent_kafka.serialization": new_module(
            "confluent_kafka.serialization", serialization, package=True, level=level
        ),
        "confluent_kafka.error": new_module(
            "confluent_kafka.error", errors, package=False, level=level
        ),
        "confluent_kafka.serializing_producer": new_module(
            "confluent_kafka.serializing_producer",
            {"SerializingProducer": SerializingProducer},
            package=False,
            level=level,
        ),
        "confluent_kafka.deserializing_consumer": new_module(
            "confluent_kafka.deserializing_consumer",
            {"DeserializingConsumer": DeserializingConsumer},
            package=False,
            level=level,
        ),
        "confluent_kafka.admin": new_module(
            "confluent_kafka.admin",
            {
                "AdminClient": AdminClient,
                "NewTopic": NewTopic,
                "ClusterMetadata": types_.ClusterMetadata,
                "TopicMetadata": types_.TopicMetadata,
                "PartitionMetadata": types_.PartitionMetadata,
                "BrokerMetadata": types_.BrokerMetadata,
            },
            package=True,
            level=level,
        ),
        "confluent_kafka.schema_registry": new_module(
            "confluent_kafka.schema_registry",
            registry_client
            | {
                "topic_subject_name_strategy": sr.topic_subject_name_strategy,
                "topic_record_subject_name_strategy": sr.topic_record_subject_name_strategy,
                "record_subject_name_strategy": sr.record_subject_name_strategy,
                "MessageField": MessageField,
                "SerializationContext": SerializationContext,
                "SerializationError": types_.SerializationError,
            },
            package=True,
            level=level,
        ),
        "confluent_kafka.schema_registry.error": new_module(
            "confluent_kafka.schema_registry.error",
            {"SchemaRegistryError": sr.SchemaRegistryError},
            package=False,
            level=level,
        ),
        "confluent_kafka.schema_registry.schema_registry_client": new_module(
            "confluent_kafka.schema_registry.schema_registry_client",
            registry_client,
            package=False,
            level=level,
        ),
        "confluent_kafka.schema_registry.avro": new_module(
            "confluent_kafka.schema_registry.avro",
            {
                "AvroSerializer": sr.AvroSerializer,
                "AvroDeserializer": sr.AvroDeserializer,
                "SerializationContext": SerializationContext,
                "SchemaRegistryClient": SchemaRegistryClient,
                "Schema": sr.Schema,
            },
            package=False,
            level=level,
        ),
    }
    return ModuleTree(
        TOP_LEVEL,
        level,
        modules,
        lazy={confluent_avro.PACKAGE: lambda: confluent_avro.build(modules, backends)},
    )
