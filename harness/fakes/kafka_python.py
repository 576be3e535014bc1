"""A `kafka` (kafka-python)-shaped package tree over the same in-memory broker.

`build_tree(backends)` returns fresh module objects (`kafka`, `kafka.errors`, `kafka.structs`,
`kafka.consumer`, `kafka.consumer.group`, `kafka.consumer.fetcher`, `kafka.producer`,
`kafka.producer.future`, `kafka.serializer`, `kafka.admin`, `kafka.version`) bound to
`backends.kafka` and `backends.clients`. Behaviour follows kafka-python 2.3.3:

- `KafkaConsumer(*topics, **configs)`: unknown config keys raise `KafkaConfigurationError`
  ("Unrecognized configs"); `group_id=None` means no group and no commits;
  `auto_offset_reset` "latest" by default ("smallest"/"largest" accepted); `enable_auto_commit`;
  `key_deserializer` / `value_deserializer` applied (their exceptions propagate unwrapped, and
  the position stays on that record: it is handed out again, also to the group's next consumer
  once this one is closed).
  Iterating yields `ConsumerRecord` namedtuples (13 fields, headers `[]` when none) and blocks
  until a record arrives, or raises `StopIteration` after `consumer_timeout_ms` (in the test's
  own thread, a drained log raises `ConsumerWouldHang` instead: see `Broker.watch_thread`).
  `poll(timeout_ms=0, max_records=None)` returns `{TopicPartition: [ConsumerRecord, ...]}`.
  A subscription to a missing topic waits silently (no error event, unlike librdkafka).
- `KafkaProducer(**configs)`: `send(topic, value=None, key=None, headers=None,
  partition=None, timestamp_ms=None)` applies the serializers, asserts bytes as the real one
  does, and returns a `FutureRecordMetadata` already resolved with `RecordMetadata`
  (callbacks added later run at once); `flush()`, `close()`.
- `kafka.errors` holds the commonly caught classes with the real names, bases and `errno`s,
  not the full table.

In drain mode (`Broker.stop_when_drained`, an inline run) a partition the consumer has no
committed offset and no position on starts at the beginning of the test's log, whatever
`auto_offset_reset` says (the harness's rule, see `harness.fakes.kafka_broker`), and iteration
and `poll()` raise `harness.fakes.stop.ConsumerStopped` once nothing is left.
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from harness.fakes.kafka_broker import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_STORED,
    TIMESTAMP_LOG_APPEND_TIME,
    ConsumerEvent,
    EventKind,
    Record,
)
from harness.fakes.tree import ModuleTree, bind, new_module
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "kafka"
VERSION = "2.3.3"

# -- kafka.structs ---------------------------------------------------------------------------

TopicPartition = collections.namedtuple("TopicPartition", ["topic", "partition"])
BrokerMetadata = collections.namedtuple("BrokerMetadata", ["nodeId", "host", "port", "rack"])
PartitionMetadata = collections.namedtuple(
    "PartitionMetadata",
    [
        "topic",
        "partition",
        "leader",
        "leader_epoch",
        "replicas",
        "isr",
        "offline_replicas",
        "error",
    ],
)
OffsetAndMetadata = collections.namedtuple(
    "OffsetAndMetadata", ["offset", "metadata", "leader_epoch"]
)
OffsetAndTimestamp = collections.namedtuple(
    "OffsetAndTimestamp", ["offset", "timestamp", "leader_epoch"]
)

ConsumerRecord = collections.namedtuple(
    "ConsumerRecord",
    [
        "topic",
        "partition",
        "leader_epoch",
        "offset",
        "timestamp",
        "timestamp_type",
        "key",
        "value",
        "headers",
        "checksum",
        "serialized_key_size",
        "serialized_value_size",
        "serialized_header_size",
    ],
)
RecordMetadata = collections.namedtuple(
    "RecordMetadata",
    [
        "topic",
        "partition",
        "topic_partition",
        "offset",
        "timestamp",
        "checksum",
        "serialized_key_size",
        "serialized_value_size",
        "serialized_header_size",
    ],
)

# -- kafka.errors (the commonly caught subset, with the real hierarchy) -----------------------


class KafkaError(RuntimeError):
    retriable = False
    invalid_metadata = False

    def __str__(self) -> str:
        if not self.args:
            return self.__class__.__name__
        return f"{self.__class__.__name__}: {super().__str__()}"

    def __eq__(self, other: object) -> bool:
        return self.__class__ == other.__class__ and self.args == other.args  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # as the real class: __eq__ without __hash__


def _error(name: str, base: type = KafkaError, **attrs: Any) -> type:
    return type(name, (base,), {"__module__": __name__, **attrs})


IllegalArgumentError = _error("IllegalArgumentError")
IllegalStateError = _error("IllegalStateError")
KafkaConfigurationError = _error("KafkaConfigurationError")
KafkaConnectionError = _error("KafkaConnectionError", retriable=True, invalid_metadata=True)
KafkaTimeoutError = _error("KafkaTimeoutError", retriable=True)
NoBrokersAvailable = _error("NoBrokersAvailable", retriable=True, invalid_metadata=True)
NoOffsetForPartitionError = _error("NoOffsetForPartitionError")
CommitFailedError = _error("CommitFailedError")
UnsupportedCodecError = _error("UnsupportedCodecError")
UnrecognizedBrokerVersion = _error("UnrecognizedBrokerVersion")
NodeNotReadyError = _error("NodeNotReadyError", retriable=True)
Cancelled = _error("Cancelled", retriable=True)


class BrokerResponseError(KafkaError):
    errno: int | None = None
    message: str | None = None
    description: str | None = None

    def __str__(self) -> str:
        return f"[Error {self.errno}] {super().__str__()}"


UnknownError = _error("UnknownError", BrokerResponseError, errno=-1, message="UNKNOWN")
OffsetOutOfRangeError = _error(
    "OffsetOutOfRangeError", BrokerResponseError, errno=1, message="OFFSET_OUT_OF_RANGE"
)
UnknownTopicOrPartitionError = _error(
    "UnknownTopicOrPartitionError",
    BrokerResponseError,
    errno=3,
    message="UNKNOWN_TOPIC_OR_PARTITION",
    retriable=True,
    invalid_metadata=True,
)
TopicAlreadyExistsError = _error(
    "TopicAlreadyExistsError", BrokerResponseError, errno=36, message="TOPIC_ALREADY_EXISTS"
)

_BROKER_ERRORS = {
    cls.errno: cls
    for cls in (
        UnknownError,
        OffsetOutOfRangeError,
        UnknownTopicOrPartitionError,
        TopicAlreadyExistsError,
    )
}


def for_code(error_code: int) -> type:
    if error_code in _BROKER_ERRORS:
        return _BROKER_ERRORS[error_code]
    return type("UnrecognizedBrokerError", (UnknownError,), {"errno": error_code})


_ERROR_CLASSES = {
    "KafkaError": KafkaError,
    "BrokerResponseError": BrokerResponseError,
    "IllegalArgumentError": IllegalArgumentError,
    "IllegalStateError": IllegalStateError,
    "KafkaConfigurationError": KafkaConfigurationError,
    "KafkaConnectionError": KafkaConnectionError,
    "KafkaTimeoutError": KafkaTimeoutError,
    "NoBrokersAvailable": NoBrokersAvailable,
    "NoOffsetForPartitionError": NoOffsetForPartitionError,
    "CommitFailedError": CommitFailedError,
    "UnsupportedCodecError": UnsupportedCodecError,
    "UnrecognizedBrokerVersion": UnrecognizedBrokerVersion,
    "NodeNotReadyError": NodeNotReadyError,
    "Cancelled": Cancelled,
    "UnknownError": UnknownError,
    "OffsetOutOfRangeError": OffsetOutOfRangeError,
    "UnknownTopicOrPartitionError": UnknownTopicOrPartitionError,
    "TopicAlreadyExistsError": TopicAlreadyExistsError,
    "for_code": for_code,
}

# -- kafka.serializer ------------------------------------------------------------------------


class Serializer:
    def __init__(self, **config: Any) -> None:
        pass

    def serialize(self, topic: str, value: Any) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Deserializer:
    def __init__(self, **config: Any) -> None:
        pass

    def deserialize(self, topic: str, bytes_: bytes) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


class ConsumerRebalanceListener:
    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        pass


def _apply(serde: Any, topic: str, data: Any, method: str) -> Any:
    """Run a configured (de)serializer as kafka-python does: also for None keys and values."""
    if not serde:
        return data
    if isinstance(serde, (Serializer, Deserializer)):
        return getattr(serde, method)(topic, data)
    return serde(data)


# -- kafka.producer.future -------------------------------------------------------------------


class FutureRecordMetadata:
    """A send's future, already resolved (the fake broker acknowledges at once)."""

    def __init__(self, value: RecordMetadata | None = None, exception: BaseException | None = None):
        self.value = value
        self.exception = exception
        self.is_done = True

    def succeeded(self) -> bool:
        return self.exception is None

    def failed(self) -> bool:
        return self.exception is not None

    def get(self, timeout: float | None = None) -> RecordMetadata:
        if self.exception is not None:
            raise self.exception
        return self.value  # type: ignore[return-value]

    def add_callback(
        self, f: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> FutureRecordMetadata:
        if self.exception is None:
            (functools.partial(f, *args, **kwargs) if args or kwargs else f)(self.value)
        return self

    def add_errback(self, f: Callable[..., Any], *args: Any, **kwargs: Any) -> FutureRecordMetadata:
        if self.exception is not None:
            (functools.partial(f, *args, **kwargs) if args or kwargs else f)(self.exception)
        return self

    def add_both(self, f: Callable[..., Any], *args: Any, **kwargs: Any) -> FutureRecordMetadata:
        self.add_callback(f, *args, **kwargs)
        return self.add_errback(f, *args, **kwargs)


# -- consumer --------------------------------------------------------------------------------

CONSUMER_CONFIG_KEYS = frozenset(
    [
        "allow_auto_create_topics",
        "api_version",
        "api_version_auto_timeout_ms",
        "auto_commit_interval_ms",
        "auto_offset_reset",
        "bootstrap_servers",
        "check_crcs",
        "client_id",
        "connections_max_idle_ms",
        "consumer_timeout_ms",
        "default_offset_commit_callback",
        "enable_auto_commit",
        "enable_incremental_fetch_sessions",
        "exclude_internal_topics",
        "fetch_max_bytes",
        "fetch_max_wait_ms",
        "fetch_min_bytes",
        "group_id",
        "group_instance_id",
        "heartbeat_interval_ms",
        "isolation_level",
        "kafka_client",
        "key_deserializer",
        "max_in_flight_requests_per_connection",
        "max_partition_fetch_bytes",
        "max_poll_interval_ms",
        "max_poll_records",
        "metadata_max_age_ms",
        "metric_group_prefix",
        "metric_reporters",
        "metrics_enabled",
        "metrics_num_samples",
        "metrics_sample_window_ms",
        "partition_assignment_strategy",
        "receive_buffer_bytes",
        "receive_message_max_bytes",
        "reconnect_backoff_max_ms",
        "reconnect_backoff_ms",
        "request_timeout_ms",
        "retry_backoff_ms",
        "sasl_kerberos_domain_name",
        "sasl_kerberos_name",
        "sasl_kerberos_service_name",
        "sasl_mechanism",
        "sasl_oauth_token_provider",
        "sasl_plain_password",
        "sasl_plain_username",
        "security_protocol",
        "selector",
        "send_buffer_bytes",
        "session_timeout_ms",
        "socket_options",
        "socks5_proxy",
        "ssl_cafile",
        "ssl_certfile",
        "ssl_check_hostname",
        "ssl_ciphers",
        "ssl_context",
        "ssl_crlfile",
        "ssl_keyfile",
        "ssl_password",
        "value_deserializer",
    ]
)

PRODUCER_CONFIG_KEYS = frozenset(
    [
        "acks",
        "allow_auto_create_topics",
        "api_version",
        "api_version_auto_timeout_ms",
        "batch_size",
        "bootstrap_servers",
        "bootstrap_topics_filter",
        "client_id",
        "compression_type",
        "connections_max_idle_ms",
        "delivery_timeout_ms",
        "enable_idempotence",
        "kafka_client",
        "key_serializer",
        "linger_ms",
        "max_block_ms",
        "max_in_flight_requests_per_connection",
        "max_request_size",
        "metadata_max_age_ms",
        "metric_reporters",
        "metrics_enabled",
        "metrics_num_samples",
        "metrics_sample_window_ms",
        "partitioner",
        "receive_buffer_bytes",
        "receive_message_max_bytes",
        "reconnect_backoff_max_ms",
        "reconnect_backoff_ms",
        "request_timeout_ms",
        "retries",
        "retry_backoff_ms",
        "sasl_kerberos_domain_name",
        "sasl_kerberos_name",
        "sasl_kerberos_service_name",
        "sasl_mechanism",
        "sasl_oauth_token_provider",
        "sasl_plain_password",
        "sasl_plain_username",
        "security_protocol",
        "selector",
        "send_buffer_bytes",
        "socket_options",
        "socks5_proxy",
        "ssl_cafile",
        "ssl_certfile",
        "ssl_check_hostname",
        "ssl_ciphers",
        "ssl_context",
        "ssl_crlfile",
        "ssl_keyfile",
        "ssl_password",
        "transaction_timeout_ms",
        "transactional_id",
        "value_serializer",
    ]
)


class KafkaConsumerBase:
    """`kafka.KafkaConsumer` over the broker of the module tree it is bound to."""

    _backends: Backends

    def __init__(self, *topics: str, **configs: Any) -> None:
        self._backends.clients.record(TOP_LEVEL, type(self).__name__, configs)
        extra = set(configs).difference(CONSUMER_CONFIG_KEYS)
        if extra:
            raise KafkaConfigurationError(f"Unrecognized configs: {extra}")
        self._group_id = configs.get("group_id")
        reset = configs.get("auto_offset_reset", "latest")
        if reset not in ("earliest", "latest", "none", "smallest", "largest"):
            raise KafkaConfigurationError(f"Invalid auto_offset_reset: {reset!r}")
        self._core = self._backends.kafka.consumer(
            name=f"{type(self).__name__}(group_id={self._group_id!r})",
            group_id=self._group_id,
            auto_offset_reset=reset,
            enable_auto_commit=bool(configs.get("enable_auto_commit", True))
            and self._group_id is not None,
            partition_eof=False,
            report_unknown_topics=False,
        )
        self._key_deserializer = configs.get("key_deserializer")
        self._value_deserializer = configs.get("value_deserializer")
        timeout_ms = configs.get("consumer_timeout_ms", float("inf"))
        self._consumer_timeout = None if timeout_ms == float("inf") else max(timeout_ms, 0) / 1000
        self._max_poll_records = int(configs.get("max_poll_records", 500))
        self._listener: Any = None
        self._manual = False
        self._closed = False
        self.config = {"group_id": self._group_id, "auto_offset_reset": reset, **configs}
        if topics:
            self.subscribe(topics=topics)

    # -- subscription ------------------------------------------------------------------------

    def subscribe(
        self, topics: Iterable[str] = (), pattern: str | None = None, listener: Any = None
    ) -> None:
        topics = list(topics)
        if self._manual:
            raise IllegalStateError(
                "Subscription to topics, partitions and pattern are mutually exclusive"
            )
        if (not topics) == (pattern is None):
            raise IllegalStateError("You must choose topic(s) or pattern, not both (or neither)")
        if pattern is not None:
            re.compile(pattern)
            topics = [pattern if pattern.startswith("^") else "^" + pattern]
        self._core.subscribe(topics)
        self._listener = listener

    def unsubscribe(self) -> None:
        self._core.unsubscribe()
        self._manual = False

    def subscription(self) -> set[str] | None:
        topics = self._core.subscription()
        return set(topics) if topics else None

    def assign(self, partitions: Iterable[TopicPartition]) -> None:
        partitions = list(partitions)
        if self._core.subscription():
            raise IllegalStateError(
                "Subscription to topics, partitions and pattern are mutually exclusive"
            )
        self._core.assign([(tp.topic, tp.partition, OFFSET_STORED) for tp in partitions])
        self._manual = True

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(t, p) for t, p in self._core.assignment()}

    # -- consuming ---------------------------------------------------------------------------

    def _to_record(self, item: Record) -> ConsumerRecord:
        key = _apply(self._key_deserializer, item.topic, item.key, "deserialize")
        value = _apply(self._value_deserializer, item.topic, item.value, "deserialize")
        headers = list(item.headers or [])
        header_size = (
            sum(len(k.encode("utf-8")) + (len(v) if v is not None else 0) for k, v in headers)
            if headers
            else -1
        )
        return ConsumerRecord(
            item.topic,
            item.partition,
            0,
            item.offset,
            item.timestamp,
            1 if item.timestamp_type == TIMESTAMP_LOG_APPEND_TIME else 0,
            key,
            value,
            headers,
            None,
            len(item.key) if item.key is not None else -1,
            len(item.value) if item.value is not None else -1,
            header_size,
        )

    def _fetch(self, max_records: int, timeout: float | None) -> list[ConsumerRecord]:
        if self._closed:
            raise IllegalStateError("KafkaConsumer is closed")
        if not self._core.assignment() and not self._core.subscription():
            raise IllegalStateError(
                "You must subscribe to topics or assign partitions before polling"
            )
        records = []
        items = self._core.fetch(max_records, timeout)
        for index, item in enumerate(items):
            if isinstance(item, ConsumerEvent):
                if item.kind is EventKind.OFFSET_RESET_ERROR:
                    raise NoOffsetForPartitionError(TopicPartition(item.topic, item.partition))
                continue
            try:
                records.append(self._to_record(item))
            except Exception:
                # As kafka-python: the position stays on a record whose deserializer raised, so
                # it comes back at the next fetch, and a consumer of the same group built after
                # close() resumes at it. Records deserialized before it are returned first.
                self._give_back(items[index:])
                if records:
                    return records
                raise
        return records

    def _give_back(self, items: list[Record | ConsumerEvent]) -> None:
        rewound: set[tuple[str, int]] = set()
        for item in items:
            if isinstance(item, Record) and (item.topic, item.partition) not in rewound:
                rewound.add((item.topic, item.partition))
                self._core.seek(item.topic, item.partition, item.offset)

    def poll(
        self, timeout_ms: int = 0, max_records: int | None = None, update_offsets: bool = True
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        records = self._fetch(max_records or self._max_poll_records, max(timeout_ms, 0) / 1000)
        out: dict[TopicPartition, list[ConsumerRecord]] = {}
        for record in records:
            out.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        return out

    def __iter__(self) -> KafkaConsumerBase:
        return self

    def __next__(self) -> ConsumerRecord:
        records = self._fetch(1, self._consumer_timeout)
        if not records:
            raise StopIteration
        return records[0]

    # -- offsets -----------------------------------------------------------------------------

    def commit(self, offsets: Mapping[TopicPartition, Any] | None = None) -> None:
        assert self._group_id is not None, "Requires group_id"
        if offsets is None:
            pairs = self._core.consumed_positions()
        else:
            pairs = [
                (tp.topic, tp.partition, getattr(meta, "offset", meta))
                for tp, meta in offsets.items()
            ]
        self._core.commit(pairs)

    def commit_async(
        self,
        offsets: Mapping[TopicPartition, Any] | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> FutureRecordMetadata:
        self.commit(offsets)
        if callback is not None:
            callback(offsets, None)
        return FutureRecordMetadata(None)

    def committed(self, partition: TopicPartition, metadata: bool = False) -> Any:
        assert self._group_id is not None, "Requires group_id"
        offset = self._core.committed(partition.topic, partition.partition)
        if offset is None or not metadata:
            return offset
        return OffsetAndMetadata(offset, "", -1)

    def position(self, partition: TopicPartition, timeout_ms: int | None = None) -> int | None:
        if not isinstance(partition, TopicPartition):
            raise TypeError("partition must be a TopicPartition namedtuple")
        return self._core.resolve_position(partition.topic, partition.partition)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        if offset < 0:
            raise ValueError("offset must be >= 0")
        self._core.seek(partition.topic, partition.partition, offset)

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions or self.assignment():
            self._core.seek(tp.topic, tp.partition, OFFSET_BEGINNING)

    def seek_to_end(self, *partitions: TopicPartition) -> None:
        for tp in partitions or self.assignment():
            self._core.seek(tp.topic, tp.partition, OFFSET_END)

    def beginning_offsets(self, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self._backends.kafka.watermarks(tp.topic, tp.partition)[0] for tp in partitions}

    def end_offsets(self, partitions: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self._backends.kafka.watermarks(tp.topic, tp.partition)[1] for tp in partitions}

    def highwater(self, partition: TopicPartition) -> int | None:
        return self._backends.kafka.watermarks(partition.topic, partition.partition)[1]

    def pause(self, *partitions: TopicPartition) -> None:
        self._core.pause((tp.topic, tp.partition) for tp in partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._core.resume((tp.topic, tp.partition) for tp in partitions)

    def paused(self) -> set[TopicPartition]:
        return {TopicPartition(t, p) for t, p in self._core._paused}

    # -- metadata and lifecycle --------------------------------------------------------------

    def topics(self) -> set[str]:
        return set(self._backends.kafka.topics())

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        count = self._backends.kafka.partition_count(topic)
        return None if count is None else set(range(count))

    def bootstrap_connected(self) -> bool:
        return True

    def metrics(self, raw: bool = False) -> dict[str, Any]:
        return {}

    def close(self, autocommit: bool = True, timeout_ms: int | None = None) -> None:
        if self._closed:
            return
        if not autocommit:
            self._core.enable_auto_commit = False
        self._core.close()
        self._closed = True


# -- producer --------------------------------------------------------------------------------


class KafkaProducerBase:
    """`kafka.KafkaProducer` over the broker of the module tree it is bound to."""

    _backends: Backends

    def __init__(self, **configs: Any) -> None:
        self._backends.clients.record(TOP_LEVEL, type(self).__name__, configs)
        extra = set(configs).difference(PRODUCER_CONFIG_KEYS)
        assert not extra, f"Unrecognized configs: { {k: configs[k] for k in extra} }"
        self._key_serializer = configs.get("key_serializer")
        self._value_serializer = configs.get("value_serializer")
        self._closed = False
        self.config = dict(configs)

    def send(
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> FutureRecordMetadata:
        assert not self._closed, "KafkaProducer already closed!"
        assert not (value is None and key is None), "Need at least one: key or value"
        key_bytes = _apply(self._key_serializer, topic, key, "serialize")
        value_bytes = _apply(self._value_serializer, topic, value, "serialize")
        assert type(key_bytes) in (bytes, bytearray, memoryview, type(None))
        assert type(value_bytes) in (bytes, bytearray, memoryview, type(None))
        if headers is not None:
            for item in headers:
                assert isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str), (
                    "headers must be a list of (str, bytes) tuples"
                )
        record = self._backends.kafka.produce(
            topic,
            None if value_bytes is None else bytes(value_bytes),
            None if key_bytes is None else bytes(key_bytes),
            headers=headers if headers else None,
            partition=partition,
            timestamp=timestamp_ms,
        )
        header_size = (
            sum(
                len(k.encode("utf-8")) + (len(v) if v is not None else 0) for k, v in record.headers
            )
            if record.headers
            else -1
        )
        return FutureRecordMetadata(
            RecordMetadata(
                record.topic,
                record.partition,
                TopicPartition(record.topic, record.partition),
                record.offset,
                record.timestamp,
                None,
                len(record.key) if record.key is not None else -1,
                len(record.value) if record.value is not None else -1,
                header_size,
            )
        )

    def flush(self, timeout: float | None = None) -> None:
        pass  # every send is acknowledged at once

    def close(self, timeout: float | None = None, null_logger: bool = False) -> None:
        self._closed = True

    def partitions_for(self, topic: str) -> set[int]:
        self._backends.kafka.auto_create_topic(topic)
        return set(range(self._backends.kafka.partition_count(topic) or 0))

    def bootstrap_connected(self) -> bool:
        return True

    def metrics(self, raw: bool = False) -> dict[str, Any]:
        return {}


# -- admin -----------------------------------------------------------------------------------


class NewTopic:
    def __init__(
        self,
        name: str,
        num_partitions: int = -1,
        replication_factor: int = -1,
        replica_assignments: Any = None,
        topic_configs: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.num_partitions = num_partitions
        self.replication_factor = replication_factor
        self.replica_assignments = replica_assignments or {}
        self.topic_configs = dict(topic_configs or {})


class KafkaAdminClientBase:
    """`kafka.KafkaAdminClient`: create, delete and list topics."""

    _backends: Backends

    def __init__(self, **configs: Any) -> None:
        self._backends.clients.record(TOP_LEVEL, type(self).__name__, configs)

    def create_topics(
        self,
        new_topics: Iterable[NewTopic],
        timeout_ms: int | None = None,
        validate_only: bool = False,
    ) -> None:
        for new in new_topics:
            if self._backends.kafka.has_topic(new.name):
                raise TopicAlreadyExistsError(f"Topic '{new.name}' already exists.")
            if not validate_only:
                self._backends.kafka.create_topic(
                    new.name, None if new.num_partitions < 1 else new.num_partitions
                )

    def delete_topics(self, topics: Iterable[str], timeout_ms: int | None = None) -> None:
        for topic in topics:
            if not self._backends.kafka.delete_topic(topic):
                raise UnknownTopicOrPartitionError(topic)

    def list_topics(self) -> list[str]:
        return self._backends.kafka.topics()

    def close(self) -> None:
        pass


# -- the tree --------------------------------------------------------------------------------


def build_tree(backends: Backends) -> ModuleTree:
    """Fresh `kafka` (kafka-python) module objects bound to `backends`."""
    state = {"_backends": backends}
    KafkaConsumer = bind(KafkaConsumerBase, "KafkaConsumer", state)
    KafkaProducer = bind(KafkaProducerBase, "KafkaProducer", state)
    KafkaAdminClient = bind(KafkaAdminClientBase, "KafkaAdminClient", state)
    structs = {
        "TopicPartition": TopicPartition,
        "BrokerMetadata": BrokerMetadata,
        "PartitionMetadata": PartitionMetadata,
        "OffsetAndMetadata": OffsetAndMetadata,
        "OffsetAndTimestamp": OffsetAndTimestamp,
    }
    level = Fidelity.FAKE

    def module(name: str, attrs: dict[str, Any], package: bool = False) -> Any:
        return new_module(name, attrs, package=package, level=level)

    modules = {
        "kafka": module(
            "kafka",
            {
                "KafkaConsumer": KafkaConsumer,
                "KafkaProducer": KafkaProducer,
                "KafkaAdminClient": KafkaAdminClient,
                "TopicPartition": TopicPartition,
                "OffsetAndMetadata": OffsetAndMetadata,
                "Serializer": Serializer,
                "Deserializer": Deserializer,
                "ConsumerRebalanceListener": ConsumerRebalanceListener,
                "__version__": VERSION,
            },
            package=True,
        ),
        "kafka.version": module("kafka.version", {"__version__": VERSION}),
        "kafka.errors": module("kafka.errors", dict(_ERROR_CLASSES)),
        "kafka.structs": module("kafka.structs", structs),
        "kafka.serializer": module(
            "kafka.serializer",
            {"Serializer": Serializer, "Deserializer": Deserializer},
            package=True,
        ),
        "kafka.consumer": module("kafka.consumer", {"KafkaConsumer": KafkaConsumer}, package=True),
        "kafka.consumer.group": module("kafka.consumer.group", {"KafkaConsumer": KafkaConsumer}),
        "kafka.consumer.fetcher": module(
            "kafka.consumer.fetcher", {"ConsumerRecord": ConsumerRecord}
        ),
        "kafka.consumer.subscription_state": module(
            "kafka.consumer.subscription_state",
            {"ConsumerRebalanceListener": ConsumerRebalanceListener},
        ),
        "kafka.producer": module("kafka.producer", {"KafkaProducer": KafkaProducer}, package=True),
        "kafka.producer.future": module(
            "kafka.producer.future",
            {"FutureRecordMetadata": FutureRecordMetadata, "RecordMetadata": RecordMetadata},
        ),
        "kafka.admin": module(
            "kafka.admin",
            {"KafkaAdminClient": KafkaAdminClient, "NewTopic": NewTopic},
            package=True,
        ),
    }
    return ModuleTree(TOP_LEVEL, level, modules)
