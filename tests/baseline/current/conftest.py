"""Baseline suite of the current service: the hand-written ordered import.

`current.py` builds its Kafka consumer and starts its consumer thread the
moment it is imported. So, before importing it, this conftest prepares the
process, in an order that is a contract (swap two steps and the import either
crashes or reaches for a real broker):

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
SERVICE_PATH = REPO_ROOT / "legacy_services" / "current" / "current.py"
SERVICE_MODULE_NAME = "baseline_current"

# Step 2: read by current.py at import. Unroutable on purpose: the fakes
# replace every client, so nothing may ever try these addresses.
SERVICE_ENV = {
    "KAFKA_IP": "kafka.invalid",
    "KAFKA_PORT": "9092",
    "CURRENT_TOPIC": "test-current-topic",
    "SCHEMA_REGISTRY_URL": "http://schema-registry.invalid:8081",
}


def make_fake_modules() -> dict[str, MagicMock]:
    """Step 1: one MagicMock per module name current.py imports from confluent_kafka.

    `from confluent_kafka.schema_registry.avro import AvroDeserializer` looks up
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
    return {
        "confluent_kafka": confluent_kafka,
        "confluent_kafka.schema_registry": schema_registry,
        "confluent_kafka.schema_registry.avro": avro,
        "confluent_kafka.serialization": serialization,
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
def current_data(service: ModuleType, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A fresh state dict per test, by reassignment: the routes read the module global."""
    fresh: dict = {}
    monkeypatch.setattr(service, "current_data", fresh)
    return fresh


@pytest.fixture
def client(service: ModuleType, current_data: dict):
    service.app.config["TESTING"] = True
    return service.app.test_client()
