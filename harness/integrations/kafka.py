"""Kafka: `confluent_kafka` and `kafka` (kafka-python), with Confluent's Schema Registry.

| level  | what serves them                                                                      |
|--------|---------------------------------------------------------------------------------------|
| `fake` | an in-memory broker (`harness.fakes.kafka_broker.Broker`) behind module trees shaped  |
|        | like each library, and an in-memory Schema Registry with real Avro encoding; the      |
|        | legacy `confluent_kafka.avro` is the package's own code over them                     |
|        | (`harness.fakes.confluent_avro`)                                                      |
| `wire` | the real clients against librdkafka's mock cluster, and a Schema Registry REST API on |
|        | loopback serving the fake registry's store                                            |

Fixture `kafka` (`harness.fixtures.KafkaFixture`): produce to and read the topics the services
use. The broker's topics are emptied before each test; registered schemas stay (a serializer
caches the id it registered at import, like code).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire, WireBackend

if TYPE_CHECKING:
    from harness.analysis.model import EnvRead

KAFKA_WORDS = ("KAFKA", "BROKER", "BOOTSTRAP")
REGISTRY_WORDS = ("REGISTRY", "SCHEMA")


def _broker(options: Mapping[str, Any]) -> Any:
    from harness.fakes.kafka_broker import Broker

    return Broker(
        topics=options.get("kafka_topics", ()),
        default_partitions=options.get("default_partitions", 1),
    )


def _registry(options: Mapping[str, Any]) -> Any:
    from harness.fakes.schema_registry import SchemaRegistry

    return SchemaRegistry()


def _start_cluster(fake: Any) -> Any:
    from harness.wire.kafka import MockCluster

    return MockCluster.start()


def _start_registry(fake: Any) -> Any:
    from harness.wire.registry import LoopbackRegistry

    # The fake's store: a service at `fake` and one at `wire` see the same schemas.
    return LoopbackRegistry.start(fake.schema_registry)


def _prepare(package: str, wire: Any) -> None:
    if package == "confluent_kafka":
        import harness.wire.confluent

        wire.get("registry")
    else:
        import harness.wire.kafka_python  # noqa: F401  (imports the real kafka-python)
    wire.get("cluster")


def _env_value(package: str, read: EnvRead, wire: Any) -> str | None:
    from harness.wire.source import address

    name = read.name.upper()
    if any(word in name for word in KAFKA_WORDS):
        cluster = wire.get("cluster")
        return address(name, read.use, cluster.host, cluster.port, cluster.bootstrap_servers)
    if package == "confluent_kafka" and any(word in name for word in REGISTRY_WORDS):
        registry = wire.get("registry")
        port = int(registry.url.rsplit(":", 1)[1])
        return address(name, read.use, "127.0.0.1", port, registry.url, url=True)
    return None


def _activate(package: str, wire: Any) -> AbstractContextManager[object]:
    if package == "confluent_kafka":
        from harness.wire.confluent import clients_on
    else:
        from harness.wire.kafka_python import clients_on
    return clients_on(wire.get("cluster"))


INTEGRATION = Integration(
    name="kafka",
    packages=("confluent_kafka", "kafka"),
    providers={
        Fidelity.FAKE: {
            "confluent_kafka": Provider(
                "confluent_kafka",
                Fidelity.FAKE,
                "harness.fakes.confluent:build_tree",
                description="in-memory broker and schema registry, real Avro encoding",
            ),
            "kafka": Provider(
                "kafka",
                Fidelity.FAKE,
                "harness.fakes.kafka_python:build_tree",
                description="kafka-python shape over the same in-memory broker",
            ),
        }
    },
    backends=(
        Backend("kafka", _broker, reset=lambda broker: broker.clear(), wire="cluster"),
        Backend("schema_registry", _registry, wire="registry"),
    ),
    wire=Wire(
        packages=("confluent_kafka", "kafka"),
        backends=(
            WireBackend(
                "cluster",
                _start_cluster,
                reset=lambda cluster: cluster.clear(),
                close=lambda cluster: cluster.close(),
            ),
            WireBackend("registry", _start_registry, close=lambda registry: registry.stop()),
        ),
        prepare=_prepare,
        env_value=_env_value,
        activate=_activate,
    ),
    fixture="harness.fixtures:KafkaFixture",
    description="Kafka (confluent-kafka, kafka-python) and Confluent Schema Registry",
)
