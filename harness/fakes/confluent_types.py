"""The stateless part of the confluent-kafka fake: errors, messages, partitions, serializers.

These classes hold no broker state, so one definition serves every module tree built by
`harness.fakes.confluent`. Their behaviour follows confluent-kafka 2.16.0 (codes, names and
messages of `KafkaError`, `TopicPartition` equality on topic and partition only, `Message`
constructor keywords, the serialization and error class hierarchy), checked against the real
library; where the real one is C code the reference is its observable behaviour.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from enum import Enum
from typing import Any

from harness.fakes._kafka_error_codes import ERROR_CODES, NAMES_BY_CODE, code
from harness.fakes.kafka_broker import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_INVALID,
    OFFSET_STORED,
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    TIMESTAMP_NOT_AVAILABLE,
)

__all__ = [
    "OFFSET_BEGINNING",
    "OFFSET_END",
    "OFFSET_INVALID",
    "OFFSET_STORED",
    "TIMESTAMP_CREATE_TIME",
    "TIMESTAMP_LOG_APPEND_TIME",
    "TIMESTAMP_NOT_AVAILABLE",
    "ConsumeError",
    "Deserializer",
    "DoubleDeserializer",
    "DoubleSerializer",
    "IntegerDeserializer",
    "IntegerSerializer",
    "KafkaError",
    "KafkaException",
    "KeyDeserializationError",
    "KeySerializationError",
    "Message",
    "MessageField",
    "ProduceError",
    "SerializationContext",
    "SerializationError",
    "Serializer",
    "StringDeserializer",
    "StringSerializer",
    "TopicPartition",
    "ValueDeserializationError",
    "ValueSerializationError",
]

VERSION = ("2.16.0", 0x02100000)
LIBVERSION = ("2.16.0", 0x021000FF)


class KafkaError:
    """An error or event: a librdkafka code with a reason (class attributes name every code)."""

    __slots__ = ("_code", "_fatal", "_reason", "_retriable", "_txn_requires_abort")

    def __init__(
        self,
        error: int,
        reason: str | None = None,
        fatal: bool = False,
        retriable: bool = False,
        txn_requires_abort: bool = False,
    ) -> None:
        if isinstance(error, KafkaError):
            error = error.code()
        if not isinstance(error, int) or isinstance(error, bool):
            raise TypeError(f"'{type(error).__name__}' object cannot be interpreted as an integer")
        self._code = error
        self._reason = reason
        self._fatal = bool(fatal)
        self._retriable = bool(retriable)
        self._txn_requires_abort = bool(txn_requires_abort)

    def code(self) -> int:
        return self._code

    def name(self) -> str:
        return NAMES_BY_CODE.get(self._code, f"ERR_{self._code}?")

    def str(self) -> str:
        if self._reason is not None:
            return self._reason
        name = NAMES_BY_CODE.get(self._code)
        return ERROR_CODES[name][1] if name else f"Err-{self._code}?"

    def fatal(self) -> bool:
        return self._fatal

    def retriable(self) -> bool:
        return self._retriable

    def txn_requires_abort(self) -> bool:
        return self._txn_requires_abort

    def __str__(self) -> str:
        flags = "FATAL," if self._fatal else ""
        return f'KafkaError{{{flags}code={self.name()},val={self._code},str="{self.str()}"}}'

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KafkaError):
            return self._code == other._code
        if isinstance(other, int):
            return self._code == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._code)


for _name, (_code, _description) in ERROR_CODES.items():
    setattr(KafkaError, _name, _code)
del _name, _code, _description


class KafkaException(Exception):
    """Raised for Kafka errors; `args[0]` is the `KafkaError` (or whatever was passed)."""

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class TopicPartition:
    """A topic, a partition and an offset; equal (and hashed) on topic and partition only."""

    __slots__ = ("error", "leader_epoch", "metadata", "offset", "partition", "topic")

    def __init__(
        self,
        topic: str,
        partition: int = -1,
        offset: int = OFFSET_INVALID,
        metadata: str | None = None,
        leader_epoch: int | None = None,
    ) -> None:
        if not isinstance(topic, str):
            raise TypeError(f"Topic must be a str, not {type(topic).__name__}")
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.metadata = metadata
        self.leader_epoch = leader_epoch
        self.error: KafkaError | None = None

    def __repr__(self) -> str:
        return (
            f"TopicPartition{{topic={self.topic},partition={self.partition},offset={self.offset},"
            f"leader_epoch={self.leader_epoch},error={self.error}}}"
        )

    __str__ = __repr__

    def _key(self) -> tuple[str, int]:
        return (self.topic, self.partition)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: TopicPartition) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class Message:
    """A consumed or delivered message, or an event when `error()` is not None.

    Instantiable with the real constructor's keywords (the real class allows it "for testing").
    """

    __slots__ = (
        "_error",
        "_headers",
        "_key",
        "_latency",
        "_leader_epoch",
        "_offset",
        "_partition",
        "_timestamp",
        "_topic",
        "_value",
    )

    def __init__(
        self,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: Any = None,
        value: Any = None,
        headers: list[tuple[str, bytes | None]] | None = None,
        error: KafkaError | None = None,
        timestamp: tuple[int, int] | None = None,
        latency: float | None = None,
        leader_epoch: int | None = None,
    ) -> None:
        self._topic = topic
        self._partition = partition
        self._offset = offset
        self._key = key
        self._value = value
        self._headers = headers
        self._error = error
        self._timestamp = (TIMESTAMP_NOT_AVAILABLE, 0) if timestamp is None else timestamp
        self._latency = latency
        self._leader_epoch = leader_epoch

    def topic(self) -> str | None:
        return self._topic

    def partition(self) -> int | None:
        return self._partition

    def offset(self) -> int | None:
        return self._offset

    def key(self) -> Any:
        return self._key

    def value(self) -> Any:
        return self._value

    def deserialized_key(self) -> Any:
        return self._key

    def deserialized_value(self) -> Any:
        return self._value

    def headers(self) -> list[tuple[str, bytes | None]] | None:
        return self._headers

    def error(self) -> KafkaError | None:
        return self._error

    def timestamp(self) -> tuple[int, int]:
        return self._timestamp

    def latency(self) -> float | None:
        return self._latency

    def leader_epoch(self) -> int | None:
        return self._leader_epoch

    def delivery_count(self) -> int | None:
        return None

    def set_key(self, key: Any) -> None:
        self._key = key

    def set_value(self, value: Any) -> None:
        self._value = value

    def set_headers(self, headers: list[tuple[str, bytes | None]] | None) -> None:
        self._headers = headers

    def set_topic(self, topic: str) -> None:
        self._topic = topic

    def set_error(self, error: KafkaError | None) -> None:
        self._error = error

    def __len__(self) -> int:
        value = self._value
        return len(value) if isinstance(value, (bytes, str)) else 0

    def __repr__(self) -> str:
        return (
            f"<Message topic={self._topic!r} partition={self._partition} offset={self._offset} "
            f"error={self._error}>"
        )


# -- confluent_kafka.serialization -----------------------------------------------------------


class MessageField(str, Enum):
    NONE = "none"
    KEY = "key"
    VALUE = "value"

    def __str__(self) -> str:
        return str(self.value)


class SerializationContext:
    """What a serializer is told: topic, which field, headers."""

    def __init__(self, topic: str, field: MessageField, headers: Any = None) -> None:
        self.topic = topic
        self.field = field
        self.headers = headers


class SerializationError(KafkaException):
    """Generic error from the serialization package."""


class Serializer:
    """Base class of serializers: `__call__(obj, ctx) -> bytes | None`."""

    __slots__: list[str] = []

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        raise NotImplementedError

    def set_cluster_id_resolver(self, resolver: Callable[[], Any]) -> None:
        pass

    def close(self) -> None:
        pass


class Deserializer:
    """Base class of deserializers: `__call__(value, ctx) -> object`."""

    __slots__: list[str] = []

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        raise NotImplementedError

    def set_cluster_id_resolver(self, resolver: Callable[[], Any]) -> None:
        pass

    def close(self) -> None:
        pass


class _StructSerializer(Serializer):
    _format = ""

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:
            return None
        try:
            return struct.pack(self._format, obj)
        except struct.error as e:
            raise SerializationError(str(e)) from None


class _StructDeserializer(Deserializer):
    _format = ""

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if value is None:
            return None
        try:
            return struct.unpack(self._format, value)[0]
        except struct.error as e:
            raise SerializationError(str(e)) from None


class IntegerSerializer(_StructSerializer):
    _format = ">i"


class IntegerDeserializer(_StructDeserializer):
    _format = ">i"


class DoubleSerializer(_StructSerializer):
    _format = ">d"


class DoubleDeserializer(_StructDeserializer):
    _format = ">d"


class StringSerializer(Serializer):
    __slots__ = ["codec"]

    def __init__(self, codec: str = "utf_8") -> None:
        self.codec = codec

    def __call__(self, obj: str | None, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:
            return None
        try:
            return obj.encode(self.codec)
        except UnicodeError as e:
            raise SerializationError(str(e)) from None


class StringDeserializer(Deserializer):
    __slots__ = ["codec"]

    def __init__(self, codec: str = "utf_8") -> None:
        self.codec = codec

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> str | None:
        if value is None:
            return None
        try:
            return value.decode(self.codec)
        except UnicodeError as e:
            raise SerializationError(str(e)) from None


# -- confluent_kafka.error -------------------------------------------------------------------


class _KafkaClientError(KafkaException):
    def __init__(
        self,
        kafka_error: KafkaError,
        exception: BaseException | None = None,
        kafka_message: Message | None = None,
    ) -> None:
        super().__init__(kafka_error)
        self.exception = exception
        self.kafka_message = kafka_message

    @property
    def code(self) -> int:
        return self.args[0].code()

    @property
    def name(self) -> str:
        return self.args[0].name()


class ConsumeError(_KafkaClientError):
    """An error met while consuming; the message (if any) is in `kafka_message`."""


class KeyDeserializationError(ConsumeError, SerializationError):
    def __init__(
        self, exception: BaseException | None = None, kafka_message: Message | None = None
    ):
        super().__init__(
            KafkaError(code("_KEY_DESERIALIZATION"), str(exception)),
            exception=exception,
            kafka_message=kafka_message,
        )


class ValueDeserializationError(ConsumeError, SerializationError):
    def __init__(
        self, exception: BaseException | None = None, kafka_message: Message | None = None
    ):
        super().__init__(
            KafkaError(code("_VALUE_DESERIALIZATION"), str(exception)),
            exception=exception,
            kafka_message=kafka_message,
        )


class ProduceError(_KafkaClientError):
    def __init__(self, kafka_error: KafkaError, exception: BaseException | None = None) -> None:
        super().__init__(kafka_error, exception, None)


class KeySerializationError(ProduceError, SerializationError):
    def __init__(self, exception: BaseException | None = None) -> None:
        super().__init__(
            KafkaError(code("_KEY_SERIALIZATION"), str(exception)),
            exception=exception,
        )


class ValueSerializationError(ProduceError, SerializationError):
    def __init__(self, exception: BaseException | None = None) -> None:
        super().__init__(
            KafkaError(code("_VALUE_SERIALIZATION"), str(exception)),
            exception=exception,
        )


# -- confluent_kafka.admin metadata ----------------------------------------------------------


class BrokerMetadata:
    def __init__(self, broker_id: int = 1, host: str = "127.0.0.1", port: int = 9092) -> None:
        self.id = broker_id
        self.host = host
        self.port = port

    def __repr__(self) -> str:
        return f"BrokerMetadata({self.id}, {self.host}:{self.port})"


class PartitionMetadata:
    def __init__(self, partition_id: int, leader: int = 1) -> None:
        self.id = partition_id
        self.leader = leader
        self.replicas = [leader]
        self.isrs = [leader]
        self.error: KafkaError | None = None

    def __repr__(self) -> str:
        return f"PartitionMetadata({self.id})"


class TopicMetadata:
    def __init__(self, topic: str, partitions: int, error: KafkaError | None = None) -> None:
        self.topic = topic
        self.partitions = {p: PartitionMetadata(p) for p in range(partitions)}
        self.error = error

    def __repr__(self) -> str:
        return f"TopicMetadata({self.topic}, {len(self.partitions)} partitions)"


class ClusterMetadata:
    def __init__(self, topics: dict[str, TopicMetadata], cluster_id: str) -> None:
        self.cluster_id = cluster_id
        self.controller_id = 1
        self.brokers = {1: BrokerMetadata()}
        self.topics = topics
        self.orig_broker_id = 1
        self.orig_broker_name = "127.0.0.1:9092/1"

    def __repr__(self) -> str:
        return f"ClusterMetadata({self.cluster_id})"
