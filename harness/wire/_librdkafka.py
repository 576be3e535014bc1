"""librdkafka's mock cluster API (`rd_kafka_mock_*`), reached through ctypes.

confluent-kafka-python starts a mock cluster when a client is configured with
`test.mock.num.brokers`, but exposes none of its controls. Three of them make the wire level
honest and fast, and only the C API has them:

* `rd_kafka_mock_topic_create`: create a topic the way an operator would before the service
  starts (`AdminClient.create_topics` times out against the mock cluster);
* `rd_kafka_mock_group_initial_rebalance_delay_ms`: the broker setting
  `group.initial.rebalance.delay.ms`, 3000 ms by default; test brokers set it to 0, which turns a
  3.5 s consumer-group join into about 0.15 s without touching the client's configuration;
* `rd_kafka_mock_partition_delete_records`: move a partition's log start (what retention or
  `DeleteRecords` does), so every test starts on empty topics.

The functions live in the librdkafka that the confluent-kafka wheel bundles, the same shared
object its `cimpl` extension already loaded. Written by hand: no maintained Python package binds
the mock API.
"""

from __future__ import annotations

import ctypes
import glob
import os
from dataclasses import dataclass
from functools import cache

_RD_KAFKA_PRODUCER = 0
_VOID = ctypes.c_void_p

# name -> (restype, argtypes)
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "rd_kafka_conf_new": (_VOID, []),
    "rd_kafka_conf_set": (
        ctypes.c_int,
        [_VOID, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t],
    ),
    "rd_kafka_new": (_VOID, [ctypes.c_int, _VOID, ctypes.c_char_p, ctypes.c_size_t]),
    "rd_kafka_destroy": (None, [_VOID]),
    "rd_kafka_mock_cluster_new": (_VOID, [_VOID, ctypes.c_int]),
    "rd_kafka_mock_cluster_destroy": (None, [_VOID]),
    "rd_kafka_mock_cluster_bootstraps": (ctypes.c_char_p, [_VOID]),
    "rd_kafka_mock_group_initial_rebalance_delay_ms": (None, [_VOID, ctypes.c_int32]),
    "rd_kafka_mock_topic_create": (
        ctypes.c_int,
        [_VOID, ctypes.c_char_p, ctypes.c_int, ctypes.c_int],
    ),
    "rd_kafka_mock_partition_delete_records": (
        ctypes.c_int,
        [_VOID, ctypes.c_char_p, ctypes.c_int32, ctypes.c_int64],
    ),
    "rd_kafka_err2str": (ctypes.c_char_p, [ctypes.c_int]),
}


class MockApiUnavailable(RuntimeError):
    """The bundled librdkafka (or its mock API) could not be found."""


@cache
def library() -> ctypes.CDLL:
    """The librdkafka shared object confluent_kafka loaded, with the mock API's signatures."""
    path = _library_path()
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise MockApiUnavailable(
                f"{path} has no {name}: this librdkafka lacks the mock cluster API"
            ) from None
        function.restype = restype
        function.argtypes = argtypes
    return lib


def _library_path() -> str:
    from confluent_kafka import cimpl  # the extension that links librdkafka

    # Already mapped into the process: the very object cimpl uses (Linux).
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "librdkafka" in line:
                    return line.split()[-1]
    except OSError:
        pass
    # Bundled next to the package by the wheel (auditwheel: confluent_kafka.libs, delocate: .dylibs).
    package_dir = os.path.dirname(os.path.abspath(cimpl.__file__))
    patterns = (
        os.path.join(os.path.dirname(package_dir), "confluent_kafka.libs", "librdkafka*"),
        os.path.join(package_dir, ".dylibs", "librdkafka*"),
        os.path.join(package_dir, "librdkafka*"),
    )
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise MockApiUnavailable(
        "librdkafka was not found next to confluent_kafka (looked in /proc/self/maps and "
        f"{', '.join(patterns)}); the wire level needs the librdkafka bundled with the confluent-kafka wheel"
    )


class MockClusterError(RuntimeError):
    """A mock cluster call returned a Kafka error code."""


@dataclass
class MockClusterHandle:
    """One librdkafka mock cluster on 127.0.0.1, owned by a bare C client handle.

    Not thread-safe by itself; `harness.wire.kafka.MockCluster` serialises the calls.
    """

    _rk: int
    _cluster: int
    bootstrap_servers: str

    @classmethod
    def start(cls, brokers: int = 1, *, initial_rebalance_delay_ms: int = 0) -> MockClusterHandle:
        lib = library()
        conf = lib.rd_kafka_conf_new()
        errstr = ctypes.create_string_buffer(512)
        # The owning handle never connects anywhere: silence its "no bootstrap.servers" notice.
        lib.rd_kafka_conf_set(conf, b"log_level", b"3", errstr, len(errstr))
        rk = lib.rd_kafka_new(_RD_KAFKA_PRODUCER, conf, errstr, len(errstr))
        if not rk:
            raise MockClusterError(f"rd_kafka_new failed: {errstr.value.decode(errors='replace')}")
        cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
        if not cluster:
            lib.rd_kafka_destroy(rk)
            raise MockClusterError("rd_kafka_mock_cluster_new failed")
        lib.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, initial_rebalance_delay_ms)
        bootstrap = lib.rd_kafka_mock_cluster_bootstraps(cluster).decode()
        return cls(rk, cluster, bootstrap)

    def create_topic(self, name: str, partitions: int) -> None:
        code = library().rd_kafka_mock_topic_create(self._cluster, name.encode(), partitions, 1)
        if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS, which is what "ensure" wants
            raise MockClusterError(f"creating topic {name!r}: {_err2str(code)}")

    def delete_records(self, topic: str, partition: int, before_offset: int) -> None:
        code = library().rd_kafka_mock_partition_delete_records(
            self._cluster, topic.encode(), partition, before_offset
        )
        if code != 0:
            raise MockClusterError(
                f"deleting records of {topic!r} [{partition}] before {before_offset}: {_err2str(code)}"
            )

    def destroy(self) -> None:
        if self._cluster:
            lib = library()
            lib.rd_kafka_mock_cluster_destroy(self._cluster)
            lib.rd_kafka_destroy(self._rk)
            self._cluster = self._rk = 0


def _err2str(code: int) -> str:
    text = library().rd_kafka_err2str(code)
    return f"{text.decode() if text else 'error'} (code {code})"
