"""usage: hours and km between consecutive events, booked in MongoDB and published as Avro."""

from __future__ import annotations

from types import ModuleType

from harness.fixtures import KafkaFixture, LegacyFixture, MongoFixture

from .builders import NEEDS_A_BACKEND
from .events import DAY_START, HOUR, USAGE_SCHEMA, telemetry


@NEEDS_A_BACKEND
def test_a_delta_is_published_on_kafka_and_decodes_with_usage_avsc(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    kafka.produce(
        usage.TELEMETRY_TOPIC,
        telemetry("EX001", DAY_START, hours=100.0, km=5000.0, poi=("SITE-7",)),
    )
    kafka.produce(
        usage.TELEMETRY_TOPIC, telemetry("EX001", DAY_START + HOUR, hours=101.5, km=5012.4)
    )

    legacy.threads.run(usage.consume_data)

    messages = kafka.messages(usage.USAGE_TOPIC, schema=USAGE_SCHEMA)
    assert [message.key for message in messages] == ["EX001"]
    assert messages[0].value == {
        "identifier": "EX001",
        "base_code": "BASE01",
        "date": "2025-11-21",
        "start_timestamp": DAY_START,
        "end_timestamp": DAY_START + HOUR,
        "delta_ms": HOUR,
        "delta_hours": 1.5,
        "delta_km": 12.4,
        "sources": ["SITE-7"],
    }


@NEEDS_A_BACKEND
def test_the_delta_is_booked_as_a_daily_cost_per_source(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    kafka.produce(
        usage.TELEMETRY_TOPIC, telemetry("EX001", DAY_START, hours=10.0, km=100.0, poi=("A", "B"))
    )
    kafka.produce(usage.TELEMETRY_TOPIC, telemetry("EX001", DAY_START + HOUR, hours=12.0, km=110.0))

    legacy.threads.run(usage.consume_data)

    costs = mongo.documents(usage.DB_NAME, usage.DATA_TABLE, sort="source")
    assert [(c["source"], c["hours"], c["km"], c["intervals"]) for c in costs] == [
        ("A", 1.0, 5.0, 1),
        ("B", 1.0, 5.0, 1),
    ]


@NEEDS_A_BACKEND
def test_a_first_event_becomes_the_reference_and_books_nothing(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    first = telemetry("EX001", DAY_START)
    kafka.produce(usage.TELEMETRY_TOPIC, first)

    legacy.threads.run(usage.consume_data)

    assert usage.app.test_client().get("/debug/lastdata?identifier=EX001").get_json() == first
    assert mongo.documents(usage.DB_NAME, usage.DATA_TABLE) == []
    assert kafka.values(usage.USAGE_TOPIC) == []
