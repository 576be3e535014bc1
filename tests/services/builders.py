"""Builders and small helpers shared by the service suites, beyond the telemetry events of
`events.py`: a frozen clock for history, stored documents, and HTTP calls in one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from .events import DAY_START, HOUR

# A test that seeds or reads a backend (a topic, a collection, the archive) or runs a consumer
# loop needs one that behaves: at `stub` every backend is a MagicMock, so it runs at fake and wire.
NEEDS_A_BACKEND = pytest.mark.harness_fidelity("fake", "wire")

DAY = 24 * HOUR
# 2025-11-21T15:30:00Z: a whole second, so seconds * 1000 gives these milliseconds back exactly.
NOW = DAY_START + 15 * HOUR + 30 * 60_000


# Every optional setting of history and usage moved off its default, and the topics renamed: the
# variants the "configured by environment" tests load (one import each per session).
HISTORY_ENV = {
    "HISTORY_TOPIC": "fleet.positions",
    "MONGO_DB": "fleet",
    "MONGO_COLLECTION": "positions",
    # A path ending in "X/": the trailing slash alone must go, not the letters before it.
    "ARCHIVE_SERVICE_URL": "http://archive.test:9000/X/",
    "RETENTION_DAYS": "2",
}
USAGE_ENV = {
    "TELEMETRY_TOPIC": "fleet.telemetry",
    "USAGE_TOPIC": "fleet.usage",
    "DB_NAME": "fleet",
    "DATA_TABLE": "costs",
    "STATE_TABLE": "references",
}


def freeze_clock(
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    now_ms: int = NOW,
    *,
    during_sleep: Callable[[float], None] | None = None,
) -> None:
    """Make the module read `now_ms` from `time.time()` and `datetime.now()`, for this test.

    Only the module's own names `time` and `datetime` are replaced (undone by monkeypatch): the
    process clock, which the harness and pytest rely on, keeps running. The replacement `time`
    still sleeps for real, so a retry pause behaves as the service wrote it; `during_sleep(seconds)`
    is what the rest of the world does meanwhile (an operator fixing the database, say).
    """
    frozen = datetime.fromtimestamp(now_ms / 1000, tz=UTC)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return frozen.astimezone(tz) if tz is not None else frozen.replace(tzinfo=None)

    def sleep(seconds: float) -> None:
        if during_sleep is not None:
            during_sleep(seconds)
        time.sleep(seconds)

    clock = SimpleNamespace(time=lambda: now_ms / 1000, sleep=sleep, monotonic=time.monotonic)
    monkeypatch.setattr(module, "time", clock)
    monkeypatch.setattr(module, "datetime", FrozenDatetime)


def get(module: ModuleType, url: str, **kwargs: Any) -> tuple[int, Any]:
    """GET `url` from the service's Flask app: (status code, decoded JSON body)."""
    response = module.app.test_client().get(url, **kwargs)
    return response.status_code, response.get_json()


def position(
    identifier: str = "EX001",
    timestamp: int = DAY_START,
    *,
    base: str = "BASE01",
    lat: float = 45.4642,
    lon: float = 9.19,
) -> dict[str, Any]:
    """A history position document, as the consumer stores it and the archive returns it.

    With the defaults, it is what history stores for `telemetry(identifier, timestamp)`.
    """
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": base, "name": f"Base {base}"},
        "position": {"lat": lat, "lon": lon},
    }


def cost(
    identifier: str = "EX001",
    date: str = "2025-11-21",
    source: str = "SITE-7",
    *,
    base_code: str = "BASE01",
    hours: float = 1.0,
    km: float = 10.0,
    intervals: int = 1,
    last_timestamp: int = DAY_START,
) -> dict[str, Any]:
    """A usage daily cost document, as `upsert_costs` leaves it."""
    return {
        "identifier": identifier,
        "date": date,
        "source": source,
        "base_code": base_code,
        "hours": hours,
        "km": km,
        "intervals": intervals,
        "last_timestamp": last_timestamp,
    }
