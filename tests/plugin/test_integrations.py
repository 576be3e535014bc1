"""Integrations registered by other distributions through the `legacy_harness.integrations`
entry point: found, validated, and used by a service and its test."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import integrations
from harness.errors import ConfigError
from harness.fidelity import Fidelity
from harness.integrations import registry

from .conftest import Project

# A third-party integration, as a distribution would ship it: a fake `vendor_queue` package
# (one module, `Queue(name).send(item)`) on an in-memory backend, and a fixture object.
VENDOR_INTEGRATION = """
from harness.fakes.tree import ModuleTree, new_module
from harness.fidelity import Fidelity
from harness.integrations import Backend, Integration, Provider


class Store:
    def __init__(self):
        self.items = {}

    def clear(self):
        self.items.clear()


def build_tree(backends):
    store = backends.vendor_queue

    class Queue:
        def __init__(self, name):
            self.name = name

        def send(self, item):
            store.items.setdefault(self.name, []).append(item)

    module = new_module("vendor_queue", {"Queue": Queue}, package=True, level=Fidelity.FAKE)
    return ModuleTree("vendor_queue", Fidelity.FAKE, {"vendor_queue": module})


class QueueFixture:
    def __init__(self, session, legacy):
        self._session = session

    def items(self, name):
        return self._session.backends.vendor_queue.items.get(name, [])


INTEGRATION = Integration(
    name="vendor_queue",
    packages=("vendor_queue",),
    providers={Fidelity.FAKE: {"vendor_queue": Provider(
        "vendor_queue", Fidelity.FAKE, "vendor_harness:build_tree")}},
    backends=(Backend("vendor_queue", lambda options: Store(), reset=lambda s: s.clear()),),
    fixture="vendor_harness:QueueFixture",
    description="a vendor's queue",
)
"""


def install_distribution(root: Path, entry_point: str, module_source: str) -> None:
    """A distribution `vendor-harness` on `root` (a sys.path entry): its module and the
    `.dist-info` that `importlib.metadata` reads its entry points from."""
    (root / "vendor_harness.py").write_text(textwrap.dedent(module_source))
    info = root / "vendor_harness-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vendor-harness\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{integrations.ENTRY_POINT_GROUP}]\nvendor_queue = {entry_point}\n"
    )


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """Entry points read anew, and the vendor module imported anew, by each test."""
    registry.clear_cache()
    yield
    registry.clear_cache()
    sys.modules.pop("vendor_harness", None)


def test_an_integration_registered_by_entry_point_is_found_and_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    install_distribution(tmp_path, "vendor_harness:INTEGRATION", VENDOR_INTEGRATION)
    monkeypatch.syspath_prepend(str(tmp_path))

    found = integrations.for_package("vendor_queue")

    assert found is not None and found.name == "vendor_queue"
    assert integrations.by_name("vendor_queue") is found
    assert (
        integrations.provider("vendor_queue", Fidelity.FAKE).factory == "vendor_harness:build_tree"
    )


def test_the_entry_points_are_read_only_where_a_distribution_may_declare_the_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = integrations.ENTRY_POINT_GROUP
    other = tmp_path / "other-1.0.dist-info"
    other.mkdir()
    (other / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not registry._may_declare(group)  # none here, nor in this environment

    (other / "entry_points.txt").write_text(f"[console_scripts]\nx = y\n\n[ {group} ]\nq = m\n")
    assert registry._may_declare(group)

    (other / "entry_points.txt").unlink()
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"")
    monkeypatch.syspath_prepend(str(archive))  # a zip: importlib.metadata decides
    assert registry._may_declare(group)


def test_an_entry_point_naming_something_else_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    install_distribution(tmp_path, "vendor_harness:NOT_IT", "NOT_IT = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(
        ConfigError,
        match=r"entry point 'vendor_queue' = 'vendor_harness:NOT_IT' in group "
        r"'legacy_harness.integrations' \(distribution vendor-harness\): names int, not a "
        r"harness.integrations.Integration",
    ):
        integrations.all_integrations()


def test_a_registered_integration_fakes_its_package_for_a_service_and_gives_its_fixture(
    project: Project, monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    pytester = project.pytester
    install_distribution(pytester.path, "vendor_harness:INTEGRATION", VENDOR_INTEGRATION)
    monkeypatch.syspath_prepend(str(pytester.path))
    project.legacy(
        "svc.py",
        """
        import vendor_queue

        QUEUE = vendor_queue.Queue("jobs")


        def submit(job):
            QUEUE.send(job)
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(
        """
        def test_submitted_jobs_reach_the_vendor_queue(legacy):
            legacy.load("svc").submit({"id": 1})
            assert legacy.fixture("vendor_queue").items("jobs") == [{"id": 1}]

        def test_the_queue_is_empty_again_in_the_next_test(legacy):
            legacy.load("svc")
            assert legacy.fixture("vendor_queue").items("jobs") == []
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)


def test_a_request_no_http_route_answers_fails_the_test_naming_the_route_to_add(
    project: Project,
) -> None:
    project.legacy(
        "svc.py",
        """
        import requests


        def total():
            try:
                return requests.get("https://prices.invalid/api/total", timeout=1).json()
            except requests.RequestException:
                return None  # a legacy fallback that would hide the missing script
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(
        """
        def test_total(legacy, http):
            http.route("GET", "https://prices.invalid/other/", json=1)
            assert legacy.load("svc").total() is None
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no HTTP route answers GET https://prices.invalid/api/total (routes: GET "
            'https://prices.invalid/other/); add one in the test: http.route("GET", '
            '"https://prices.invalid/", json=...)*'
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_known_network_client_with_no_integration_is_stubbed_and_reported(
    project: Project,
) -> None:
    # An installed RabbitMQ client whose import would connect: the real one must never run.
    project.legacy(
        "site/pika/__init__.py",
        "raise RuntimeError('the real pika was imported')\n",
    )
    project.legacy(
        "svc.py",
        """
        import sys

        sys.path.insert(0, "site")
        import pika

        import helpers

        CONNECTION = pika.BlockingConnection(pika.ConnectionParameters("rabbit"))
        CHANNEL = CONNECTION.channel()


        def publish(body):
            CHANNEL.basic_publish(exchange="", routing_key="jobs", body=helpers.encode(body))
        """,
    )
    project.legacy("helpers.py", "def encode(body):\n    return body.upper()\n")
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(
        """
        def test_publish_goes_to_the_stubbed_channel(legacy):
            svc = legacy.load("svc")
            svc.publish("x")
            svc.CHANNEL.basic_publish.assert_called_once_with(
                exchange="", routing_key="jobs", body="X"
            )
            assert "pika: a RabbitMQ client with no integration: stubbed" in legacy.report
            assert 'keep_real = ["pika"]' in legacy.report
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=1)
