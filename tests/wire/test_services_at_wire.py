"""The three bundled services at `wire`, in the same session as their suites at `fake`.

A smoke test per path the wire level takes: Avro telemetry through the real `DeserializingConsumer`
and the loopback registry (current), kafka-python and a real HTTP archive (history), the real
`SerializingProducer` publishing Avro (usage). Each loads its service with `fidelity="wire"`, so
the default run (`make test`, everything at `fake`) covers the wire level too; the services'
whole suites run at `wire` with `--harness-fidelity=wire` (see the README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.fixtures import HttpFixture, KafkaFixture, LegacyFixture, MongoFixture
from harness.wire.http import LoopbackArchive
from harness.wire.kafka import MockCluster

SCHEMAS = Path(__file__).resolve().parents[2] / "legacy_services" / "schemas"
DAY_START = 1_763_683_200_000  # 2025-11-21T00:00:00Z
HOUR = 3_600_000


def telemetry(
    identifier: str, timestamp: int, *, hours: float = 10.0, km: float = 100.0
) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": "BASE01", "name": "Base BASE01"},
        "c40": {
            "position": {"lat": 45.0, "lon": 9.0},
            "speed_kmh": 0.0,
            "engine_on": True,
            "odometry": {"hours_tot": hours, "km_tot": km},
            "poi": [],
        },
    }


def test_current_decodes_avro_telemetry_from_the_mock_cluster(
    legacy: LegacyFixture, kafka: KafkaFixture
) -> None:
    current = legacy.load("current", fidelity="wire")
    kafka.use_schema(current.CURRENT_TOPIC, SCHEMAS / "telemetry.avsc")
    kafka.produce(current.CURRENT_TOPIC, telemetry("EX001", DAY_START + HOUR), key="EX001")
    kafka.produce(current.CURRENT_TOPIC, telemetry("EX001", DAY_START), key="EX001")

    run = legacy.threads.run(current.consume_data)

    assert isinstance(kafka.broker, MockCluster)
    assert (run.ended, run.stop.delivered) == ("stopped", 2)
    response = current.app.test_client().get("/equipment/EX001")
    assert (response.status_code, response.get_json()["timestamp"]) == (200, DAY_START + HOUR)


def test_history_stores_what_kafka_python_consumed_and_merges_a_real_archive_answer(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture, http: HttpFixture
) -> None:
    history = legacy.load("history", fidelity="wire")
    kafka.produce(history.HISTORY_TOPIC, telemetry("EX001", DAY_START))
    archived = {
        "identifier": "EX001",
        "timestamp": DAY_START - 60 * 24 * HOUR,
        "base": None,
        "position": None,
    }
    http.reply(json={"positions": [archived]})

    legacy.threads.run(history.consume_data)
    start, end = archived["timestamp"], DAY_START
    body = history.app.test_client().get(f"/equip/EX001?start={start}&end={end}").get_json()

    assert isinstance(http.server, LoopbackArchive)
    assert [d["timestamp"] for d in mongo.documents("c40", "positions_history")] == [DAY_START]
    assert [p["timestamp"] for p in body["positions"]] == [start, DAY_START]
    assert body["archive"] == {"status": "ok", "count": 1}
    assert [(r.method, r.path) for r in http.requests] == [("GET", "/equip/EX001")]


def test_history_degrades_when_the_archive_drops_the_connection(
    legacy: LegacyFixture, http: HttpFixture
) -> None:
    history = legacy.load("history", fidelity="wire")
    http.connection_error()

    body = history.app.test_client().get(f"/equip/EX001?start=0&end={DAY_START}").get_json()

    assert (body["archive"], body["complete"]) == ({"status": "unavailable", "count": 0}, False)


def test_usage_publishes_an_avro_usage_record_through_the_real_serializing_producer(
    legacy: LegacyFixture, kafka: KafkaFixture, mongo: MongoFixture
) -> None:
    usage = legacy.load("usage", fidelity="wire")
    kafka.produce(usage.TELEMETRY_TOPIC, telemetry("EX001", DAY_START, hours=10.0, km=100.0))
    kafka.produce(usage.TELEMETRY_TOPIC, telemetry("EX001", DAY_START + HOUR, hours=11.5, km=112.0))

    legacy.threads.run(usage.consume_data)

    [message] = kafka.messages(usage.USAGE_TOPIC, schema=SCHEMAS / "usage.avsc")
    assert message.key == "EX001"
    assert (message.value["delta_hours"], message.value["delta_km"], message.value["sources"]) == (
        1.5,
        12.0,
        ["BASE01"],
    )
    assert [(c["hours"], c["km"]) for c in mongo.documents("c40_usage", "usage_costs")] == [
        (1.5, 12.0)
    ]
