"""current: the newest telemetry event per equipment, fed by the import-time consumer."""

from __future__ import annotations

from types import ModuleType

from harness.fixtures import KafkaFixture, LegacyFixture

from .builders import NEEDS_A_BACKEND
from .events import telemetry


@NEEDS_A_BACKEND
def test_the_newest_event_wins_whatever_the_delivery_order(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    kafka.produce(current.CURRENT_TOPIC, telemetry("EX001", 2000), key="EX001")
    kafka.produce(current.CURRENT_TOPIC, telemetry("EX001", 1000), key="EX001")

    run = legacy.threads.run(current.consume_data)

    assert run.ended == "stopped"
    response = current.app.test_client().get("/equipment/EX001")
    assert response.status_code == 200
    assert response.get_json()["timestamp"] == 2000


@NEEDS_A_BACKEND
def test_equipment_lists_consumed_events_sorted_and_filtered_by_base(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    for identifier, base in (("EX003", "NORTH"), ("EX001", "NORTH"), ("EX002", "SOUTH")):
        kafka.produce(current.CURRENT_TOPIC, telemetry(identifier, base=base))

    legacy.threads.run()  # the one thread current builds at import

    body = current.app.test_client().get("/equipment?base=NORTH").get_json()
    assert body["count"] == 2
    assert [event["identifier"] for event in body["equipment"]] == ["EX001", "EX003"]


def test_nothing_consumed_means_unknown_equipment_is_404(current: ModuleType) -> None:
    response = current.app.test_client().get("/equipment/EX001")

    assert response.status_code == 404
    assert response.get_json() == {"error": "equipment not found", "identifier": "EX001"}
