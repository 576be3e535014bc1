"""current's consumer: which Avro telemetry events become the stored state of an equipment.

The import-time consumer thread is run inline (`legacy.threads.run`); what it stored is read
back through the HTTP API, as a client of the service would see it.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from harness.fixtures import KafkaFixture, LegacyFixture

from .builders import NEEDS_A_BACKEND, get
from .events import telemetry


def publish(kafka: KafkaFixture, current: ModuleType, event: Any, topic: str | None = None) -> None:
    """Produce as the telemetry gateway does: Avro value, the identifier as a UTF-8 key."""
    key = event["identifier"] if isinstance(event, dict) else "EX001"
    kafka.produce(topic or current.CURRENT_TOPIC, event, key=key)


def stored(current: ModuleType) -> dict[str, Any]:
    """identifier -> stored event, as GET /equipment lists them."""
    status, body = get(current, "/equipment")
    assert status == 200
    return {event["identifier"]: event for event in body["equipment"]}


@NEEDS_A_BACKEND
def test_a_consumed_event_is_stored_exactly_as_deserialized(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    event = telemetry("EX001", 1000, position={"lat": 44.5, "lon": 11.25}, poi=("SITE-7",))
    publish(kafka, current, event)

    run = legacy.threads.run(current.consume_data)

    assert run.ended == "stopped"
    assert get(current, "/equipment/EX001") == (200, event)


@NEEDS_A_BACKEND
def test_a_newer_event_replaces_the_stored_one(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    publish(kafka, current, telemetry("EX001", 1000, position={"lat": 1.0, "lon": 1.0}))
    newer = telemetry("EX001", 1001, position={"lat": 2.0, "lon": 2.0})
    publish(kafka, current, newer)

    legacy.threads.run(current.consume_data)

    assert stored(current) == {"EX001": newer}


@NEEDS_A_BACKEND
def test_a_late_event_never_replaces_a_newer_one(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    newer = telemetry("EX001", 2000, position={"lat": 2.0, "lon": 2.0})
    publish(kafka, current, newer)
    publish(kafka, current, telemetry("EX001", 1999, position={"lat": 1.0, "lon": 1.0}))
    after_the_late_one = telemetry("EX002", 1000)
    publish(kafka, current, after_the_late_one)

    legacy.threads.run(current.consume_data)

    assert stored(current) == {"EX001": newer, "EX002": after_the_late_one}


@NEEDS_A_BACKEND
def test_an_event_with_the_same_timestamp_replaces_the_stored_one(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    publish(kafka, current, telemetry("EX001", 2000, position={"lat": 1.0, "lon": 1.0}))
    last_delivered = telemetry("EX001", 2000, position={"lat": 2.0, "lon": 2.0})
    publish(kafka, current, last_delivered)

    legacy.threads.run(current.consume_data)

    assert stored(current) == {"EX001": last_delivered}


@NEEDS_A_BACKEND
def test_each_equipment_keeps_its_own_newest_event(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    ex001 = telemetry("EX001", 5000)
    ex002 = telemetry("EX002", 1000)  # older than EX001's, but EX002's first
    publish(kafka, current, ex001)
    publish(kafka, current, ex002)

    legacy.threads.run(current.consume_data)

    assert stored(current) == {"EX001": ex001, "EX002": ex002}


@NEEDS_A_BACKEND
def test_a_tombstone_is_skipped_and_the_following_events_are_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    kafka.produce(current.CURRENT_TOPIC, None, key="EX001")
    event = telemetry("EX001", 1000)
    publish(kafka, current, event)

    run = legacy.threads.run(current.consume_data)

    assert run.ended == "stopped"
    assert stored(current) == {"EX001": event}


@NEEDS_A_BACKEND
def test_an_undecodable_message_is_skipped_and_the_following_events_are_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    # Straight to the broker: the topic's default schema would Avro-encode anything else.
    kafka.broker.produce(current.CURRENT_TOPIC, b"not avro at all", key="EX001")
    event = telemetry("EX001", 1000)
    publish(kafka, current, event)

    run = legacy.threads.run(current.consume_data)

    assert run.ended == "stopped"
    assert stored(current) == {"EX001": event}


@NEEDS_A_BACKEND
def test_an_event_without_identifier_is_skipped_and_the_following_events_are_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    anonymous_schema = json.dumps(
        {"type": "record", "name": "Anonymous", "fields": [{"name": "timestamp", "type": "long"}]}
    )
    kafka.produce(current.CURRENT_TOPIC, {"timestamp": 1000}, key="EX001", schema=anonymous_schema)
    event = telemetry("EX002", 1000)
    publish(kafka, current, event)

    run = legacy.threads.run(current.consume_data)

    assert run.ended == "stopped"
    assert stored(current) == {"EX002": event}


@NEEDS_A_BACKEND
def test_empty_polls_keep_the_consumer_polling(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    event = telemetry("EX001", 1000)
    publish(kafka, current, event)

    # Stopped only at the third empty poll: the first two must not end the loop.
    run = legacy.threads.run(current.consume_data, empty_polls=3)

    assert run.ended == "stopped"
    assert stored(current) == {"EX001": event}


@NEEDS_A_BACKEND
def test_the_consumer_reads_the_topic_named_by_CURRENT_TOPIC(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    event = telemetry("EX001", 1000)
    publish(kafka, current, event, topic=legacy.env("current")["CURRENT_TOPIC"])

    legacy.threads.run(current.consume_data)

    assert stored(current) == {"EX001": event}


@NEEDS_A_BACKEND
def test_events_on_other_topics_are_not_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, current: ModuleType
) -> None:
    kafka.produce("other.telemetry", telemetry("EX001", 1000), key="EX001")

    legacy.threads.run(current.consume_data)

    assert stored(current) == {}


def test_the_consumer_thread_is_built_at_import_and_started(
    legacy: LegacyFixture, current: ModuleType
) -> None:
    threads = [(t.target, t.at_import, t.started, t.daemon) for t in legacy.threads]

    # Non-daemon, as in production: Python waits for it at exit.
    assert threads == [(current.consume_data, True, True, False)]


def test_the_service_reads_exactly_the_documented_environment_variables(
    legacy: LegacyFixture, current: ModuleType
) -> None:
    assert sorted(legacy.env("current")) == [
        "CURRENT_API_PORT",
        "CURRENT_TOPIC",
        "KAFKA_GROUP_ID",
        "KAFKA_IP",
        "KAFKA_PORT",
        "SCHEMA_REGISTRY_URL",
    ]
