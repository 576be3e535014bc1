"""The providers the integrations registry hands out, the stub level, and the cost of importing
the fakes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.fakes.backends import Backends
from harness.fakes.tree import FIDELITY_ATTRIBUTE
from harness.fidelity import Fidelity
from harness.integrations import packages_at, provider

FAKE, STUB = Fidelity.FAKE, Fidelity.STUB


def test_fake_level_exists_for_the_services_dependencies() -> None:
    assert {"confluent_kafka", "kafka", "pymongo", "requests"} <= set(packages_at(FAKE))


def test_a_package_no_integration_serves_has_no_fake_and_no_wire_level() -> None:
    assert provider("grpc", FAKE) is None
    assert provider("pymongo", Fidelity.WIRE) is None  # mongo's wire level falls back to fake
    with pytest.raises(ValueError, match="'bogus' is not a valid Fidelity"):
        provider("pymongo", "bogus")


def test_requests_fake_keeps_the_real_module() -> None:
    requests_provider = provider("requests")
    assert not requests_provider.replaces_module
    assert requests_provider.build(Backends()).names() == frozenset()


def test_fake_modules_are_marked_with_their_level() -> None:
    tree = provider("confluent_kafka").build(Backends())
    assert all(getattr(tree.module(n), FIDELITY_ATTRIBUTE) == FAKE for n in tree.names())
    assert tree.serves("confluent_kafka.kafkatest") is False
    with pytest.raises(KeyError, match="has no module 'confluent_kafka.kafkatest'"):
        tree.module("confluent_kafka.kafkatest")
    with pytest.raises(KeyError, match="has no module 'confluent_kafka.avro.nothing'"):
        tree.module("confluent_kafka.avro.nothing")


def test_stub_tree_serves_any_submodule_consistently() -> None:
    tree = provider("grpc", STUB).build(Backends())
    channel_module = tree.module("grpc.aio.channel")
    assert tree.module("grpc").aio.channel is channel_module
    assert tree.module("grpc.aio") is tree.module("grpc").aio
    assert tree.module("grpc.aio").__path__ == []
    assert getattr(channel_module, FIDELITY_ATTRIBUTE) == STUB
    assert "grpc.aio.channel" in repr(channel_module.Channel)
    assert not tree.serves("grpcio")


def test_stub_trees_do_not_share_mocks() -> None:
    first = provider("pymongo", STUB).build(Backends())
    second = provider("pymongo", STUB).build(Backends())
    assert first.module("pymongo").MongoClient is not second.module("pymongo").MongoClient


def test_a_stub_names_exception_classes_with_real_classes_an_except_clause_can_catch() -> None:
    psycopg2 = provider("psycopg2", STUB).build(Backends()).module("psycopg2")

    try:
        raise psycopg2.OperationalError("server closed the connection")
    except (psycopg2.Error, psycopg2.OperationalError) as error:
        caught = error

    assert isinstance(caught, psycopg2.OperationalError)
    assert psycopg2.OperationalError is psycopg2.OperationalError
    assert issubclass(psycopg2.extensions.QueryCanceledError, psycopg2.Error)
    assert issubclass(psycopg2.OperationalError, psycopg2.Error)
    assert not issubclass(psycopg2.KafkaException, psycopg2.Error)
    assert issubclass(psycopg2.DataWarning, Warning)
    assert not isinstance(psycopg2.ErrorHandler, type)  # only names that read as exceptions


def test_importing_the_fakes_registry_loads_no_heavy_library() -> None:
    code = (
        "import sys, harness.fakes, harness.fakes.backends, harness.fakes.stop, harness.plugin;"
        "from harness.integrations import all_integrations, packages_reaching_backends;"
        "all_integrations(); packages_reaching_backends();"
        "heavy = [m for m in ('fastavro', 'mongomock', 'pymongo', 'responses', 'requests',"
        " 'confluent_kafka', 'kafka', 'harness.fakes.confluent') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
