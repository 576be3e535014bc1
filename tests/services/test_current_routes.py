"""current's HTTP API: /health, /equipment (sorted, filtered by base) and /equipment/<id>."""

from __future__ import annotations

from types import ModuleType

import pytest

from harness.fixtures import KafkaFixture, LegacyFixture

from .builders import NEEDS_A_BACKEND, get
from .events import telemetry


@pytest.fixture
def fleet(legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType) -> dict[str, dict]:
    """Three equipments consumed in non-alphabetical order, two of them on base NORTH."""
    events = {
        "EX003": telemetry("EX003", 3000, base="NORTH"),
        "EX001": telemetry("EX001", 1000, base="NORTH"),
        "EX002": telemetry("EX002", 2000, base="SOUTH"),
    }
    for identifier, event in events.items():
        kafka.produce(current.CURRENT_TOPIC, event, key=identifier)
    legacy.threads.run(current.consume_data)
    return events


def test_health_counts_no_equipment_before_any_event(current: ModuleType) -> None:
    assert get(current, "/health") == (200, {"status": "ok", "equipment_count": 0})


@NEEDS_A_BACKEND
def test_health_counts_the_equipment_known(current: ModuleType, fleet: dict[str, dict]) -> None:
    assert get(current, "/health") == (200, {"status": "ok", "equipment_count": 3})


def test_equipment_is_empty_before_any_event(current: ModuleType) -> None:
    assert get(current, "/equipment") == (200, {"count": 0, "equipment": []})


@NEEDS_A_BACKEND
def test_equipment_lists_every_stored_event_sorted_by_identifier(
    current: ModuleType, fleet: dict[str, dict]
) -> None:
    assert get(current, "/equipment") == (
        200,
        {"count": 3, "equipment": [fleet["EX001"], fleet["EX002"], fleet["EX003"]]},
    )


@NEEDS_A_BACKEND
def test_equipment_filtered_by_base_keeps_only_that_base_code(
    current: ModuleType, fleet: dict[str, dict]
) -> None:
    assert get(current, "/equipment?base=NORTH") == (
        200,
        {"count": 2, "equipment": [fleet["EX001"], fleet["EX003"]]},
    )


@NEEDS_A_BACKEND
def test_equipment_filtered_by_an_unknown_base_is_empty(current: ModuleType, fleet: dict[str, dict]) -> None:
    assert get(current, "/equipment?base=WEST") == (200, {"count": 0, "equipment": []})


@NEEDS_A_BACKEND
def test_equipment_filtered_by_an_empty_base_matches_nothing(
    current: ModuleType, fleet: dict[str, dict]
) -> None:
    # `base=` is a filter on the code "", not the absence of a filter.
    assert get(current, "/equipment?base=") == (200, {"count": 0, "equipment": []})


@NEEDS_A_BACKEND
def test_equipment_by_identifier_is_the_stored_event(current: ModuleType, fleet: dict[str, dict]) -> None:
    assert get(current, "/equipment/EX002") == (200, fleet["EX002"])


@NEEDS_A_BACKEND
def test_unknown_equipment_is_404_naming_the_identifier(current: ModuleType, fleet: dict[str, dict]) -> None:
    status, body = get(current, "/equipment/EX999")

    assert status == 404
    assert body["identifier"] == "EX999"
    assert set(body) == {"error", "identifier"}


@pytest.mark.parametrize("path", ["/health", "/equipment", "/equipment/EX001"])
def test_every_route_answers_cross_origin_requests(current: ModuleType, path: str) -> None:
    response = current.app.test_client().get(path, headers={"Origin": "http://dashboard.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "http://dashboard.example"


@pytest.mark.parametrize("path", ["/health", "/equipment", "/equipment/EX001"])
def test_routes_answer_get_only(current: ModuleType, path: str) -> None:
    assert current.app.test_client().post(path).status_code == 405
