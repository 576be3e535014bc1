"""Suites of the three bundled services, written with the harness fixtures only.

No `sys.modules` fakes, no environment setup, no thread patching: `[tool.harness]` in
pyproject.toml names the services, the plugin does the rest. Shared here: the services
(`current`, `history`, `usage`: the imported modules, fresh for every test) and a telemetry
event builder.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from harness.fixtures import KafkaFixture, LegacyFixture

from .events import TELEMETRY_SCHEMA


@pytest.fixture
def current(legacy: LegacyFixture, kafka: KafkaFixture) -> ModuleType:
    """The current service; telemetry produced to its topic is Avro, as in production."""
    module = legacy.load("current")
    kafka.use_schema(module.CURRENT_TOPIC, TELEMETRY_SCHEMA)
    return module


@pytest.fixture
def history(legacy: LegacyFixture) -> ModuleType:
    return legacy.load("history")


@pytest.fixture
def usage(legacy: LegacyFixture) -> ModuleType:
    return legacy.load("usage")
