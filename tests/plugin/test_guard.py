"""The network guard: non-loopback refused and named, at import and during tests; loopback allowed."""

from __future__ import annotations

import socket
import sys
import threading
import types

import pytest

from harness.errors import NetworkRefused
from harness.guard import NETWORK_GUARD, Refusal

from .conftest import Project

CONNECTS_AT_IMPORT = """
import socket

conn = socket.create_connection(("192.0.2.7", 9092), timeout=1)
"""


def test_a_connection_at_import_fails_the_load_naming_module_and_line(project: Project) -> None:
    project.legacy("svc/service.py", CONNECTS_AT_IMPORT)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*importing svc failed at svc/service.py:4:*network guard refused connect 192.0.2.7:9092 from svc/service.py:4*"
        ]
    )


def test_a_connection_during_a_test_is_refused_and_listed_even_when_swallowed(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py",
        """
        import requests

        def ping(url):
            try:
                return requests.get(url, timeout=1).status_code
            except Exception:
                return None
        """,
    )
    project.config(
        '[tool.harness.services.svc]\npath = "svc/service.py"\nkeep_real = ["requests"]\n'
    )
    project.tests(
        """
        def test_ping(legacy):
            svc = legacy.load("svc")
            assert svc.ping("http://archive.invalid/health") is None
            assert legacy.refused == [
                "getaddrinfo archive.invalid:80 from svc/service.py:6 (module service)"
                " `return requests.get(url, timeout=1).status_code`"
            ]
        """
    )

    project.run_isolated().assert_outcomes(passed=1)


def test_loopback_stays_reachable(project: Project) -> None:
    project.legacy(
        "svc/service.py",
        """
        import os, socket

        def hello():
            with socket.create_connection(("127.0.0.1", int(os.environ["ECHO_PORT"])), timeout=2) as conn:
                return conn.recv(5)
        """,
    )
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        project.config(
            f'[tool.harness.services.svc]\npath = "svc/service.py"\nenv = {{ ECHO_PORT = "{port}" }}\n'
        )
        project.tests(
            """
            def test_hello(legacy):
                svc = legacy.load("svc")
                assert svc.hello() == b"hello"
            """
        )
        server.settimeout(10)

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"hello")

        responder = threading.Thread(target=answer, daemon=True)
        responder.start()
        result = project.pytester.runpytest()
        responder.join(5)

    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("event", "args", "refused"),
    [
        ("socket.connect", (None, ("192.0.2.5", 27017)), True),
        ("socket.connect", (None, ("::1", 8080, 0, 0)), False),
        ("socket.connect", (None, ("127.0.0.53", 53)), False),
        ("socket.connect", (None, "/tmp/some.sock"), False),
        ("socket.getaddrinfo", ("kafka.invalid", 9092, 0, 0, 0), True),
        ("socket.getaddrinfo", ("localhost", 9092, 0, 0, 0), False),
        (
            "socket.getaddrinfo",
            ("192.0.2.5", 9092, 0, 0, 0),
            False,
        ),  # a literal: its connect is checked
        ("socket.sendto", (None, ("192.0.2.53", 53)), True),
        ("socket.gethostbyname", ("kafka.invalid",), True),
        ("socket.gethostbyname", ("192.0.2.5",), False),  # a literal: nothing is asked
        ("socket.gethostbyaddr", ("192.0.2.5",), True),  # a reverse lookup is a query
        ("socket.getnameinfo", (("192.0.2.5", 80),), True),
        ("socket.sendmsg", (None, ("192.0.2.53", 8125)), True),
        ("socket.sendmsg", (None, None), False),  # a connected socket: its connect was checked
        ("os.listdir", ("/",), False),
    ],
)
def test_what_the_guard_refuses(event: str, args: tuple, refused: bool) -> None:
    seen: list[Refusal] = []
    with NETWORK_GUARD.scope(on_refusal=seen.append):
        try:
            NETWORK_GUARD._audit(event, args)
        except NetworkRefused:
            pass
    assert bool(seen) is refused


def test_the_guard_is_off_outside_its_scopes() -> None:
    NETWORK_GUARD._audit("socket.connect", (None, ("192.0.2.5", 27017)))  # no scope: nothing raised
    assert not NETWORK_GUARD.active


def test_a_failing_test_shows_what_was_refused_during_it(project: Project) -> None:
    project.legacy(
        "svc/service.py",
        """
        import socket

        def ping():
            try:
                socket.create_connection(("192.0.2.50", 80), timeout=1)
            except OSError:
                return False
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_ping(legacy):\n    assert legacy.load('svc').ping()\n")

    result = project.run_isolated()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- harness -*",
            "refused during the test:",
            "  connect 192.0.2.50:80 from svc/service.py:6*",
        ]
    )


def test_the_c_kafka_client_types_are_given_back_exactly_and_isinstance_holds_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing here builds a client: the refusals themselves are tested in a network namespace
    # (tests/plugin/test_hostile.py), since a guard that failed here would let librdkafka out.
    import confluent_kafka
    from confluent_kafka import cimpl
    from confluent_kafka.admin import AdminClient

    class Defined(confluent_kafka.Producer):  # before the scope, on the C type
        pass

    class Deeper(Defined):
        pass

    library = types.ModuleType("kafka_library")  # took the name before the scope
    library.Producer = cimpl.Producer
    monkeypatch.setitem(sys.modules, library.__name__, library)

    def state() -> tuple:
        classes = (Defined, Deeper, confluent_kafka.SerializingProducer, AdminClient)
        return (
            confluent_kafka.Producer, confluent_kafka.Consumer, cimpl.Producer, library.Producer,
            *((cls.__bases__, cls.__mro__) for cls in classes),
        )

    real, real_admin = cimpl.Producer, cimpl._AdminClientImpl
    before = state()
    with NETWORK_GUARD.scope(on_refusal=lambda refusal: None):
        assert library.Producer is not real  # the guarded subclass, in its place

        class During(confluent_kafka.Producer):
            pass

        for cls in (Defined, Deeper, During, confluent_kafka.SerializingProducer, library.Producer):
            assert issubclass(cls, real)
            assert isinstance(cls.__new__(cls), real)  # allocated only: no librdkafka handle
        assert issubclass(AdminClient, real_admin)
    assert state() == before
    assert During.__bases__ == (real,)
