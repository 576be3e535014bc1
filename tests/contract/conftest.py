"""Two backends behind one interface: the in-memory fakes and the real clients on the mock cluster.

A contract scenario gets a `Backend` and uses only what both offer: the client modules
(`ck`, `serialization`, `schema_registry_avro`, `kafka`), the test's own produce/read, drain
mode and the registry URL. The suite runs every scenario on both and compares what it saw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from harness.fakes.stop import ConsumerStopped
from harness.threads import run_inline


@dataclass
class Backend:
    name: str
    ck: Any  # confluent_kafka
    serialization: Any  # confluent_kafka.serialization
    schema_registry: Any  # confluent_kafka.schema_registry
    avro: Any  # confluent_kafka.schema_registry.avro
    kafka: Any  # kafka (kafka-python)
    bootstrap: str
    registry_url: str
    broker: Any  # MockCluster or Broker: produce(), records(), clear(), stop_when_drained()
    registry: Any  # LoopbackRegistry or SchemaRegistry: encode(), decode()
    # confluent_kafka.Consumer without the wire level's additions (no topic creation, no pool)
    plain_consumer: Any
    activate: Callable[[], Any] = field(default=lambda: ExitStack())

    def run(self, body: Callable[[], Any], *, timeout: float = 10.0, **drain: Any) -> Any:
        """Run a legacy consumer loop inline in drain mode; returns the ConsumerStopped (or None)."""
        with self.broker.stop_when_drained(**drain):
            run = run_inline(
                body,
                label="scenario",
                timeout=timeout,
                stop_types=(ConsumerStopped,),
                is_legacy_file=lambda f: False,
            )
        return run.stop


@pytest.fixture(scope="session")
def _fake_backend() -> Backend:
    from harness.fakes import Backends
    from harness.fakes.confluent import build_tree as confluent_tree
    from harness.fakes.kafka_python import build_tree as kafka_tree

    backends = Backends()
    tree = confluent_tree(backends)
    return Backend(
        name="fake",
        ck=tree.module("confluent_kafka"),
        serialization=tree.module("confluent_kafka.serialization"),
        schema_registry=tree.module("confluent_kafka.schema_registry"),
        avro=tree.module("confluent_kafka.schema_registry.avro"),
        kafka=kafka_tree(backends).module("kafka"),
        bootstrap="127.0.0.1:9092",
        registry_url="http://127.0.0.1:8081",
        broker=backends.kafka,
        registry=backends.schema_registry,
        plain_consumer=tree.module("confluent_kafka").Consumer,
    )


@pytest.fixture(scope="session")
def _real_backend() -> Iterator[Backend]:
    import confluent_kafka
    import confluent_kafka.schema_registry
    import confluent_kafka.schema_registry.avro
    import confluent_kafka.serialization
    import kafka

    from harness.wire import confluent as wire_confluent
    from harness.wire import kafka_python as wire_kafka_python
    from harness.wire.kafka import MockCluster
    from harness.wire.registry import LoopbackRegistry

    cluster = MockCluster.start()
    registry = LoopbackRegistry.start()

    @contextmanager
    def activate() -> Iterator[None]:
        with wire_confluent.clients_on(cluster), wire_kafka_python.clients_on(cluster):
            yield

    yield Backend(
        name="real",
        ck=confluent_kafka,
        serialization=confluent_kafka.serialization,
        schema_registry=confluent_kafka.schema_registry,
        avro=confluent_kafka.schema_registry.avro,
        kafka=kafka,
        bootstrap=cluster.bootstrap_servers,
        registry_url=registry.url,
        broker=cluster,
        registry=registry,
        plain_consumer=confluent_kafka.Consumer,  # taken before any wire class is swapped in
        activate=activate,
    )
    cluster.close()
    registry.stop()


@pytest.fixture
def backends(_fake_backend: Backend, _real_backend: Backend) -> Iterator[SimpleNamespace]:
    """Both backends, emptied, with the real one's wire clients active for the test."""
    _fake_backend.broker.clear()
    _real_backend.broker.clear()
    with _real_backend.activate():
        yield SimpleNamespace(fake=_fake_backend, real=_real_backend)
