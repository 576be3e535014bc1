"""The registry of providers, the stub level, and the cost of importing the fakes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.fakes import FAKE, STUB, fake_packages, provider
from harness.fakes.backends import Backends
from harness.fakes.tree import FIDELITY_ATTRIBUTE


def test_fake_level_exists_for_the_services_dependencies() -> None:
    assert fake_packages() == ["confluent_kafka", "kafka", "pymongo", "requests"]


def test_unknown_fake_names_the_available_ones_and_the_stub_way_out() -> None:
    with pytest.raises(LookupError, match="no 'fake' fake for 'grpc'.*confluent_kafka.*'stub'"):
        provider("grpc", FAKE)
    with pytest.raises(ValueError, match="unknown fidelity level 'wire'"):
        provider("pymongo", "wire")


def test_requests_fake_keeps_the_real_module() -> None:
    requests_provider = provider("requests")
    assert not requests_provider.replaces_module
    assert requests_provider.build(Backends()).names() == frozenset()


def test_fake_modules_are_marked_with_their_level() -> None:
    tree = provider("confluent_kafka").build(Backends())
    assert all(getattr(tree.module(n), FIDELITY_ATTRIBUTE) == FAKE for n in tree.names())
    assert tree.serves("confluent_kafka.avro") is False
    with pytest.raises(KeyError, match="has no module 'confluent_kafka.avro'"):
        tree.module("confluent_kafka.avro")


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


def test_importing_the_fakes_registry_loads_no_heavy_library() -> None:
    code = (
        "import sys, harness.fakes, harness.fakes.backends, harness.fakes.stop;"
        "heavy = [m for m in ('fastavro', 'mongomock', 'pymongo', 'responses', 'requests',"
        " 'confluent_kafka', 'kafka', 'harness.fakes.confluent') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
