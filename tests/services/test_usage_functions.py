"""usage's event helpers: validation, odometry, days, POIs, deltas, and where usage is booked."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from .builders import DAY
from .events import DAY_START, telemetry


def without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    """The event with the key at `path` removed."""
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return event


def with_value(event: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    """The event with the key at `path` set to `value`."""
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return event


# -- is_number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, True),
        (12, True),
        (1.5, True),
        (-3.25, True),
        (True, False),
        (False, False),
        ("1", False),
        (None, False),
        ([1], False),
    ],
)
def test_is_number_accepts_ints_and_floats_but_not_bools(
    usage: ModuleType, value: Any, expected: bool
) -> None:
    assert usage.is_number(value) is expected


# -- is_valid_event ----------------------------------------------------------------------------


def test_a_complete_event_is_valid(usage: ModuleType) -> None:
    assert usage.is_valid_event(telemetry()) is True


def test_an_event_with_only_identifier_timestamp_and_base_code_is_valid(usage: ModuleType) -> None:
    assert usage.is_valid_event({"identifier": "EX001", "timestamp": 0, "base": {"code": "B"}}) is True


@pytest.mark.parametrize(
    "event",
    [
        ["EX001", DAY_START],
        None,
        "EX001",
        without(telemetry(), "identifier"),
        with_value(telemetry(), 1, "identifier"),
        with_value(telemetry(), "", "identifier"),
        without(telemetry(), "timestamp"),
        with_value(telemetry(), float(DAY_START), "timestamp"),
        with_value(telemetry(), str(DAY_START), "timestamp"),
        with_value(telemetry(), True, "timestamp"),
        without(telemetry(), "base"),
        with_value(telemetry(), None, "base"),
        with_value(telemetry(), "BASE01", "base"),
        without(telemetry(), "base", "code"),
        with_value(telemetry(), 7, "base", "code"),
        with_value(telemetry(), "", "base", "code"),
    ],
    ids=[
        "array",
        "null",
        "string",
        "no-identifier",
        "int-identifier",
        "empty-identifier",
        "no-timestamp",
        "float-timestamp",
        "string-timestamp",
        "bool-timestamp",
        "no-base",
        "null-base",
        "string-base",
        "no-base-code",
        "int-base-code",
        "empty-base-code",
    ],
)
def test_an_event_without_identifier_integer_timestamp_or_base_code_is_invalid(
    usage: ModuleType, event: Any
) -> None:
    assert usage.is_valid_event(event) is False


# -- get_odometry ------------------------------------------------------------------------------


def test_odometry_is_the_pair_of_counters(usage: ModuleType) -> None:
    assert usage.get_odometry(telemetry(hours=1520.5, km=8821.25)) == (1520.5, 8821.25)


def test_integer_counters_are_given_as_floats(usage: ModuleType) -> None:
    hours, km = usage.get_odometry(telemetry(hours=1520, km=8821))

    assert (hours, km, type(hours), type(km)) == (1520.0, 8821.0, float, float)


@pytest.mark.parametrize(
    "event",
    [
        without(telemetry(), "c40"),
        with_value(telemetry(), None, "c40"),
        with_value(telemetry(), "on", "c40"),
        without(telemetry(), "c40", "odometry"),
        telemetry(odometry=False),
        with_value(telemetry(), [1.0, 2.0], "c40", "odometry"),
        telemetry(hours=None),
        telemetry(km=None),
        without(telemetry(), "c40", "odometry", "hours_tot"),
        without(telemetry(), "c40", "odometry", "km_tot"),
        with_value(telemetry(), "1520.5", "c40", "odometry", "hours_tot"),
        with_value(telemetry(), "8821", "c40", "odometry", "km_tot"),
        with_value(telemetry(), True, "c40", "odometry", "hours_tot"),
        with_value(telemetry(), True, "c40", "odometry", "km_tot"),
    ],
    ids=[
        "no-c40",
        "null-c40",
        "string-c40",
        "no-odometry",
        "null-odometry",
        "array-odometry",
        "null-hours",
        "null-km",
        "no-hours",
        "no-km",
        "string-hours",
        "string-km",
        "bool-hours",
        "bool-km",
    ],
)
def test_missing_or_incomplete_odometry_is_none(usage: ModuleType, event: dict[str, Any]) -> None:
    assert usage.get_odometry(event) is None


# -- timestamp_to_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "day"),
    [
        (DAY_START, "2025-11-21"),
        (DAY_START - 1, "2025-11-20"),
        (DAY_START + DAY - 1, "2025-11-21"),
        (DAY_START + DAY, "2025-11-22"),
        (0, "1970-01-01"),
    ],
)
def test_a_timestamp_falls_on_its_utc_day(usage: ModuleType, timestamp: int, day: str) -> None:
    assert usage.timestamp_to_date(timestamp) == day


# -- extract_poi_list --------------------------------------------------------------------------


def test_poi_codes_keep_their_order_without_duplicates(usage: ModuleType) -> None:
    assert usage.extract_poi_list(telemetry(poi=("SITE-9", "SITE-2", "SITE-9", "SITE-5"))) == [
        "SITE-9",
        "SITE-2",
        "SITE-5",
    ]


def test_pois_without_a_code_are_left_out(usage: ModuleType) -> None:
    event = telemetry()
    event["c40"]["poi"] = [
        {"code": ""},
        {"name": "no code"},
        {"code": None},
        "SITE-1",
        None,
        {"code": "SITE-2"},
    ]

    assert usage.extract_poi_list(event) == ["SITE-2"]


@pytest.mark.parametrize(
    "event",
    [
        telemetry(),
        with_value(telemetry(), None, "c40", "poi"),
        without(telemetry(), "c40", "poi"),
        without(telemetry(), "c40"),
        with_value(telemetry(), "on", "c40"),
    ],
    ids=["empty", "null", "missing", "no-c40", "string-c40"],
)
def test_an_event_outside_every_poi_has_no_poi_codes(usage: ModuleType, event: dict[str, Any]) -> None:
    assert usage.extract_poi_list(event) == []


# -- compute_delta -----------------------------------------------------------------------------


def test_a_delta_is_milliseconds_hours_and_km_rounded_to_three_decimals(usage: ModuleType) -> None:
    reference = telemetry(timestamp=DAY_START, hours=100.0, km=5000.0)
    update = telemetry(timestamp=DAY_START + 5_400_000, hours=101.1236, km=5012.4004)

    assert usage.compute_delta(reference, update) == (5_400_000, 1.124, 12.4)


def test_a_delta_carries_no_float_noise(usage: ModuleType) -> None:
    reference = telemetry(timestamp=DAY_START, hours=0.1, km=0.1)
    update = telemetry(timestamp=DAY_START + 1, hours=0.3, km=0.7)

    assert usage.compute_delta(reference, update) == (1, 0.2, 0.6)


def test_a_delta_going_back_is_negative(usage: ModuleType) -> None:
    reference = telemetry(timestamp=DAY_START, hours=100.0, km=5000.0)
    update = telemetry(timestamp=DAY_START - 60_000, hours=99.5, km=4990.25)

    assert usage.compute_delta(reference, update) == (-60_000, -0.5, -9.75)


# -- should_compute_delta ----------------------------------------------------------------------


def test_no_delta_without_a_reference(usage: ModuleType) -> None:
    assert usage.should_compute_delta(telemetry("EX001", DAY_START)) is False


@pytest.mark.parametrize(
    ("offset", "expected"), [(1, True), (0, False), (-1, False)], ids=["newer", "same-time", "older"]
)
def test_a_delta_only_for_an_event_newer_than_the_reference(
    usage: ModuleType, offset: int, expected: bool
) -> None:
    usage.handle_message(telemetry("EX001", DAY_START))

    assert usage.should_compute_delta(telemetry("EX001", DAY_START + offset)) is expected


def test_the_reference_of_another_equipment_does_not_count(usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX002", DAY_START))

    assert usage.should_compute_delta(telemetry("EX001", DAY_START + 1)) is False


# -- get_cost_sources --------------------------------------------------------------------------


def test_usage_is_booked_on_the_pois_of_the_reference_event(usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX001", DAY_START, poi=("SITE-1", "SITE-2")))

    assert usage.get_cost_sources(telemetry("EX001", DAY_START + 1, poi=("SITE-3",))) == ["SITE-1", "SITE-2"]


def test_a_reference_outside_every_poi_books_on_the_pois_of_the_event(usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX001", DAY_START))

    assert usage.get_cost_sources(telemetry("EX001", DAY_START + 1, poi=("SITE-3",))) == ["SITE-3"]


def test_without_a_reference_the_pois_of_the_event_are_used(usage: ModuleType) -> None:
    assert usage.get_cost_sources(telemetry("EX001", DAY_START, poi=("SITE-3",))) == ["SITE-3"]


def test_outside_every_poi_usage_is_booked_on_the_base(usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX001", DAY_START, base="NORTH"))

    assert usage.get_cost_sources(telemetry("EX001", DAY_START + 1, base="SOUTH")) == ["SOUTH"]


def test_without_reference_nor_poi_usage_is_booked_on_the_base(usage: ModuleType) -> None:
    assert usage.get_cost_sources(telemetry("EX001", DAY_START, base="SOUTH")) == ["SOUTH"]


# -- parse_day ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"), [("2025-11-21", "2025-11-21"), ("2025-1-5", "2025-01-05"), ("2024-02-29", "2024-02-29")]
)
def test_a_day_is_normalised_to_yyyy_mm_dd(usage: ModuleType, text: str, day: str) -> None:
    assert usage.parse_day(text) == day


@pytest.mark.parametrize("text", ["21/11/2025", "2025-11-31", "2025-02-29", "2025-11", "", "today"])
def test_a_text_that_is_not_a_day_is_refused(usage: ModuleType, text: str) -> None:
    with pytest.raises(ValueError):
        usage.parse_day(text)
