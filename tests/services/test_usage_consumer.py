"""usage's business rules (handle_message) and its consumer loop, judged by their effects.

Effects are read where a user of the service sees them: the reference event (/debug/lastdata
and the state collection), the daily costs in MongoDB, the usage records on Kafka.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import KafkaFixture, LegacyFixture, MongoFixture

from .builders import NEEDS_A_BACKEND, USAGE_ENV, get
from .events import DAY_START, HOUR, USAGE_SCHEMA, telemetry

# The documented defaults: DB_NAME=c40_usage, DATA_TABLE=usage_costs, STATE_TABLE=usage_state.
DATABASE, COSTS, STATE = "c40_usage", "usage_costs", "usage_state"


def references(usage: ModuleType) -> dict[str, Any]:
    status, body = get(usage, "/debug/lastdata")
    assert status == 200
    return body


def saved_references(mongo: MongoFixture) -> list[dict[str, Any]]:
    return mongo.documents(DATABASE, STATE, sort="identifier")


def costs(mongo: MongoFixture) -> list[dict[str, Any]]:
    return mongo.documents(DATABASE, COSTS, sort=[("date", 1), ("identifier", 1), ("source", 1)])


def records(kafka: KafkaFixture, usage: ModuleType) -> list[dict[str, Any]]:
    return kafka.values(usage.USAGE_TOPIC, schema=USAGE_SCHEMA)


def assert_nothing_booked(kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType) -> None:
    __tracebackhide__ = True
    assert costs(mongo) == []
    assert records(kafka, usage) == []


REFERENCE = telemetry("EX001", DAY_START, hours=100.0, km=5000.0)


# -- one event at a time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        [REFERENCE],
        {**REFERENCE, "identifier": ""},
        {**REFERENCE, "timestamp": float(DAY_START + HOUR)},
        {**REFERENCE, "base": {"code": ""}},
    ],
    ids=["not-an-object", "empty-identifier", "float-timestamp", "empty-base-code"],
)
@NEEDS_A_BACKEND
def test_an_invalid_event_changes_nothing(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType, event: Any
) -> None:
    usage.handle_message(REFERENCE)

    assert usage.handle_message(event) == "invalid"

    assert references(usage) == {"EX001": REFERENCE}
    assert saved_references(mongo) == [{"identifier": "EX001", "event": REFERENCE}]
    assert_nothing_booked(kafka, mongo, usage)


def test_a_first_event_without_odometry_is_not_a_reference(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    assert usage.handle_message(telemetry("EX001", DAY_START, odometry=False)) == "missing_odometry"

    assert references(usage) == {}
    assert saved_references(mongo) == []
    assert_nothing_booked(kafka, mongo, usage)


@NEEDS_A_BACKEND
def test_a_first_event_becomes_the_reference_and_books_nothing(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    assert usage.handle_message(REFERENCE) == "first"

    assert references(usage) == {"EX001": REFERENCE}
    assert saved_references(mongo) == [{"identifier": "EX001", "event": REFERENCE}]
    assert_nothing_booked(kafka, mongo, usage)


@NEEDS_A_BACKEND
@pytest.mark.parametrize("offset", [0, -1, -HOUR], ids=["same-time", "one-ms-older", "one-hour-older"])
def test_an_event_not_newer_than_the_reference_is_ignored(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType, offset: int
) -> None:
    usage.handle_message(REFERENCE)

    outcome = usage.handle_message(telemetry("EX001", DAY_START + offset, hours=90.0, km=4000.0))

    assert outcome == "out_of_order"
    assert references(usage) == {"EX001": REFERENCE}
    assert saved_references(mongo) == [{"identifier": "EX001", "event": REFERENCE}]
    assert_nothing_booked(kafka, mongo, usage)


@pytest.mark.parametrize(
    ("hours", "km"),
    [(99.999, 5010.0), (101.0, 4999.999), (0.0, 0.0)],
    ids=["hours-back", "km-back", "both-back"],
)
@NEEDS_A_BACKEND
def test_an_odometer_going_back_becomes_the_new_reference_and_books_nothing(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType, hours: float, km: float
) -> None:
    usage.handle_message(REFERENCE)
    replaced = telemetry("EX001", DAY_START + HOUR, hours=hours, km=km)

    assert usage.handle_message(replaced) == "reset"

    assert references(usage) == {"EX001": replaced}
    assert saved_references(mongo) == [{"identifier": "EX001", "event": replaced}]
    assert_nothing_booked(kafka, mongo, usage)


@NEEDS_A_BACKEND
def test_after_a_reset_usage_is_counted_from_the_new_reading(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(REFERENCE)
    usage.handle_message(telemetry("EX001", DAY_START + HOUR, hours=0.0, km=0.0))

    assert usage.handle_message(telemetry("EX001", DAY_START + 2 * HOUR, hours=0.75, km=6.5)) == "computed"

    assert [(c["hours"], c["km"]) for c in costs(mongo)] == [(0.75, 6.5)]
    assert [(r["start_timestamp"], r["delta_hours"], r["delta_km"]) for r in records(kafka, usage)] == [
        (DAY_START + HOUR, 0.75, 6.5)
    ]


@NEEDS_A_BACKEND
def test_a_newer_event_books_its_usage_and_becomes_the_reference(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(REFERENCE)
    update = telemetry("EX001", DAY_START + HOUR, hours=101.5, km=5012.4)

    assert usage.handle_message(update) == "computed"

    assert references(usage) == {"EX001": update}
    assert saved_references(mongo) == [{"identifier": "EX001", "event": update}]
    assert costs(mongo) == [
        {
            "identifier": "EX001",
            "date": "2025-11-21",
            "source": "BASE01",
            "base_code": "BASE01",
            "hours": 1.5,
            "km": 12.4,
            "intervals": 1,
            "last_timestamp": DAY_START + HOUR,
        }
    ]
    assert records(kafka, usage) == [
        {
            "identifier": "EX001",
            "base_code": "BASE01",
            "date": "2025-11-21",
            "start_timestamp": DAY_START,
            "end_timestamp": DAY_START + HOUR,
            "delta_ms": HOUR,
            "delta_hours": 1.5,
            "delta_km": 12.4,
            "sources": ["BASE01"],
        }
    ]


@NEEDS_A_BACKEND
def test_an_equipment_that_did_not_move_books_a_zero_interval(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(REFERENCE)
    idle = telemetry("EX001", DAY_START + HOUR, hours=100.0, km=5000.0)

    assert usage.handle_message(idle) == "computed"

    assert [(c["hours"], c["km"], c["intervals"]) for c in costs(mongo)] == [(0.0, 0.0, 1)]
    assert [(r["delta_hours"], r["delta_km"]) for r in records(kafka, usage)] == [(0.0, 0.0)]
    assert references(usage) == {"EX001": idle}


@NEEDS_A_BACKEND
def test_a_fraction_of_an_hour_and_of_a_km_is_booked(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(REFERENCE)

    assert usage.handle_message(telemetry("EX001", DAY_START + HOUR, hours=100.25, km=5000.5)) == "computed"

    assert [(c["hours"], c["km"]) for c in costs(mongo)] == [(0.25, 0.5)]


@NEEDS_A_BACKEND
def test_missing_odometry_keeps_the_reference_so_the_next_reading_covers_the_gap(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    usage.handle_message(REFERENCE)

    assert usage.handle_message(telemetry("EX001", DAY_START + HOUR, km=None)) == "missing_odometry"
    assert references(usage) == {"EX001": REFERENCE}
    assert_nothing_booked(kafka, mongo, usage)

    usage.handle_message(telemetry("EX001", DAY_START + 2 * HOUR, hours=103.0, km=5030.0))
    assert [
        (r["start_timestamp"], r["delta_ms"], r["delta_hours"], r["delta_km"]) for r in records(kafka, usage)
    ] == [(DAY_START, 2 * HOUR, 3.0, 30.0)]


def test_equipments_have_separate_references(
    kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    other = telemetry("EX002", DAY_START + HOUR, hours=7.0, km=70.0)
    usage.handle_message(REFERENCE)

    assert usage.handle_message(other) == "first"

    assert references(usage) == {"EX001": REFERENCE, "EX002": other}
    assert_nothing_booked(kafka, mongo, usage)


# -- the consumer loop -------------------------------------------------------------------------


def consume(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType, *values: Any, empty_polls: int = 1
) -> None:
    for value in values:
        kafka.produce(
            usage.TELEMETRY_TOPIC, value, key=value["identifier"] if isinstance(value, dict) else None
        )
    run = legacy.threads.run(usage.consume_data, empty_polls=empty_polls)
    assert run.ended == "stopped"


@NEEDS_A_BACKEND
def test_the_consumer_applies_the_rules_to_each_telemetry_event_in_order(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    consume(
        legacy,
        kafka,
        usage,
        REFERENCE,
        telemetry("EX001", DAY_START + HOUR, hours=101.0, km=5010.0),
        telemetry("EX001", DAY_START + 30 * 60_000, hours=100.5, km=5005.0),  # late
        telemetry("EX001", DAY_START + 2 * HOUR, hours=102.5, km=5025.0),
    )

    assert [
        (r["start_timestamp"], r["end_timestamp"], r["delta_hours"], r["delta_km"])
        for r in records(kafka, usage)
    ] == [
        (DAY_START, DAY_START + HOUR, 1.0, 10.0),
        (DAY_START + HOUR, DAY_START + 2 * HOUR, 1.5, 15.0),
    ]
    assert [(c["hours"], c["km"], c["intervals"]) for c in costs(mongo)] == [(2.5, 25.0, 2)]
    assert references(usage)["EX001"]["timestamp"] == DAY_START + 2 * HOUR


@pytest.mark.parametrize(
    "poison", [b"{not json", b"\xff\xfe", b"[1, 2]"], ids=["not-json", "not-utf8", "not-an-object"]
)
@NEEDS_A_BACKEND
def test_a_message_that_is_not_a_telemetry_object_is_skipped_and_the_following_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType, poison: bytes
) -> None:
    kafka.produce(usage.TELEMETRY_TOPIC, poison)

    consume(legacy, kafka, usage, REFERENCE)

    assert references(usage) == {"EX001": REFERENCE}


@NEEDS_A_BACKEND
def test_empty_polls_keep_the_consumer_polling(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    consume(legacy, kafka, usage, REFERENCE, empty_polls=3)

    assert references(usage) == {"EX001": REFERENCE}


@NEEDS_A_BACKEND
def test_a_consumer_started_before_its_topic_exists_keeps_polling(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    # The first poll reports the unknown topic as an error message: skipped, not fatal.
    run = legacy.threads.run(usage.consume_data, empty_polls=2)

    assert run.ended == "stopped"
    assert references(usage) == {}


@NEEDS_A_BACKEND
def test_the_consumer_reads_the_topic_named_by_TELEMETRY_TOPIC(
    legacy: LegacyFixture, kafka: KafkaFixture, usage: ModuleType
) -> None:
    kafka.produce(legacy.env("usage")["TELEMETRY_TOPIC"], REFERENCE)
    kafka.produce("other.telemetry", telemetry("EX002", DAY_START))

    legacy.threads.run(usage.consume_data)

    assert references(usage) == {"EX001": REFERENCE}


@NEEDS_A_BACKEND
def test_the_consumer_resumes_from_the_references_saved_before_a_restart(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    mongo[DATABASE][STATE].insert_many(
        [
            {"identifier": "EX001", "event": dict(REFERENCE)},
            {"identifier": "EX002", "event": telemetry("EX002", 1)},
        ]
    )

    consume(legacy, kafka, usage, telemetry("EX001", DAY_START + HOUR, hours=102.0, km=5020.0))

    assert [(r["start_timestamp"], r["delta_hours"], r["delta_km"]) for r in records(kafka, usage)] == [
        (DAY_START, 2.0, 20.0)
    ]
    assert sorted(references(usage)) == ["EX001", "EX002"]


@NEEDS_A_BACKEND
def test_load_state_makes_every_saved_event_a_reference(mongo: MongoFixture, usage: ModuleType) -> None:
    ex002 = telemetry("EX002", DAY_START + 5)
    mongo[DATABASE][STATE].insert_many(
        [{"identifier": "EX001", "event": dict(REFERENCE)}, {"identifier": "EX002", "event": dict(ex002)}]
    )

    usage.load_state()

    assert references(usage) == {"EX001": REFERENCE, "EX002": ex002}


@NEEDS_A_BACKEND
def test_the_consumer_creates_the_unique_indexes_of_costs_and_references(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, usage: ModuleType
) -> None:
    consume(legacy, kafka, usage)

    def indexes(collection: str) -> dict[str, tuple[list, bool]]:
        info = mongo[DATABASE][collection].index_information()
        return {name: (spec["key"], spec.get("unique", False)) for name, spec in info.items()}

    assert indexes(COSTS) == {
        "_id_": ([("_id", 1)], False),
        "identifier_date_source_unique": ([("identifier", 1), ("date", 1), ("source", 1)], True),
    }
    assert indexes(STATE) == {
        "_id_": ([("_id", 1)], False),
        "identifier_unique": ([("identifier", 1)], True),
    }


def test_the_consumer_thread_is_a_daemon_built_and_started_at_import(
    legacy: LegacyFixture, usage: ModuleType
) -> None:
    assert [(t.target, t.at_import, t.started) for t in legacy.threads] == [(usage.consume_data, True, True)]
    assert usage.consumer_thread.daemon is True


@NEEDS_A_BACKEND
def test_topics_database_and_collections_come_from_the_environment(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture
) -> None:
    usage = legacy.load("usage", env=USAGE_ENV)
    kafka.produce("fleet.telemetry", REFERENCE)
    kafka.produce("fleet.telemetry", telemetry("EX001", DAY_START + HOUR, hours=101.0, km=5010.0))

    legacy.threads.run(usage.consume_data)

    assert [r["delta_hours"] for r in kafka.values("fleet.usage", schema=USAGE_SCHEMA)] == [1.0]
    assert [(c["identifier"], c["hours"]) for c in mongo.documents("fleet", "costs")] == [("EX001", 1.0)]
    assert [s["identifier"] for s in mongo.documents("fleet", "references")] == ["EX001"]
    assert mongo.database_names() == ["fleet"]


def test_the_service_reads_exactly_the_documented_environment_variables(
    legacy: LegacyFixture, usage: ModuleType
) -> None:
    assert sorted(legacy.env("usage")) == [
        "CONSUMER_RETRY_SECONDS",
        "DATA_TABLE",
        "DB_NAME",
        "KAFKA_GROUP_ID",
        "KAFKA_IP",
        "KAFKA_PORT",
        "MONGO_IP",
        "MONGO_PASSWORD",
        "MONGO_PORT",
        "MONGO_USER",
        "SCHEMA_REGISTRY_URL",
        "STATE_TABLE",
        "TELEMETRY_TOPIC",
        "USAGE_API_PORT",
        "USAGE_TOPIC",
    ]
