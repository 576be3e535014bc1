"""history's HTTP API over what MongoDB holds: /health, /equip/<id> ranges, /locations/today.

The service's clock is frozen at NOW (2025-11-21T15:30:00Z) so range defaults, the retention
boundary and "today" are exact numbers.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import HttpFixture, MongoFixture

from .builders import DAY, NEEDS_A_BACKEND, NOW, freeze_clock, get, position
from .events import DAY_START

RETENTION_START = NOW - 30 * DAY  # RETENTION_DAYS defaults to 30


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, history: ModuleType) -> int:
    freeze_clock(monkeypatch, history, NOW)
    return NOW


def store(mongo: MongoFixture, *documents: dict[str, Any]) -> None:
    """Insert copies (insert_one adds an _id to what it is given) into the default collection."""
    for document in documents:
        mongo["c40"]["positions_history"].insert_one(dict(document))


def local_answer(identifier: str, start: int, end: int, positions: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole answer for a range inside the retention window."""
    return {
        "identifier": identifier,
        "start": start,
        "end": end,
        "count": len(positions),
        "positions": positions,
        "archive": {"status": "not_needed", "count": 0},
        "complete": True,
    }


def test_health_is_ok(history: ModuleType) -> None:
    assert get(history, "/health") == (200, {"status": "ok"})


def test_now_ms_is_the_clock_in_epoch_milliseconds(history: ModuleType, clock: int) -> None:
    assert history.now_ms() == NOW


# -- /equip/<identifier> ----------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_without_a_range_the_last_24_hours_up_to_now_are_returned(
    history: ModuleType, mongo: MongoFixture, http: HttpFixture, clock: int
) -> None:
    store(
        mongo,
        position("EX001", NOW - DAY - 1),
        position("EX001", NOW - DAY),
        position("EX001", NOW),
        position("EX001", NOW + 1),
    )

    assert get(history, "/equip/EX001") == (
        200,
        local_answer("EX001", NOW - DAY, NOW, [position("EX001", NOW - DAY), position("EX001", NOW)]),
    )
    assert http.requests == []


@NEEDS_A_BACKEND
def test_with_only_an_end_the_range_is_the_24_hours_before_it(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    end = NOW - 5 * DAY
    store(
        mongo,
        position("EX001", end - DAY - 1),
        position("EX001", end - DAY),
        position("EX001", end + 1),
    )

    assert get(history, f"/equip/EX001?end={end}") == (
        200,
        local_answer("EX001", end - DAY, end, [position("EX001", end - DAY)]),
    )


@NEEDS_A_BACKEND
def test_with_only_a_start_the_range_ends_now(history: ModuleType, mongo: MongoFixture, clock: int) -> None:
    start = NOW - 3 * DAY
    store(mongo, position("EX001", start), position("EX001", NOW), position("EX001", NOW + 1))

    assert get(history, f"/equip/EX001?start={start}") == (
        200,
        local_answer("EX001", start, NOW, [position("EX001", start), position("EX001", NOW)]),
    )


@NEEDS_A_BACKEND
def test_a_range_includes_both_ends_and_only_that_equipment_sorted_by_time(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    start, end = NOW - 2 * DAY, NOW - DAY
    store(
        mongo,
        position("EX001", end),
        position("EX001", start + 10),
        position("EX001", start),
        position("EX001", start - 1),
        position("EX001", end + 1),
        position("EX002", start + 10),
    )

    assert get(history, f"/equip/EX001?start={start}&end={end}") == (
        200,
        local_answer(
            "EX001",
            start,
            end,
            [position("EX001", start), position("EX001", start + 10), position("EX001", end)],
        ),
    )


@NEEDS_A_BACKEND
def test_a_range_of_one_instant_is_valid(history: ModuleType, mongo: MongoFixture, clock: int) -> None:
    instant = NOW - DAY
    store(mongo, position("EX001", instant))

    assert get(history, f"/equip/EX001?start={instant}&end={instant}") == (
        200,
        local_answer("EX001", instant, instant, [position("EX001", instant)]),
    )


def test_an_equipment_without_positions_gives_an_empty_complete_answer(
    history: ModuleType, clock: int
) -> None:
    assert get(history, "/equip/EX404") == (200, local_answer("EX404", NOW - DAY, NOW, []))


def test_a_start_after_the_end_is_400(history: ModuleType, http: HttpFixture, clock: int) -> None:
    status, body = get(history, f"/equip/EX001?start={NOW - DAY + 1}&end={NOW - DAY}")

    assert status == 400
    assert set(body) == {"error"}


@pytest.mark.parametrize(
    "query",
    [
        "start=yesterday",
        "end=now",
        "start=1.5&end=10",
        "start=1&end=",
        f"start={RETENTION_START - DAY}&end=x",
    ],
)
def test_a_start_or_end_that_is_not_an_integer_is_400(
    history: ModuleType, http: HttpFixture, clock: int, query: str
) -> None:
    status, body = get(history, f"/equip/EX001?{query}")

    assert status == 400
    assert set(body) == {"error"}
    assert http.requests == []


# -- the retention boundary -------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_a_range_starting_exactly_at_the_retention_boundary_does_not_ask_the_archive(
    history: ModuleType, mongo: MongoFixture, http: HttpFixture, clock: int
) -> None:
    store(mongo, position("EX001", RETENTION_START))

    assert get(history, f"/equip/EX001?start={RETENTION_START}&end={NOW}") == (
        200,
        local_answer("EX001", RETENTION_START, NOW, [position("EX001", RETENTION_START)]),
    )
    assert http.requests == []


@NEEDS_A_BACKEND
def test_a_range_starting_one_ms_before_the_boundary_asks_the_archive_up_to_the_boundary(
    history: ModuleType, http: HttpFixture, clock: int
) -> None:
    http.reply(json={"positions": []})

    status, body = get(history, f"/equip/EX001?start={RETENTION_START - 1}&end={NOW}")

    assert status == 200
    assert body["archive"] == {"status": "ok", "count": 0}
    assert [(r.path, r.params) for r in http.requests] == [
        ("/equip/EX001", {"start": str(RETENTION_START - 1), "end": str(RETENTION_START)})
    ]


@NEEDS_A_BACKEND
def test_a_range_ending_before_the_boundary_asks_the_archive_for_the_whole_range(
    history: ModuleType, http: HttpFixture, clock: int
) -> None:
    start, end = RETENTION_START - 10 * DAY, RETENTION_START - 3 * DAY
    http.reply(json={"positions": []})

    get(history, f"/equip/EX001?start={start}&end={end}")

    assert [r.params for r in http.requests] == [{"start": str(start), "end": str(end)}]


# -- /locations/today/equipment ---------------------------------------------------------------


def seen(doc: dict[str, Any]) -> dict[str, Any]:
    """An entry of /locations/today/equipment for a stored position."""
    return {
        "identifier": doc["identifier"],
        "base": doc["base"],
        "last_seen": doc["timestamp"],
        "position": doc["position"],
    }


def test_today_without_positions_is_empty_and_dated_in_utc(history: ModuleType, clock: int) -> None:
    assert get(history, "/locations/today/equipment") == (
        200,
        {"date": "2025-11-21", "count": 0, "equipment": []},
    )


@NEEDS_A_BACKEND
def test_today_lists_the_latest_position_of_each_equipment_since_utc_midnight(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    ex002_latest = position("EX002", DAY_START + 2 * 3_600_000, lat=2.0)
    ex001_latest = position("EX001", DAY_START + 3_600_000, lat=1.5)
    at_midnight = position("EX003", DAY_START, base="SOUTH")
    store(
        mongo,
        position("EX001", DAY_START + 1000, lat=1.0),
        ex002_latest,
        ex001_latest,
        position("EX002", DAY_START + 1000, lat=2.5),
        at_midnight,
        position("EX004", DAY_START - 1),  # yesterday, 23:59:59.999
    )

    assert get(history, "/locations/today/equipment") == (
        200,
        {
            "date": "2025-11-21",
            "count": 3,
            "equipment": [seen(ex001_latest), seen(ex002_latest), seen(at_midnight)],
        },
    )


@NEEDS_A_BACKEND
def test_today_filtered_by_base_keeps_positions_of_that_base_code(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    north = position("EX001", DAY_START + 1000, base="NORTH")
    store(
        mongo,
        north,
        position("EX001", DAY_START + 2000, base="SOUTH"),  # moved: the latest NORTH one counts
        position("EX002", DAY_START + 1000, base="SOUTH"),
    )

    assert get(history, "/locations/today/equipment?base=NORTH") == (
        200,
        {"date": "2025-11-21", "count": 1, "equipment": [seen(north)]},
    )


@NEEDS_A_BACKEND
def test_today_keeps_the_first_found_of_two_positions_with_the_same_time(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    first = position("EX001", DAY_START + 1000, lat=1.0)
    store(mongo, first, position("EX001", DAY_START + 1000, lat=2.0))

    assert get(history, "/locations/today/equipment")[1]["equipment"] == [seen(first)]


@NEEDS_A_BACKEND
def test_today_shows_null_for_a_position_document_without_base_or_position(
    history: ModuleType, mongo: MongoFixture, clock: int
) -> None:
    store(mongo, {"identifier": "EX001", "timestamp": DAY_START + 1000})

    assert get(history, "/locations/today/equipment")[1]["equipment"] == [
        {"identifier": "EX001", "base": None, "last_seen": DAY_START + 1000, "position": None}
    ]


@NEEDS_A_BACKEND
def test_today_just_before_midnight_is_the_previous_utc_day(
    monkeypatch: pytest.MonkeyPatch, history: ModuleType, mongo: MongoFixture
) -> None:
    freeze_clock(monkeypatch, history, DAY_START - 1000)  # 2025-11-20T23:59:59Z
    day_before = DAY_START - DAY
    store(mongo, position("EX001", day_before), position("EX002", day_before - 1))

    assert get(history, "/locations/today/equipment") == (
        200,
        {"date": "2025-11-20", "count": 1, "equipment": [seen(position("EX001", day_before))]},
    )


@pytest.mark.parametrize("path", ["/health", "/equip/EX001", "/locations/today/equipment"])
def test_every_route_answers_cross_origin_requests(history: ModuleType, clock: int, path: str) -> None:
    response = history.app.test_client().get(path, headers={"Origin": "http://dashboard.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"


@pytest.mark.parametrize("path", ["/health", "/equip/EX001", "/locations/today/equipment"])
def test_routes_answer_get_only(history: ModuleType, path: str) -> None:
    assert history.app.test_client().post(path).status_code == 405
