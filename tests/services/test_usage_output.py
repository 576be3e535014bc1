"""What usage writes: Avro usage records on Kafka, daily cost and reference documents in MongoDB."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import KafkaFixture, LegacyFixture, MongoFixture

from .builders import DAY, NEEDS_A_BACKEND
from .events import DAY_START, HOUR, USAGE_SCHEMA, telemetry

DATABASE, COSTS, STATE = "c40_usage", "usage_costs", "usage_state"


def costs(mongo: MongoFixture) -> list[dict[str, Any]]:
    return mongo.documents(DATABASE, COSTS, sort=[("date", 1), ("identifier", 1), ("source", 1)])


# -- the usage record --------------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_a_usage_record_is_keyed_by_identifier_and_decodes_with_usage_avsc(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    kafka.produce(
        usage.TELEMETRY_TOPIC,
        telemetry("EX007", DAY_START + HOUR, base="NORTH", hours=10.0, km=100.0, poi=("SITE-1", "SITE-2")),
    )
    kafka.produce(
        usage.TELEMETRY_TOPIC,
        telemetry(
            "EX007", DAY_START + 3 * HOUR + 1, base="SOUTH", hours=12.2505, km=131.0004, poi=("SITE-3",)
        ),
    )

    legacy.threads.run(usage.consume_data)

    messages = kafka.messages(legacy.env("usage")["USAGE_TOPIC"], schema=USAGE_SCHEMA)
    assert [(m.key, m.value) for m in messages] == [
        (
            "EX007",
            {
                "identifier": "EX007",
                "base_code": "SOUTH",  # the later event's base
                "date": "2025-11-21",
                "start_timestamp": DAY_START + HOUR,
                "end_timestamp": DAY_START + 3 * HOUR + 1,
                "delta_ms": 2 * HOUR + 1,
                "delta_hours": 2.251,
                "delta_km": 31.0,
                "sources": ["SITE-1", "SITE-2"],  # where it was at the reference
            },
        )
    ]


@NEEDS_A_BACKEND
def test_a_record_is_published_for_each_computed_interval_only(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    for event in (
        telemetry("EX001", DAY_START, hours=1.0, km=1.0),  # first
        telemetry("EX001", DAY_START + HOUR, hours=2.0, km=2.0),  # computed
        telemetry("EX001", DAY_START + HOUR, hours=2.0, km=2.0),  # redelivered
        telemetry("EX001", DAY_START + 2 * HOUR, odometry=False),  # missing odometry
        telemetry("EX001", DAY_START + 3 * HOUR, hours=0.5, km=0.5),  # reset
        telemetry("EX001", DAY_START + 4 * HOUR, hours=1.5, km=3.5),  # computed
    ):
        kafka.produce(usage.TELEMETRY_TOPIC, event)

    legacy.threads.run(usage.consume_data)

    assert [
        (r["start_timestamp"], r["end_timestamp"], r["delta_hours"], r["delta_km"])
        for r in kafka.values(usage.USAGE_TOPIC, schema=USAGE_SCHEMA)
    ] == [
        (DAY_START, DAY_START + HOUR, 1.0, 1.0),
        (DAY_START + 3 * HOUR, DAY_START + 4 * HOUR, 1.0, 3.0),
    ]


# -- daily costs -------------------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_usage_is_split_evenly_across_the_sources(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(telemetry("EX001", DAY_START, hours=10.0, km=100.0, poi=("B", "A")))
    usage.handle_message(telemetry("EX001", DAY_START + HOUR, hours=13.0, km=107.0))

    expected = {
        "identifier": "EX001",
        "date": "2025-11-21",
        "base_code": "BASE01",
        "intervals": 1,
        "last_timestamp": DAY_START + HOUR,
    }
    assert costs(mongo) == [
        {**expected, "source": "A", "hours": 1.5, "km": 3.5},
        {**expected, "source": "B", "hours": 1.5, "km": 3.5},
    ]


@NEEDS_A_BACKEND
def test_intervals_of_the_same_day_and_source_add_up(mongo: MongoFixture, usage: ModuleType) -> None:
    usage.handle_message(telemetry("EX001", DAY_START, hours=10.0, km=100.0, poi=("A",)))
    usage.handle_message(telemetry("EX001", DAY_START + HOUR, hours=11.0, km=110.0, poi=("A",)))
    usage.handle_message(
        telemetry("EX001", DAY_START + 2 * HOUR, hours=11.5, km=112.5, base="NORTH", poi=("A",))
    )

    assert costs(mongo) == [
        {
            "identifier": "EX001",
            "date": "2025-11-21",
            "source": "A",
            "base_code": "NORTH",  # the latest event's base
            "hours": 1.5,
            "km": 12.5,
            "intervals": 2,
            "last_timestamp": DAY_START + 2 * HOUR,
        }
    ]


@NEEDS_A_BACKEND
def test_an_interval_is_booked_on_the_utc_day_of_its_later_event(
    mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(telemetry("EX001", DAY_START - 1, hours=10.0, km=100.0))  # 2025-11-20 23:59:59.999
    usage.handle_message(telemetry("EX001", DAY_START, hours=11.0, km=101.0))  # 2025-11-21 00:00
    usage.handle_message(
        telemetry("EX001", DAY_START + DAY - 1, hours=12.0, km=102.0)
    )  # 2025-11-21 23:59:59.999

    assert [(c["date"], c["hours"], c["intervals"]) for c in costs(mongo)] == [("2025-11-21", 2.0, 2)]


@NEEDS_A_BACKEND
def test_separate_days_sources_and_equipments_get_separate_documents(
    mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(telemetry("EX001", DAY_START, hours=1.0, km=1.0, poi=("A",)))
    usage.handle_message(telemetry("EX001", DAY_START + HOUR, hours=2.0, km=2.0, poi=("B",)))
    usage.handle_message(telemetry("EX001", DAY_START + DAY, hours=3.0, km=3.0))
    usage.handle_message(telemetry("EX002", DAY_START, hours=1.0, km=1.0, poi=("A",)))
    usage.handle_message(telemetry("EX002", DAY_START + HOUR, hours=5.0, km=5.0))

    assert [(c["date"], c["identifier"], c["source"], c["hours"]) for c in costs(mongo)] == [
        ("2025-11-21", "EX001", "A", 1.0),
        ("2025-11-21", "EX002", "A", 4.0),
        ("2025-11-22", "EX001", "B", 1.0),
    ]


@NEEDS_A_BACKEND
def test_last_timestamp_of_a_cost_never_goes_back(mongo: MongoFixture, usage: ModuleType) -> None:
    later = telemetry("EX001", DAY_START + 2 * HOUR)
    earlier = telemetry("EX001", DAY_START + HOUR)

    usage.upsert_costs(later, ["A"], 1.0, 2.0)
    usage.upsert_costs(earlier, ["A"], 0.5, 1.0)

    assert [(c["last_timestamp"], c["hours"], c["km"], c["intervals"]) for c in costs(mongo)] == [
        (DAY_START + 2 * HOUR, 1.5, 3.0, 2)
    ]


# -- references ----------------------------------------------------------------------------------


@NEEDS_A_BACKEND
def test_one_reference_document_per_equipment_replaced_by_each_new_reference(
    mongo: MongoFixture, usage: ModuleType
) -> None:
    first = telemetry("EX001", DAY_START, hours=1.0, km=1.0)
    later = telemetry("EX001", DAY_START + HOUR, hours=2.0, km=2.0)
    usage.save_reference(first)
    usage.save_reference(later)

    assert mongo.documents(DATABASE, STATE) == [{"identifier": "EX001", "event": later}]
    assert usage.app.test_client().get("/debug/lastdata").get_json() == {"EX001": later}


# -- emit_on_kafka ---------------------------------------------------------------------------------


class FullQueueProducer:
    """A producer whose local queue is full for the first `full_for` produce calls."""

    def __init__(self, full_for: int) -> None:
        self.full_for = full_for
        self.produced: list[tuple[str, Any, Any]] = []

    def produce(self, topic: str, key: Any = None, value: Any = None, on_delivery: Any = None) -> None:
        if self.full_for > 0:
            self.full_for -= 1
            raise BufferError("Local: Queue full")
        self.produced.append((topic, key, value))

    def poll(self, timeout: float = -1) -> int:
        return 0


RECORD = {"identifier": "EX001", "delta_hours": 1.0}


def test_a_full_producer_queue_is_drained_and_the_record_produced_once(usage: ModuleType) -> None:
    producer = FullQueueProducer(full_for=1)

    usage.emit_on_kafka(producer, "usage.records", RECORD)

    assert producer.produced == [("usage.records", "EX001", RECORD)]


def test_a_queue_still_full_after_draining_fails_the_produce(usage: ModuleType) -> None:
    producer = FullQueueProducer(full_for=2)

    with pytest.raises(BufferError):
        usage.emit_on_kafka(producer, "usage.records", RECORD)
    assert producer.produced == []


def test_a_record_is_produced_with_its_identifier_as_key(usage: ModuleType) -> None:
    producer = FullQueueProducer(full_for=0)

    usage.emit_on_kafka(producer, "usage.records", RECORD)

    assert producer.produced == [("usage.records", "EX001", RECORD)]
