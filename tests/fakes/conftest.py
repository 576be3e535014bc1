"""Fixtures for the fakes' own tests: fresh backends and module trees, used directly.

The trees are built from `Backends` and used as objects; nothing is imported through them, so
no fake module may reach `sys.modules` and no entry there may be replaced (checked after every
test here). The libraries the fakes load lazily are imported once, at collection.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from types import ModuleType

import fastavro  # noqa: F401  (loaded lazily by the schema registry fake)
import mongomock  # noqa: F401  (loaded lazily by the pymongo fake)
import pymongo  # noqa: F401
import pytest
import requests  # noqa: F401
import responses  # noqa: F401

from harness.fakes.backends import Backends
from harness.fakes.tree import FIDELITY_ATTRIBUTE, ModuleTree
from harness.integrations import provider

# The trees' own lazy imports, done here for the same reason.
from harness.fakes import confluent, http, kafka_python, mongo, stub  # noqa: F401  isort: skip


@pytest.fixture(autouse=True)
def _leaves_no_trace() -> Iterator[None]:
    modules = dict(sys.modules)
    threads = set(threading.enumerate())
    yield
    replaced = sorted(n for n, m in modules.items() if sys.modules.get(n) is not m)
    # A copy: reading a module (a lazy one) may import more while we look.
    fakes = sorted(n for n, m in list(sys.modules.items()) if _is_fake(m))
    assert not replaced and not fakes, f"sys.modules changed: replaced {replaced}, fakes {fakes}"
    assert set(threading.enumerate()) <= threads, "a test left a thread running"


def _is_fake(module: object) -> bool:
    try:
        return FIDELITY_ATTRIBUTE in vars(module)
    except TypeError:
        return False


@pytest.fixture
def backends() -> Backends:
    return Backends(kafka_topics=["events"])


class Tree:
    """A built tree, indexable by short module name: `ck["schema_registry.avro"]`."""

    def __init__(self, tree: ModuleTree) -> None:
        self.tree = tree

    def __getitem__(self, name: str) -> ModuleType:
        top = self.tree.top_level
        return self.tree.module(top if name == "" else f"{top}.{name}")

    def __getattr__(self, name: str) -> object:
        return getattr(self.tree.module(self.tree.top_level), name)


@pytest.fixture
def ck(backends: Backends) -> Tree:
    """The confluent_kafka fake bound to `backends`."""
    return Tree(provider("confluent_kafka").build(backends))


@pytest.fixture
def kp(backends: Backends) -> Tree:
    """The kafka-python fake bound to `backends`."""
    return Tree(provider("kafka").build(backends))


@pytest.fixture
def pm(backends: Backends) -> Tree:
    """The pymongo fake bound to `backends`."""
    return Tree(provider("pymongo").build(backends))
