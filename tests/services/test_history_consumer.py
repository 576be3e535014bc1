"""history's consumer: which JSON telemetry messages become position documents in MongoDB."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import KafkaFixture, LegacyFixture, MongoFixture

from .builders import HISTORY_ENV, NEEDS_A_BACKEND, freeze_clock, position
from .events import DAY_START, telemetry

# The documented defaults: MONGO_DB=c40, MONGO_COLLECTION=positions_history.
DATABASE, COLLECTION = "c40", "positions_history"


def stored(mongo: MongoFixture) -> list[dict[str, Any]]:
    return mongo.documents(DATABASE, COLLECTION, sort=[("identifier", 1), ("timestamp", 1)])


def consume(legacy: LegacyFixture, kafka: KafkaFixture, history: ModuleType, *values: Any) -> None:
    for value in values:
        kafka.produce(history.HISTORY_TOPIC, value)
    run = legacy.threads.run(history.consume_data)
    assert run.ended == "stopped"


@NEEDS_A_BACKEND
def test_a_consumed_event_becomes_a_position_document(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    consume(
        legacy,
        kafka,
        history,
        telemetry("EX001", DAY_START, base="NORTH", position={"lat": 44.5, "lon": 11.25}),
    )

    assert stored(mongo) == [
        {
            "identifier": "EX001",
            "timestamp": DAY_START,
            "base": {"code": "NORTH", "name": "Base NORTH"},
            "position": {"lat": 44.5, "lon": 11.25},
        }
    ]


@NEEDS_A_BACKEND
def test_a_null_position_is_stored_as_null(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    event = telemetry("EX001", DAY_START)
    event["c40"]["position"] = None

    consume(legacy, kafka, history, event)

    assert [doc["position"] for doc in stored(mongo)] == [None]


@NEEDS_A_BACKEND
def test_a_c40_without_position_is_stored_with_a_null_position(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    event = telemetry("EX001", DAY_START)
    event["c40"] = {"speed_kmh": 3.0}

    consume(legacy, kafka, history, event)

    assert stored(mongo) == [{**position("EX001", DAY_START), "position": None}]


@NEEDS_A_BACKEND
def test_a_redelivered_event_is_stored_once_and_the_first_copy_kept(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    consume(
        legacy,
        kafka,
        history,
        telemetry("EX001", DAY_START),
        telemetry("EX001", DAY_START, position={"lat": 1.0, "lon": 1.0}),  # same identifier and time
        telemetry("EX001", DAY_START + 1),
    )

    assert stored(mongo) == [position("EX001", DAY_START), position("EX001", DAY_START + 1)]


@NEEDS_A_BACKEND
def test_equipments_sharing_a_timestamp_are_all_stored(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    consume(legacy, kafka, history, telemetry("EX001", DAY_START), telemetry("EX002", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START), position("EX002", DAY_START)]


@NEEDS_A_BACKEND
def test_bytes_that_are_not_json_are_skipped_and_the_following_events_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    consume(legacy, kafka, history, b"\xff\xfe not utf-8", b"{not json", telemetry("EX001", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START)]


@NEEDS_A_BACKEND
@pytest.mark.parametrize("value", [[1, 2], "a string", 42, None], ids=["array", "string", "number", "null"])
def test_json_that_is_not_an_object_is_skipped_and_the_following_events_consumed(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType, value: Any
) -> None:
    # Sent as JSON text (a bare None would be a tombstone).
    consume(legacy, kafka, history, json.dumps(value).encode(), telemetry("EX001", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START)]


@NEEDS_A_BACKEND
@pytest.mark.parametrize("missing", ["identifier", "timestamp", "base", "c40"])
def test_an_event_missing_a_required_key_is_skipped_and_the_following_events_consumed(
    legacy: LegacyFixture,
    kafka: KafkaFixture,
    mongo: MongoFixture,
    history: ModuleType,
    missing: str,
) -> None:
    incomplete = telemetry("EX009", DAY_START)
    del incomplete[missing]

    consume(legacy, kafka, history, incomplete, telemetry("EX001", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("base", "BASE01"), ("base", None), ("c40", "on"), ("c40", None)],
    ids=["base-string", "base-null", "c40-string", "c40-null"],
)
@NEEDS_A_BACKEND
def test_an_event_whose_base_or_c40_is_not_an_object_is_skipped(
    legacy: LegacyFixture,
    kafka: KafkaFixture,
    mongo: MongoFixture,
    history: ModuleType,
    field: str,
    value: Any,
) -> None:
    broken = telemetry("EX009", DAY_START)
    broken[field] = value

    consume(legacy, kafka, history, broken, telemetry("EX001", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START)]


@pytest.mark.parametrize(
    "timestamp",
    [1763683200000.0, "1763683200000", True, None],
    ids=["float", "string", "bool", "null"],
)
@NEEDS_A_BACKEND
def test_an_event_whose_timestamp_is_not_an_integer_is_skipped(
    legacy: LegacyFixture,
    kafka: KafkaFixture,
    mongo: MongoFixture,
    history: ModuleType,
    timestamp: Any,
) -> None:
    broken = telemetry("EX009", DAY_START)
    broken["timestamp"] = timestamp

    consume(legacy, kafka, history, broken, telemetry("EX001", DAY_START))

    assert stored(mongo) == [position("EX001", DAY_START)]


@pytest.mark.harness_fidelity("fake")  # counts the clients the fake library built
def test_skipped_and_duplicate_messages_keep_the_same_consumer(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    # A skip must move on to the next message, not end the attempt: ending it would build a
    # new KafkaConsumer per bad message and leave the old one in the group, unclosed.
    not_an_object = telemetry("EX001", DAY_START)
    not_an_object["base"] = "NORTH"
    float_timestamp = telemetry("EX001", DAY_START)
    float_timestamp["timestamp"] = DAY_START + 0.5
    missing_key = telemetry("EX001", DAY_START)
    del missing_key["c40"]
    built_before = len(kafka.clients())

    consume(
        legacy,
        kafka,
        history,
        telemetry("EX001", DAY_START),
        [1, 2, 3],
        missing_key,
        not_an_object,
        float_timestamp,
        telemetry("EX001", DAY_START),  # a duplicate
        telemetry("EX002", DAY_START),
    )

    built = [client.cls for client in kafka.clients()[built_before:]]
    assert built == ["KafkaConsumer"]
    assert stored(mongo) == [position("EX001", DAY_START), position("EX002", DAY_START)]


@NEEDS_A_BACKEND
def test_a_tombstone_fails_every_attempt_and_holds_back_what_follows_it(
    monkeypatch: pytest.MonkeyPatch,
    legacy: LegacyFixture,
    kafka: KafkaFixture,
    mongo: MongoFixture,
    history: ModuleType,
) -> None:
    # kafka-python hands the tombstone's None to decode_message, which only expects bytes: the
    # attempt fails, the consumer is closed, and after the pause the next attempt gets the same
    # tombstone again. (Unlike undecodable bytes, it is never skipped: see the README.)
    pauses: list[float] = []
    freeze_clock(monkeypatch, history, during_sleep=pauses.append)
    for value in (
        telemetry("EX001", DAY_START),
        None,
        telemetry("EX002", DAY_START),
    ):
        kafka.produce(history.HISTORY_TOPIC, value)

    # Delivered: the event, then the tombstone to three attempts in a row.
    run = legacy.threads.run(history.consume_data, max_messages=4)

    assert run.ended == "stopped"
    assert pauses == [0.0, 0.0, 0.0]
    assert stored(mongo) == [position("EX001", DAY_START)]


@NEEDS_A_BACKEND
def test_the_consumer_waits_and_retries_while_mongo_refuses_the_unique_index(
    monkeypatch: pytest.MonkeyPatch,
    legacy: LegacyFixture,
    kafka: KafkaFixture,
    mongo: MongoFixture,
    history: ModuleType,
) -> None:
    # Positions stored twice before the unique index existed: building it fails until the
    # duplicate is gone. Here it is removed during the consumer's first retry pause.
    collection = mongo[DATABASE][COLLECTION]
    collection.insert_many([position("EX001", DAY_START), position("EX001", DAY_START)])
    pauses: list[float] = []

    def remove_the_duplicate(seconds: float) -> None:
        pauses.append(seconds)
        collection.delete_one({"identifier": "EX001", "timestamp": DAY_START})

    freeze_clock(monkeypatch, history, during_sleep=remove_the_duplicate)

    consume(legacy, kafka, history, telemetry("EX002", DAY_START))

    assert pauses == [0.0]  # CONSUMER_RETRY_SECONDS, set to 0 for the suites
    assert stored(mongo) == [position("EX001", DAY_START), position("EX002", DAY_START)]


@NEEDS_A_BACKEND
def test_the_consumer_creates_the_unique_and_the_timestamp_indexes(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    consume(legacy, kafka, history)

    indexes = mongo[DATABASE][COLLECTION].index_information()
    assert {name: (spec["key"], spec.get("unique", False)) for name, spec in indexes.items()} == {
        "_id_": ([("_id", 1)], False),
        "identifier_timestamp_unique": ([("identifier", 1), ("timestamp", 1)], True),
        "timestamp": ([("timestamp", 1)], False),
    }


@NEEDS_A_BACKEND
def test_the_consumer_reads_the_topic_named_by_HISTORY_TOPIC(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    kafka.produce(
        legacy.env("history")["HISTORY_TOPIC"],
        telemetry("EX001", DAY_START),
    )
    kafka.produce("other.telemetry", telemetry("EX002", DAY_START))

    legacy.threads.run(history.consume_data)

    assert stored(mongo) == [position("EX001", DAY_START)]


def test_the_consumer_thread_is_a_daemon_built_and_started_at_import(
    legacy: LegacyFixture, history: ModuleType
) -> None:
    threads = [(t.target, t.at_import, t.started, t.daemon) for t in legacy.threads]

    assert threads == [(history.consume_data, True, True, True)]


class TestDecodeMessage:
    """decode_message, the consumer's value deserializer: never raises on bad bytes."""

    def test_utf8_json_is_decoded(self, history: ModuleType) -> None:
        assert history.decode_message('{"identifier": "EX001", "name": "Pelle à vapeur"}'.encode()) == {
            "identifier": "EX001",
            "name": "Pelle à vapeur",
        }

    @pytest.mark.parametrize("raw", [b"\xff\xfe", b"{truncated", b""], ids=["not-utf8", "not-json", "empty"])
    def test_undecodable_bytes_give_none(self, history: ModuleType, raw: bytes) -> None:
        assert history.decode_message(raw) is None


class TestConfiguredByEnvironment:
    """The variables of the README pick the topic, database, collection, archive and retention."""

    @NEEDS_A_BACKEND
    def test_positions_from_the_configured_topic_land_in_the_configured_collection(
        self, legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture
    ) -> None:
        history = legacy.load("history", env=HISTORY_ENV)
        kafka.produce("fleet.positions", telemetry("EX001", DAY_START))

        legacy.threads.run(history.consume_data)

        assert mongo.documents("fleet", "positions") == [position("EX001", DAY_START)]
        assert mongo.documents(DATABASE, COLLECTION) == []


def test_the_service_reads_exactly_the_documented_environment_variables(
    legacy: LegacyFixture, history: ModuleType
) -> None:
    assert sorted(legacy.env("history")) == [
        "ARCHIVE_SERVICE_URL",
        "ARCHIVE_TIMEOUT_SECONDS",
        "CONSUMER_RETRY_SECONDS",
        "HISTORY_API_PORT",
        "HISTORY_TOPIC",
        "KAFKA_API_VERSION",
        "KAFKA_GROUP_ID",
        "KAFKA_IP",
        "KAFKA_PORT",
        "MONGO_COLLECTION",
        "MONGO_DB",
        "MONGO_IP",
        "MONGO_PORT",
        "RETENTION_DAYS",
    ]
