"""history: positions consumed from Kafka land in MongoDB; old ranges come from the archive."""

from __future__ import annotations

from types import ModuleType

from harness.fixtures import HttpFixture, KafkaFixture, LegacyFixture, MongoFixture

from .builders import NEEDS_A_BACKEND
from .events import DAY_START, HOUR, telemetry


@NEEDS_A_BACKEND
def test_a_consumed_position_lands_in_mongo(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    event = telemetry("EX001", DAY_START, position={"lat": 45.0, "lon": 9.0})
    kafka.produce(history.HISTORY_TOPIC, event)

    legacy.threads.run(history.consume_data)

    assert mongo.documents(history.MONGO_DB, history.MONGO_COLLECTION) == [
        {
            "identifier": "EX001",
            "timestamp": DAY_START,
            "base": event["base"],
            "position": {"lat": 45.0, "lon": 9.0},
        }
    ]


@NEEDS_A_BACKEND
def test_duplicates_and_poison_messages_are_skipped_without_stopping_the_consumer(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    kafka.produce(history.HISTORY_TOPIC, telemetry("EX001", DAY_START))
    kafka.produce(history.HISTORY_TOPIC, b"\xff not json")
    kafka.produce(history.HISTORY_TOPIC, telemetry("EX001", DAY_START))  # redelivered
    kafka.produce(history.HISTORY_TOPIC, telemetry("EX001", DAY_START + HOUR))

    legacy.threads.run(history.consume_data)

    stored = mongo.documents(history.MONGO_DB, history.MONGO_COLLECTION, sort="timestamp")
    assert [doc["timestamp"] for doc in stored] == [DAY_START, DAY_START + HOUR]


@NEEDS_A_BACKEND
def test_an_archive_timeout_degrades_to_the_positions_mongo_has(
    kafka: KafkaFixture, http: HttpFixture, mongo: MongoFixture, history: ModuleType
) -> None:
    history.collection.insert_one(
        {"identifier": "EX001", "timestamp": 5_000, "base": {"code": "B"}, "position": None}
    )
    http.timeout()

    response = history.app.test_client().get("/equip/EX001?start=1&end=10000")

    body = response.get_json()
    assert response.status_code == 200
    assert body["archive"] == {"status": "timeout", "count": 0}
    assert body["complete"] is False
    assert [p["timestamp"] for p in body["positions"]] == [5_000]
    assert http.last_request.params == {"start": "1", "end": "10000"}
