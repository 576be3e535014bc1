"""Baseline suite of the usage service: the hand-written ordered import.

`usage.py` builds its MongoDB client, Schema Registry client, Avro serializer
and Kafka producer, and starts its consumer thread, the moment it is imported.
So, before importing it, this conftest prepares the process, in an order that
is a contract (swap two steps and the import either crashes or reaches for a
real server):

1. fakes:   MagicMock modules in `sys.modules` for every library that must not
            load for real, each submodule the code imports included;
2. env:     every variable the module reads at import;
3. threads: `threading.Thread` patched, so the consumer thread is created but
            never started (a `from threading import Thread` executed during the
            import binds the patched class too);
4. import:  the service loaded by path, under a name no other suite uses;
5. restore: `sys.modules`, `os.environ` and `threading` given back exactly as
            they were, because the same pytest process also runs suites that
            import the real `confluent_kafka`, `pymongo` and `kafka`.

The imported module keeps its own references to the fakes; tests reach it
through the `service` fixture, never through `import`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from unittest.mock import MagicMock, patch

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]

# ---------------------------------------------------------------------------
# What differs from one service to the next
# ---------------------------------------------------------------------------
SERVICE_PATH = REPO_ROOT / "legacy_services" / "usage" / "usage.py"
SERVICE_MODULE_NAME = "baseline_usage"

# Step 2: read by usage.py at import. Unroutable on purpose: the fakes replace
# every client, so nothing may ever try these addresses.
SERVICE_ENV = {
    "MONGO_IP": "mongo.invalid",
    "MONGO_PORT": "27017",
    "KAFKA_IP": "kafka.invalid",
    "KAFKA_PORT": "9092",
    "SCHEMA_REGISTRY_URL": "http://schema-registry.invalid:8081",
    "TELEMETRY_TOPIC": "test-telemetry-topic",
    "USAGE_TOPIC": "test-usage-topic",
}


def make_fake_modules() -> dict[str, MagicMock]:
    """Step 1: one MagicMock per module name usage.py imports from confluent_kafka and pymongo.

    `from confluent_kafka.schema_registry.avro import AvroSerializer` looks up
    the full dotted name in `sys.modules`, so every level needs its own entry;
    the attribute links keep `confluent_kafka.schema_registry.avro` reachable
    as an attribute chain too.
    """
    confluent_kafka = MagicMock(name="confluent_kafka")
    schema_registry = MagicMock(name="confluent_kafka.schema_registry")
    avro = MagicMock(name="confluent_kafka.schema_registry.avro")
    serialization = MagicMock(name="confluent_kafka.serialization")
    confluent_kafka.schema_registry = schema_registry
    confluent_kafka.serialization = serialization
    schema_registry.avro = avro
    pymongo = MagicMock(name="pymongo")
    return {
        "confluent_kafka": confluent_kafka,
        "confluent_kafka.schema_registry": schema_registry,
        "confluent_kafka.schema_registry.avro": avro,
        "confluent_kafka.serialization": serialization,
        "pymongo": pymongo,
    }


# ---------------------------------------------------------------------------
# The ordered import (identical in every baseline conftest)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportedService:
    module: ModuleType
    fakes: dict[str, MagicMock]
    thread_class: MagicMock


@contextmanager
def fake_modules_installed(fakes: dict[str, MagicMock]) -> Iterator[None]:
    """Serve `fakes` from `sys.modules`, then put back exactly what was there.

    Not `patch.dict(sys.modules, ...)`: its restore also evicts every module
    first imported inside the block (flask, werkzeug, ...), and a later import
    would load second copies of them next to the ones the service holds.
    Only the faked names, and anything new below a faked package, are undone.
    """
    before = set(sys.modules)
    replaced = {name: sys.modules[name] for name in fakes if name in sys.modules}
    faked_packages = {name.partition(".")[0] for name in fakes}
    sys.modules.update(fakes)
    try:
        yield
    finally:
        for name in list(sys.modules):
            if name in fakes or (
                name not in before and name.partition(".")[0] in faked_packages
            ):
                del sys.modules[name]
        sys.modules.update(replaced)


def load_module_by_path(name: str, path: Path) -> ModuleType:
    """Execute the file as a fresh module named `name`, without registering it in sys.modules."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_service() -> ImportedService:
    fakes = make_fake_modules()
    # Entered top to bottom, left in reverse: the order is the contract.
    with (
        fake_modules_installed(fakes),  # 1. fakes, before anything imports them
        patch.dict(os.environ, SERVICE_ENV),  # 2. env, read at import
        patch("threading.Thread") as thread_class,  # 3. no thread starts
    ):
        module = load_module_by_path(SERVICE_MODULE_NAME, SERVICE_PATH)  # 4. import
    # 5. restore: each context manager has undone what it changed.
    return ImportedService(module=module, fakes=fakes, thread_class=thread_class)


@pytest.fixture(scope="session")
def service_importer():
    """The ordered import itself, for tests that check what it leaves behind."""
    return import_service


@pytest.fixture(scope="session")
def imported_service() -> ImportedService:
    """Imported once per process (per xdist worker), on first use."""
    return import_service()


@pytest.fixture(scope="session")
def service(imported_service: ImportedService) -> ModuleType:
    return imported_service.module


# ---------------------------------------------------------------------------
# Service-specific fixtures
# ---------------------------------------------------------------------------
@pytest.fixture
def last_processed_data(service: ModuleType, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A fresh reference table per test, by reassignment of the module global."""
    fresh: dict = {}
    monkeypatch.setattr(service, "last_processed_data", fresh)
    return fresh


@pytest.fixture
def data_collection(service: ModuleType, monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    """Fresh per test, by reassignment: reset_mock() would keep a replaced return_value."""
    fresh = MagicMock(name="data_collection")
    monkeypatch.setattr(service, "data_collection", fresh)
    return fresh


@pytest.fixture
def state_collection(service: ModuleType, monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    fresh = MagicMock(name="state_collection")
    monkeypatch.setattr(service, "state_collection", fresh)
    return fresh


@pytest.fixture
def producer(service: ModuleType, monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    fresh = MagicMock(name="kafka_producer")
    monkeypatch.setattr(service, "kafka_producer", fresh)
    return fresh


@pytest.fixture
def fresh_state(
    last_processed_data, data_collection, state_collection, producer
) -> None:
    """Everything handle_message touches, fresh."""


@pytest.fixture
def client(service: ModuleType, fresh_state: None):
    service.app.config["TESTING"] = True
    return service.app.test_client()
