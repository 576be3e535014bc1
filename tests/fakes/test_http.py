"""HTTP backends at `fake`: routes by method and URL, scripted answers and faults, seen through
`requests` (responses) and `httpx` (respx)."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator

import httpcore
import httpx
import pytest
import requests
import respx

from harness.fakes.backends import Backends
from harness.fakes.http import HttpRouter
from harness.integrations import provider

ARCHIVE = "http://archive.invalid:8080"
PRICES = "https://prices.invalid/api/"


@pytest.fixture
def backends() -> Iterator[Backends]:
    backends = Backends()
    try:
        with provider("requests").activate(backends), provider("httpx").activate(backends):
            yield backends
    finally:
        backends.close()


@pytest.fixture
def router(backends: Backends) -> HttpRouter:
    return backends.http


def test_scripted_json_answer_and_recorded_request(router: HttpRouter) -> None:
    router.reply(json=[{"timestamp": 1000}])

    response = requests.get(f"{ARCHIVE}/history/EX001", params={"from": "1", "to": "2"}, timeout=3)

    assert response.status_code == 200 and response.json() == [{"timestamp": 1000}]
    request = router.last_request
    assert (request.method, request.path, request.params, request.timeout) == (
        "GET",
        "/history/EX001",
        {"from": "1", "to": "2"},
        3,
    )


def test_routes_pick_the_backend_by_method_and_url_prefix(router: HttpRouter) -> None:
    prices = router.route("GET", PRICES, json={"EX001": 3.5})
    orders = router.route("POST", "https://orders.invalid/v1/", json={"id": 7}, status=201)
    router.route("*", "https://orders.invalid/v1/ping", body="pong")

    assert requests.get(f"{PRICES}EX001", timeout=1).json() == {"EX001": 3.5}
    assert httpx.post("https://orders.invalid/v1/orders", json={"n": 1}).status_code == 201
    assert httpx.get("https://orders.invalid/v1/ping").text == "pong"  # longer prefix wins
    assert [(r.method, r.url) for r in prices.requests] == [("GET", f"{PRICES}EX001")]
    # The body as the client sent it (httpx 0.28 dropped the spaces after separators).
    assert [json.loads(r.body) for r in orders.requests] == [{"n": 1}]
    assert len(router.requests) == 3 and router.unrouted == []


def test_a_prefix_never_matches_a_longer_name_and_a_method_is_its_own(router: HttpRouter) -> None:
    router.route("GET", "https://prices.invalid/api", json=[])

    with pytest.raises(requests.ConnectionError):
        requests.get("https://prices.invalid/apiary", timeout=1)
    with pytest.raises(httpx.ConnectError):
        httpx.delete("https://prices.invalid/api/1")
    assert [(r.method, r.url) for r in router.unrouted] == [
        ("GET", "https://prices.invalid/apiary"),
        ("DELETE", "https://prices.invalid/api/1"),
    ]


def test_a_route_can_be_a_pattern(router: HttpRouter) -> None:
    router.route("POST", re.compile(r"https://alerts\.invalid/v\d+/send$"), status=202)

    assert requests.post("https://alerts.invalid/v2/send", timeout=1).status_code == 202
    with pytest.raises(requests.ConnectionError):
        requests.post("https://alerts.invalid/v2/send/now", timeout=1)


def test_an_unrouted_request_names_method_url_and_the_route_to_add(router: HttpRouter) -> None:
    router.route("GET", PRICES, json={})

    with pytest.raises(
        requests.ConnectionError,
        match=r"no HTTP route answers POST https://stock.invalid/items \(routes: GET "
        r"https://prices.invalid/api/\); add one in the test: "
        r'http.route\("POST", "https://stock.invalid/", json=...\)',
    ):
        requests.post("https://stock.invalid/items", timeout=1)
    assert router.verify() is not None and "POST https://stock.invalid/items" in router.verify()


def test_faults_per_route_at_both_clients(router: HttpRouter) -> None:
    prices = router.route("GET", PRICES, json={"ok": True})
    prices.timeout(times=1).connection_error(times=1).server_error(503, times=1).malformed(times=1)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(PRICES, timeout=1)
    with pytest.raises(httpx.ConnectError):
        httpx.get(PRICES)
    assert httpx.get(PRICES).status_code == 503
    with pytest.raises(ValueError):
        requests.get(PRICES, timeout=1).json()
    assert httpx.get(PRICES).json() == {"ok": True}


def test_slow_times_out_only_clients_with_a_shorter_timeout(router: HttpRouter) -> None:
    router.slow(2.0, json=[])

    assert requests.get(f"{ARCHIVE}/h", timeout=5).json() == []
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{ARCHIVE}/h", timeout=(1, 1.5))
    assert httpx.get(f"{ARCHIVE}/h", timeout=5).json() == []
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{ARCHIVE}/h", timeout=1.5)


def test_one_shot_answers_come_before_the_standing_one(router: HttpRouter) -> None:
    router.reply(json={"ok": True}).server_error(500, times=1)
    statuses = [requests.get(f"{ARCHIVE}/h", timeout=1).status_code for _ in range(3)]
    assert statuses == [500, 200, 200]


def test_reset_forgets_routes_script_and_requests(backends: Backends, router: HttpRouter) -> None:
    router.reply(json=[])
    router.route("GET", PRICES, json=[])
    requests.get(f"{ARCHIVE}/h", timeout=1)
    backends.reset()
    assert (router.requests, router.routes, router.unrouted) == ([], [], [])
    with pytest.raises(requests.ConnectionError):
        requests.get(PRICES, timeout=1)


def test_a_route_needs_an_absolute_url() -> None:
    with pytest.raises(ValueError, match="absolute URL prefix"):
        HttpRouter().route("GET", "/api/")


def test_activation_is_undone_on_exit() -> None:
    original = requests.adapters.HTTPAdapter.send
    before = httpcore.ConnectionPool.handle_request  # patched if another session runs here
    backends = Backends()
    try:
        with provider("requests").activate(backends), provider("httpx").activate(backends):
            assert requests.adapters.HTTPAdapter.send is not original
            assert httpcore.ConnectionPool.handle_request is not ORIGINAL_POOL
        assert requests.adapters.HTTPAdapter.send is original
    finally:
        backends.close()  # the session's end releases the process's respx router
    assert httpcore.ConnectionPool.handle_request is before


@pytest.fixture
def loopback_url() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers every GET with "real"."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"real")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def between_scopes() -> Iterator[Backends]:
    """The HTTP fakes after a scope ended, their session still open (between two tests)."""
    backends = Backends()
    try:
        with provider("httpx").activate(backends):
            pass
        yield backends
    finally:
        backends.close()


def test_between_scopes_httpx_reaches_the_real_transport(
    between_scopes: Backends, loopback_url: str
) -> None:
    between_scopes.http.reply(json={"faked": True})  # would answer, were a scope active
    assert httpcore.ConnectionPool.handle_request is not ORIGINAL_POOL  # still patched by respx
    assert httpx.get(loopback_url, timeout=5).text == "real"
    assert between_scopes.http.requests == []


def test_between_scopes_a_tests_own_respx_router_answers(between_scopes: Backends) -> None:
    with respx.mock(assert_all_called=False) as own:
        own.get("https://prices.invalid/api/1").respond(json={"own": True})
        assert httpx.get("https://prices.invalid/api/1").json() == {"own": True}


def test_in_a_scope_the_harness_answers_before_a_tests_own_router() -> None:
    backends = Backends()
    try:
        with provider("httpx").activate(backends):
            backends.http.route("GET", PRICES, json={"harness": True})
            with respx.mock(assert_all_called=False) as own:
                own.get(f"{PRICES}1").respond(json={"own": True})
                assert httpx.get(f"{PRICES}1").json() == {"harness": True}
    finally:
        backends.close()


ORIGINAL_POOL = httpcore.ConnectionPool.handle_request
