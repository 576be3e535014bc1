"""Fidelity levels as test authors meet them: the pinning marker, `wire_env`, and a session that
holds services at `fake` and at `wire` side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.session import HarnessSession

from .conftest import Project

# A legacy consumer service in the style of the bundled ones, and an HTTP client.
CONSUMER_SERVICE = """
import os
import threading

from confluent_kafka import Consumer

TOPIC = os.environ["EVENTS_TOPIC"]
consumer = Consumer({
    "bootstrap.servers": f"{os.environ['KAFKA_HOST']}:{os.environ['KAFKA_PORT']}",
    "group.id": "svc",
    "auto.offset.reset": "earliest",
})
consumer.subscribe([TOPIC])
seen = []


def consume_data():
    while True:
        try:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            seen.append(msg.value())
        except Exception:
            continue


threading.Thread(target=consume_data).start()
"""

HTTP_SERVICE = """
import os

import requests

ARCHIVE_URL = os.environ["ARCHIVE_URL"]
TIMEOUT_SECONDS = float(os.environ.get("TIMEOUT_SECONDS", "5"))


def fetch():
    return requests.get(f"{ARCHIVE_URL}/items", timeout=TIMEOUT_SECONDS).json()
"""


def test_a_test_pinned_to_other_levels_is_skipped_before_the_import_naming_the_level(
    project: Project,
) -> None:
    project.legacy("svc/service.py", HTTP_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import pytest

        @pytest.mark.harness_fidelity("fake")
        def test_sees_the_client_timeout(legacy, http):
            svc = legacy.load("svc")
            http.reply(json={"items": []})
            assert svc.fetch() == {"items": []}
            assert http.last_request.timeout == 5.0

        @pytest.mark.harness_fidelity("fake")
        def test_an_unmarked_level_elsewhere_is_not_this_tests_business():
            assert True
        """
    )

    at_fake = project.pytester.runpytest("--strict-markers")
    at_stub = project.pytester.runpytest(
        "--strict-markers", "--harness-fidelity=stub", "--harness-report", "-rs"
    )

    at_fake.assert_outcomes(passed=2)
    at_stub.assert_outcomes(passed=1, skipped=1)
    at_stub.stdout.fnmatch_lines(["*pinned to fake: svc is loaded at stub in this run*"])
    assert "imported as" not in at_stub.stdout.str()  # skipped before the import


# A web service: the framework its tests drive (jinja2 stands for flask here) and a backend client.
WEB_SERVICE = """
import os

import jinja2
from pymongo import MongoClient

orders = MongoClient(os.environ["MONGO_URL"])["shop"]["orders"]
PAGE = jinja2.Template("{{ count }} order(s)")


def page():
    return PAGE.render(count=orders.count_documents({}))
"""


def test_at_stub_only_what_reaches_a_backend_is_a_mock_and_a_named_package_is_stubbed_too(
    project: Project,
) -> None:
    project.legacy("svc/service.py", WEB_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        from unittest.mock import MagicMock

        import jinja2

        def test_the_framework_is_real_and_the_backend_a_mock(legacy):
            svc = legacy.load("svc")
            assert isinstance(svc.orders, MagicMock)
            assert isinstance(svc.PAGE, jinja2.Template)
            assert svc.PAGE.render(count=2) == "2 order(s)"

        def test_a_package_named_at_stub_is_a_mock(legacy):
            svc = legacy.load("svc", fidelity={"jinja2": "stub"})
            assert isinstance(svc.PAGE, MagicMock)
        """
    )

    result = project.pytester.runpytest("--harness-fidelity=stub")

    result.assert_outcomes(passed=2)


def test_a_marker_without_a_known_level_fails_the_test_with_the_fix(project: Project) -> None:
    project.legacy("svc/service.py", HTTP_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import pytest

        @pytest.mark.harness_fidelity("real")
        def test_typo(legacy):
            legacy.load("svc")
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(errors=0, failed=1)
    result.stdout.fnmatch_lines(
        ["*harness_fidelity needs levels among stub, fake, wire, got 'real'*"]
    )


def test_wire_env_applies_only_where_a_dependency_is_at_wire_and_the_tests_env_wins(
    tmp_path: Path,
) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "service.py").write_text(HTTP_SERVICE)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.harness.services.svc]\n"
        'path = "svc/service.py"\n'
        'env = { TIMEOUT_SECONDS = "5", ARCHIVE_URL = "http://archive.test" }\n'
        'wire_env = { TIMEOUT_SECONDS = "0.5" }\n'
    )

    def env(option: str | None, **load: object) -> dict[str, str]:
        session = HarnessSession(config_path=pyproject, rootpath=tmp_path, fidelity_option=option)
        return dict(session.service_config("svc", **load).env)  # type: ignore[arg-type]

    assert env(None)["TIMEOUT_SECONDS"] == "5"
    assert env("wire")["TIMEOUT_SECONDS"] == "0.5"
    assert env("requests=wire")["TIMEOUT_SECONDS"] == "0.5"
    assert env(None, fidelity="wire")["TIMEOUT_SECONDS"] == "0.5"
    assert env("wire", env={"TIMEOUT_SECONDS": "2"})["TIMEOUT_SECONDS"] == "2"
    assert env("wire")["ARCHIVE_URL"] == "http://archive.test"


def test_services_at_fake_and_at_wire_share_a_session_each_test_seeing_its_own_kafka(
    project: Project,
) -> None:
    project.legacy("svc/service.py", CONSUMER_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        from harness.fakes.kafka_broker import Broker
        from harness.wire.kafka import MockCluster

        def consume(legacy, kafka, fidelity):
            svc = legacy.load("svc", fidelity=fidelity)
            kafka.produce(svc.TOPIC, b"event")
            run = legacy.threads.run(svc.consume_data)
            return svc, run, kafka.broker

        def test_at_fake_first(legacy, kafka):
            svc, run, broker = consume(legacy, kafka, "fake")
            assert (svc.seen, run.ended, type(broker)) == ([b"event"], "stopped", Broker)

        def test_at_wire(legacy, kafka):
            svc, run, broker = consume(legacy, kafka, "wire")
            assert (svc.seen, run.ended, type(broker)) == ([b"event"], "stopped", MockCluster)

        def test_at_fake_after_wire(legacy, kafka):
            svc, run, broker = consume(legacy, kafka, "fake")
            assert (svc.seen, run.ended, type(broker)) == ([b"event"], "stopped", Broker)
        """
    )

    result = project.pytester.runpytest_subprocess()

    result.assert_outcomes(passed=3)
    assert "rdkafka" not in result.stderr.str()  # the broker outlives the service's clients


def test_a_wire_env_that_is_not_a_table_of_strings_is_named_with_the_fix(tmp_path: Path) -> None:
    from harness.config import load_config
    from harness.errors import ConfigError

    (tmp_path / "service.py").write_text("X = 1\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.harness.services.svc]\npath = "service.py"\nwire_env = { TIMEOUT_SECONDS = 0.5 }\n'
    )

    with pytest.raises(
        ConfigError, match=r"\[tool.harness.services.svc\] wire_env must be a table of strings"
    ):
        load_config(pyproject)
