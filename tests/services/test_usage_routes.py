"""usage's HTTP API: /health, /search over the daily costs, /debug/lastdata over the references."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import MongoFixture

from .builders import NEEDS_A_BACKEND, cost, get
from .events import DAY_START, telemetry


def store(mongo: MongoFixture, *documents: dict[str, Any]) -> None:
    """Insert copies into the default cost collection (insert_one adds an _id to its argument)."""
    for document in documents:
        mongo["c40_usage"]["usage_costs"].insert_one(dict(document))


def search(usage: ModuleType, query: str = "") -> dict[str, Any]:
    status, body = get(usage, f"/search{query}")
    assert status == 200, body
    return body


def keys(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["date"], r["identifier"], r["source"]) for r in body["results"]]


# -- /health -------------------------------------------------------------------------------------


def test_health_tracks_no_equipment_before_any_event(usage: ModuleType) -> None:
    assert get(usage, "/health") == (200, {"status": "ok", "tracked_equipment": 0})


def test_health_tracks_each_equipment_with_a_reference(usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX001", DAY_START))
    usage.handle_message(telemetry("EX002", DAY_START))
    usage.handle_message(telemetry("EX003", DAY_START, odometry=False))  # no reference

    assert get(usage, "/health") == (200, {"status": "ok", "tracked_equipment": 2})


# -- /debug/lastdata -----------------------------------------------------------------------------


def test_lastdata_is_empty_before_any_event(usage: ModuleType) -> None:
    assert get(usage, "/debug/lastdata") == (200, {})


def test_lastdata_maps_each_equipment_to_its_reference_event(usage: ModuleType) -> None:
    ex001, ex002 = telemetry("EX001", DAY_START), telemetry("EX002", DAY_START + 1)
    usage.handle_message(ex001)
    usage.handle_message(ex002)

    assert get(usage, "/debug/lastdata") == (200, {"EX001": ex001, "EX002": ex002})


def test_lastdata_of_one_equipment_is_its_reference_event(usage: ModuleType) -> None:
    ex001 = telemetry("EX001", DAY_START)
    usage.handle_message(ex001)
    usage.handle_message(telemetry("EX002", DAY_START))

    assert get(usage, "/debug/lastdata?identifier=EX001") == (200, ex001)


@pytest.mark.parametrize("identifier", ["EX404", ""])
def test_lastdata_of_an_equipment_without_reference_is_404_naming_it(
    usage: ModuleType, identifier: str
) -> None:
    usage.handle_message(telemetry("EX001", DAY_START))

    status, body = get(usage, f"/debug/lastdata?identifier={identifier}")

    assert status == 404
    assert body["identifier"] == identifier
    assert set(body) == {"error", "identifier"}


# -- /search: filters and order ----------------------------------------------------------------


@pytest.fixture
def books(mongo: MongoFixture) -> None:
    """Costs stored out of order: each sort key matters on its own."""
    store(
        mongo,
        cost("EX001", "2025-11-22", "A", base_code="NORTH", hours=1.0, km=10.0),
        cost("EX002", "2025-11-21", "A", base_code="SOUTH", hours=2.0, km=20.0),
        cost("EX001", "2025-11-21", "B", base_code="NORTH", hours=4.0, km=40.0),
        cost("EX001", "2025-11-21", "A", base_code="NORTH", hours=8.0, km=80.0),
        cost("EX001", "2025-11-20", "B", base_code="NORTH", hours=16.0, km=160.0),
    )


@NEEDS_A_BACKEND
def test_search_without_filters_returns_every_cost_by_date_identifier_and_source(
    usage: ModuleType, books: None
) -> None:
    body = search(usage)

    assert keys(body) == [
        ("2025-11-20", "EX001", "B"),
        ("2025-11-21", "EX001", "A"),
        ("2025-11-21", "EX001", "B"),
        ("2025-11-21", "EX002", "A"),
        ("2025-11-22", "EX001", "A"),
    ]
    assert (body["count"], body["total_hours"], body["total_km"]) == (5, 31.0, 310.0)


@NEEDS_A_BACKEND
def test_search_results_are_the_cost_documents(usage: ModuleType, mongo: MongoFixture) -> None:
    stored = cost(
        "EX001",
        "2025-11-21",
        "SITE-7",
        base_code="BASE01",
        hours=3.25,
        km=40.0,
        intervals=4,
        last_timestamp=DAY_START + 5,
    )
    store(mongo, stored)

    assert get(usage, "/search") == (
        200,
        {"count": 1, "total_hours": 3.25, "total_km": 40.0, "results": [stored]},
    )


def test_search_of_nothing_is_empty_with_zero_totals(usage: ModuleType) -> None:
    assert get(usage, "/search") == (200, {"count": 0, "total_hours": 0, "total_km": 0, "results": []})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?identifier=EX002", [("2025-11-21", "EX002", "A")]),
        (
            "?base=NORTH",
            [
                ("2025-11-20", "EX001", "B"),
                ("2025-11-21", "EX001", "A"),
                ("2025-11-21", "EX001", "B"),
                ("2025-11-22", "EX001", "A"),
            ],
        ),
        (
            "?source=A",
            [("2025-11-21", "EX001", "A"), ("2025-11-21", "EX002", "A"), ("2025-11-22", "EX001", "A")],
        ),
        ("?identifier=EX001&source=B", [("2025-11-20", "EX001", "B"), ("2025-11-21", "EX001", "B")]),
        ("?base=SOUTH&identifier=EX001", []),
        ("?identifier=&base=&source=", None),  # empty values are no filter
    ],
    ids=["identifier", "base", "source", "identifier-and-source", "no-match", "empty-values"],
)
@NEEDS_A_BACKEND
def test_search_filters_by_identifier_base_code_and_source(
    usage: ModuleType, books: None, query: str, expected: list | None
) -> None:
    body = search(usage, query)

    assert keys(body) == (expected if expected is not None else keys(search(usage)))
    assert body["count"] == len(body["results"])


@pytest.mark.parametrize(
    ("query", "days"),
    [
        ("?from=2025-11-21", ["2025-11-21", "2025-11-21", "2025-11-21", "2025-11-22"]),
        ("?to=2025-11-21", ["2025-11-20", "2025-11-21", "2025-11-21", "2025-11-21"]),
        ("?from=2025-11-21&to=2025-11-21", ["2025-11-21", "2025-11-21", "2025-11-21"]),
        (
            "?from=2025-11-20&to=2025-11-22",
            ["2025-11-20", "2025-11-21", "2025-11-21", "2025-11-21", "2025-11-22"],
        ),
        ("?from=2025-11-23", []),
        ("?from=2025-11-2&to=2025-11-21", ["2025-11-20", "2025-11-21", "2025-11-21", "2025-11-21"]),
    ],
    ids=["from", "to", "one-day", "both-ends-inclusive", "after-everything", "unpadded-day"],
)
@NEEDS_A_BACKEND
def test_search_by_days_includes_both_ends(
    usage: ModuleType, books: None, query: str, days: list[str]
) -> None:
    assert [r["date"] for r in search(usage, query)["results"]] == days


@NEEDS_A_BACKEND
def test_an_unpadded_day_is_read_as_that_day(usage: ModuleType, mongo: MongoFixture) -> None:
    store(mongo, cost(date="2025-01-05"), cost(date="2025-01-04"), cost(date="2025-01-06"))

    assert [r["date"] for r in search(usage, "?from=2025-1-5&to=2025-1-5")["results"]] == ["2025-01-05"]


@pytest.mark.parametrize(
    "query",
    ["?from=21-11-2025", "?to=2025-11-31", "?from=", "?to=yesterday", "?from=2025-11-22&to=2025-11-21"],
    ids=["from-malformed", "to-impossible", "from-empty", "to-word", "from-after-to"],
)
def test_search_with_a_bad_day_range_is_400(usage: ModuleType, books: None, query: str) -> None:
    status, body = get(usage, f"/search{query}")

    assert status == 400
    assert set(body) == {"error"}


# -- /search: limit ------------------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_search_returns_at_most_100_costs_by_default(usage: ModuleType, mongo: MongoFixture) -> None:
    mongo["c40_usage"]["usage_costs"].insert_many([cost(f"EX{n:03d}") for n in range(101)])

    body = search(usage)

    assert body["count"] == 100
    assert body["results"][-1]["identifier"] == "EX099"


@NEEDS_A_BACKEND
@pytest.mark.parametrize("limit", [1, 4, 1000])
def test_search_limit_keeps_the_first_costs_in_order(usage: ModuleType, books: None, limit: int) -> None:
    body = search(usage, f"?limit={limit}")

    assert keys(body) == keys(search(usage))[:limit]
    assert body["count"] == min(limit, 5)


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten", "", "2.5"])
def test_search_limit_outside_1_to_1000_is_400(usage: ModuleType, books: None, limit: str) -> None:
    status, body = get(usage, f"/search?limit={limit}")

    assert status == 400
    assert set(body) == {"error"}


# -- /search: rounding ---------------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_search_rounds_hours_km_and_totals_to_three_decimals(usage: ModuleType, mongo: MongoFixture) -> None:
    store(
        mongo,
        cost("EX001", source="A", hours=0.1 + 0.2, km=1.23456),
        cost("EX001", source="B", hours=2.0004999, km=0.0005001),
    )

    body = search(usage)

    assert [(r["hours"], r["km"]) for r in body["results"]] == [(0.3, 1.235), (2.0, 0.001)]
    assert (body["total_hours"], body["total_km"]) == (2.3, 1.236)


@NEEDS_A_BACKEND
def test_a_cost_without_hours_or_km_counts_as_zero(usage: ModuleType, mongo: MongoFixture) -> None:
    store(mongo, {"identifier": "EX001", "date": "2025-11-21", "source": "A", "intervals": 1})

    assert search(usage) == {
        "count": 1,
        "total_hours": 0,
        "total_km": 0,
        "results": [
            {"identifier": "EX001", "date": "2025-11-21", "source": "A", "intervals": 1, "hours": 0, "km": 0}
        ],
    }


@pytest.mark.parametrize("path", ["/health", "/search", "/debug/lastdata"])
def test_every_route_answers_cross_origin_requests(usage: ModuleType, path: str) -> None:
    response = usage.app.test_client().get(path, headers={"Origin": "http://dashboard.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"


@pytest.mark.parametrize("path", ["/health", "/search", "/debug/lastdata"])
def test_routes_answer_get_only(usage: ModuleType, path: str) -> None:
    assert usage.app.test_client().post(path).status_code == 405
