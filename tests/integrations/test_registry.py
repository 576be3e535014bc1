"""The integrations registry: one module per external system, and the one fidelity type.
(Integrations registered by other distributions: tests/plugin/test_integrations.py.)"""

from __future__ import annotations

import pytest

from harness import integrations
from harness.errors import ConfigError
from harness.fidelity import LEVELS, Fidelity


def test_every_known_package_maps_to_the_integration_module_that_covers_it() -> None:
    table = integrations.packages_reaching_backends()
    assert {
        name: table[name].name for name in ("confluent_kafka", "kafka", "pymongo", "requests")
    } == {
        "confluent_kafka": "kafka",
        "kafka": "kafka",
        "pymongo": "mongo",
        "requests": "http",
    }
    assert {integrations.for_package(p).name for p in ("httpx", "redis", "sentry_sdk")} == {
        "http",
        "redis",
        "sentry",
    }
    assert integrations.for_package("prometheus_client").name == "metrics"
    assert (
        integrations.for_package("confluent_kafka.schema_registry.avro") is table["confluent_kafka"]
    )
    assert integrations.for_package("flask") is None


def test_levels_come_from_the_integration_and_stub_exists_for_every_package() -> None:
    kafka = integrations.by_name("kafka")
    assert kafka.levels("confluent_kafka") == (
        Fidelity.STUB,
        Fidelity.FAKE,
        Fidelity.WIRE,
    )
    assert integrations.by_name("mongo").levels("pymongo") == (
        Fidelity.STUB,
        Fidelity.FAKE,
    )
    assert integrations.provider("anything_at_all", Fidelity.STUB).level is Fidelity.STUB
    assert integrations.packages_at(Fidelity.WIRE) == [
        "confluent_kafka",
        "httpx",
        "kafka",
        "requests",
    ]
    for package in ("redis", "prometheus_client", "sentry_sdk"):  # fake, and fake again at wire
        assert integrations.for_package(package).levels(package) == (Fidelity.STUB, Fidelity.FAKE)
        assert integrations.serves_modules(package, Fidelity.WIRE) is False


def test_the_fidelity_level_is_one_type_read_from_text() -> None:
    assert LEVELS == (Fidelity.STUB, Fidelity.FAKE, Fidelity.WIRE)
    assert Fidelity("wire") is Fidelity.WIRE and Fidelity.FAKE == "fake"
    with pytest.raises(
        ConfigError,
        match=r"^pyproject.toml: fidelity is 'real'; expected one of stub, fake, wire$",
    ):
        Fidelity.parse("real", "pyproject.toml", "fidelity")


def test_known_network_clients_without_an_integration_are_stubbed_at_every_level() -> None:
    from harness.integrations.clients import KNOWN_CLIENTS, SQL_DRIVERS, note

    assert integrations.for_package("psycopg2").name == "known_clients"
    assert all(integrations.serves_modules("pika", level) for level in LEVELS)
    assert integrations.provider("pika", Fidelity.FAKE) is None
    assert note("pika").startswith("pika: a RabbitMQ client with no integration")
    assert note("psycopg2").startswith("psycopg2: a PostgreSQL driver used directly: stubbed")
    assert SQL_DRIVERS < set(KNOWN_CLIENTS)
    # Precision: only clients of one kind of server; general-purpose libraries stay real.
    assert not {"flask", "requests", "sqlalchemy", "celery", "boto3", "google"} & set(KNOWN_CLIENTS)
