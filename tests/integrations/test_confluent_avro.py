"""The legacy `confluent_kafka.avro` (AvroProducer, AvroConsumer) through the plugin at every level:
`fake` (the package's own code over the fake, see tests/fakes/test_confluent_avro.py and the
realworld project `legacy_confluent_avro`), `wire` (the real package on librdkafka's mock cluster
and the loopback registry), Kafka at `wire` with the service's HTTP at `fake` (the registry
client's requests reach the loopback registry, not the scripted routes), and `stub`.

Run in a network namespace of its own (loopback only).
"""

from __future__ import annotations

import pytest
from plugin.conftest import Project

from harness.fakes import confluent_avro

SERVICE = """
import os
import threading

import requests
from confluent_kafka import avro
from confluent_kafka.avro import AvroConsumer, AvroProducer

PING = avro.loads('{"type": "record", "name": "Ping", "fields": [{"name": "n", "type": "int"}]}')
conf = {
    "bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
    "schema.registry.url": os.environ["SCHEMA_REGISTRY_URL"],
}
producer = AvroProducer(conf, default_value_schema=PING)
consumer = AvroConsumer(dict(conf, **{"group.id": "pings", "auto.offset.reset": "earliest"}))
consumer.subscribe(["pings"])
SEEN = []
KEYS = []


def ping(n):
    producer.produce(topic="pings", value={"n": n})
    producer.flush()


def consume():
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        SEEN.append(msg.value()["n"])
        KEYS.append(msg.key())
        requests.post(os.environ["ALERTS_URL"], json=msg.value(), timeout=5)


threading.Thread(target=consume, daemon=True).start()
"""

TESTS = """
import pytest
from harness.wire.kafka import MockCluster

PING = {"type": "record", "name": "Ping", "fields": [{"name": "n", "type": "int"}]}
pytestmark = pytest.mark.filterwarnings("ignore:Avro(Producer|Consumer) has been deprecated")


@pytest.mark.parametrize("name", ["wired", "mixed"])
def test_what_the_service_and_the_test_produced_is_consumed_on_the_mock_cluster(legacy, kafka, http, name):
    svc = legacy.load(name)
    http.reply(status=202)
    svc.ping(4)
    kafka.produce("pings", {"n": 5}, key="k5", schema=PING, key_schema={"type": "string"})

    run = legacy.threads.run(svc.consume)

    assert isinstance(kafka.broker, MockCluster)
    assert (run.ended, sorted(svc.SEEN), set(svc.KEYS)) == ("stopped", [4, 5], {None, "k5"})
    assert [(m.key, m.value) for m in kafka.messages("pings")] == [(None, {"n": 4}), ("k5", {"n": 5})]
    assert [request.method for request in http.requests] == ["POST", "POST"]


def test_at_stub_the_clients_are_mocks(legacy):
    svc = legacy.load("stubbed")

    svc.ping(1)

    assert type(svc.producer).__module__ == "unittest.mock"
    assert "confluent_kafka (stub)" in legacy.report
"""

CONFIG = """
[tool.harness.services.wired]
path = "wired/pings.py"
fidelity = "wire"

[tool.harness.services.mixed]
path = "mixed/pings.py"
fidelity = { confluent_kafka = "wire" }

[tool.harness.services.stubbed]
path = "stubbed/pings.py"
fidelity = "stub"
"""


@pytest.mark.timeout(120)
def test_the_legacy_avro_clients_at_wire_mixed_and_stub_levels(
    project: Project,
) -> None:
    for name in ("wired", "mixed", "stubbed"):
        project.legacy(f"{name}/pings.py", SERVICE)
    project.config(CONFIG)
    project.tests(TESTS)

    project.run_isolated(timeout=100).assert_outcomes(passed=3)


def test_a_confluent_kafka_without_the_legacy_package_fails_the_load_in_one_line(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confluent_avro, "package_dir", lambda: None)
    project.legacy("svc.py", "from confluent_kafka.avro import AvroProducer\n")
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*svc.py:1 imports 'confluent_kafka.avro', which the 'confluent_kafka' fake (fake "
                "level) does not provide (the harness runs that package's own code over its fake, "
                "and the installed confluent-kafka (*) has none: *install a release that ships it*"
            )
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
