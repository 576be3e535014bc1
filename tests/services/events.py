"""Telemetry events and schemas shared by the service suites (see legacy_services/README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "legacy_services" / "schemas"
TELEMETRY_SCHEMA = SCHEMAS / "telemetry.avsc"
USAGE_SCHEMA = SCHEMAS / "usage.avsc"

DAY_START = 1_763_683_200_000  # 2025-11-21T00:00:00Z, epoch milliseconds
HOUR = 3_600_000


def telemetry(
    identifier: str = "EX001",
    timestamp: int = DAY_START,
    *,
    base: str = "BASE01",
    position: dict[str, float] | None = None,
    hours: float | None = 1520.5,
    km: float | None = 8821.0,
    poi: tuple[str, ...] = (),
    odometry: bool = True,
) -> dict[str, Any]:
    """One telemetry event, complete unless told otherwise."""
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": base, "name": f"Base {base}"},
        "c40": {
            "position": position if position is not None else {"lat": 45.4642, "lon": 9.19},
            "speed_kmh": 12.5,
            "engine_on": True,
            "odometry": {"hours_tot": hours, "km_tot": km} if odometry else None,
            "poi": [{"code": code, "name": f"Site {code}"} for code in poi],
        },
    }
