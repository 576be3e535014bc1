"""HTTP backends at level `fake`: routes by method and URL, each scripted by the test.

The real `requests` and `httpx` stay imported; `activate_requests(backends)` (through
`responses`) and `activate_httpx(backends)` (through `respx`) answer every call from
`backends.http`, an `HttpRouter`::

    router = backends.http
    prices = router.route("GET", "https://prices.invalid/api/", json={"EX001": 3.5})
    router.route("POST", re.compile(r"https://alerts\\.invalid/v\\d+/send")).reply(status=202)
    prices.timeout(times=1)                      # the next GET under that prefix times out
    router.reply(json=[...])                     # the catch-all backend: any method, any URL
    router.requests                              # every request, in order: HttpRequest(...)
    prices.requests                              # those one route answered
    router.unrouted                              # requests no route matched (the test fails)
    router.reset()                               # no route, no script, no recorded request

A route (`Route`) is one scripted backend: `reply(json=..., status=..., times=n)`,
`server_error()`, `malformed()`, `timeout()`, `slow(delay, json=...)`, `connection_error()`.
Answers marked `times=n` are used first, in order, each n times; otherwise the standing answer
(the last one scripted without `times`). Nothing sleeps: `slow` compares its delay with the
`timeout` the client passed.

Which route answers: the one whose method matches (a method, or `"*"` for any) and whose URL
matches: a prefix string (`"https://prices.invalid/api/"` matches that URL and everything under
it, never `https://prices.invalid/apiary`) or a compiled pattern (`re.match` from the start of the
URL). The longest matching prefix wins, then patterns in the order added, a route for one method
before one for any; the catch-all answers last, once the test scripted it. A request nothing
answers gets a connection error naming the method, the URL and the route to add, and is listed in
`router.unrouted`, which fails the test (`verify`).
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import re
import sys
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

from harness.fakes.lazy_package import without_init

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

_MISSING: Any = object()  # "no json= given" (None is a JSON value)
ANY_METHOD = "*"
MALFORMED_BODY = b'{"items": [{"timestamp": 1000, '  # truncated JSON: .json() raises


class ReplyKind(Enum):
    ANSWER = "answer"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    SLOW = "slow"


@dataclass(frozen=True)
class ScriptedReply:
    kind: ReplyKind
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@dataclass(frozen=True)
class HttpRequest:
    """One request a service made."""

    method: str
    url: str
    path: str
    params: Mapping[str, str | list[str]]  # one value, or a list when repeated
    headers: Mapping[str, str]
    body: bytes | None
    timeout: float | tuple[float | None, float | None] | None


ArchiveRequest = HttpRequest  # the name the first HTTP backend's suites know


class HttpScript:
    """One backend's scripting API and the requests it answered, shared by every level.

    A level (the `responses`/`respx` interception here, the loopback server of
    `harness.wire.http`) decides how a `ScriptedReply` reaches the client; which reply comes
    next is decided here, so a test scripts a backend the same way at every level.
    """

    def __init__(self) -> None:
        # Re-entrant so that a level can read its own state under the same lock as the reply.
        self._lock = threading.RLock()
        self._standing: ScriptedReply | None = None
        self._queued: deque[list[Any]] = deque()  # [reply, remaining]
        self._requests: list[HttpRequest] = []

    # -- scripting ---------------------------------------------------------------------------

    def reply(
        self,
        json: Any = _MISSING,
        *,
        status: int = 200,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> Self:
        """Answer with `json` (serialized) or a raw `body`, and `status`."""
        return self._script(_answer(json, status, body, headers), times)

    def server_error(
        self, status: int = 500, json: Any = _MISSING, *, times: int | None = None
    ) -> Self:
        """A 5xx answer (a JSON error body unless `json` is given)."""
        if json is _MISSING:
            json = {"error": "internal server error"}
        return self.reply(json, status=status, times=times)

    def malformed(self, status: int = 200, *, times: int | None = None) -> Self:
        """A JSON content type with a truncated body: `response.json()` raises."""
        return self.reply(
            body=MALFORMED_BODY,
            status=status,
            headers={"Content-Type": "application/json"},
            times=times,
        )

    def timeout(self, *, times: int | None = None) -> Self:
        """No answer before the client's own timeout fires (`requests`: ReadTimeout)."""
        return self._script(ScriptedReply(ReplyKind.TIMEOUT), times)

    def connection_error(self, *, times: int | None = None) -> Self:
        """The backend is unreachable: no answer at all (`requests`: ConnectionError)."""
        return self._script(ScriptedReply(ReplyKind.CONNECTION_ERROR), times)

    def slow(
        self, delay: float, json: Any = _MISSING, *, status: int = 200, times: int | None = None
    ) -> Self:
        """Answer after `delay` seconds: a timeout when the client's timeout is shorter, and the
        answer otherwise (also when the client set no timeout: it would wait)."""
        answer = _answer(json, status, None, None)
        return self._script(
            ScriptedReply(ReplyKind.SLOW, answer.status, answer.body, answer.headers, delay),
            times,
        )

    def _script(self, reply: ScriptedReply, times: int | None) -> Self:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times!r}")
        with self._lock:
            if times is None:
                self._standing = reply
            else:
                self._queued.append([reply, times])
        return self

    def reset(self) -> None:
        """No script, no recorded request."""
        with self._lock:
            self._standing = None
            self._queued.clear()
            self._requests.clear()

    @property
    def scripted(self) -> bool:
        with self._lock:
            return self._standing is not None or bool(self._queued)

    # -- what happened -----------------------------------------------------------------------

    @property
    def requests(self) -> list[HttpRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> HttpRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def take_reply(self, recorded: HttpRequest) -> ScriptedReply | None:
        """Record `recorded` and return the reply scripted for it (None: nothing scripted)."""
        with self._lock:
            self._requests.append(recorded)
            if self._queued:
                entry = self._queued[0]
                entry[1] -= 1
                if entry[1] == 0:
                    self._queued.popleft()
                return entry[0]
            return self._standing


class Route(HttpScript):
    """A backend answering one method (or any: `"*"`) under one URL prefix or pattern."""

    def __init__(self, method: str, url: str | re.Pattern[str]) -> None:
        super().__init__()
        self.method = method.upper()
        self.url = url

    def matches(self, method: str, url: str, *, path_only: bool = False) -> bool:
        """Does this route answer `method` `url`? `path_only`: compare the path and query only
        (a loopback server at `wire` sees no original host)."""
        if self.method not in (ANY_METHOD, method.upper()):
            return False
        if isinstance(self.url, re.Pattern):
            target = url if not path_only else _path_and_query(url)
            return self.url.match(target) is not None or (
                path_only and self.url.match(url) is not None
            )
        prefix = _path_and_query(self.url) if path_only else self.url
        target = _path_and_query(url) if path_only else url
        if not target.startswith(prefix):
            return False
        rest = target[len(prefix) :]
        return not rest or prefix.endswith("/") or rest[0] in "/?#"

    def _rank(self) -> tuple[int, int, int]:
        if isinstance(self.url, re.Pattern):
            return (1, 0, self.method == ANY_METHOD)
        return (0, -len(self.url), self.method == ANY_METHOD)

    def describe(self) -> str:
        url = self.url.pattern if isinstance(self.url, re.Pattern) else self.url
        return f"{self.method} {url}"

    def __repr__(self) -> str:
        return f"<Route {self.describe()}>"


class HttpRouter(HttpScript):
    """The HTTP backends the services call, by method and URL; see the module docstring.

    Scripting the router itself (`reply`, `timeout`...) scripts the catch-all backend, which
    answers any request no route matches."""

    def __init__(self) -> None:
        super().__init__()
        self._routes: list[Route] = []
        self._all: list[HttpRequest] = []
        self._unrouted: list[HttpRequest] = []

    def route(
        self,
        method: str,
        url: str | re.Pattern[str],
        json: Any = _MISSING,
        *,
        status: int | None = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Route:
        """A backend for `method` (`"*"`: any) under `url` (an absolute URL prefix, or a
        compiled pattern); given any of `json`, `body`, `status`, `headers`, its standing answer
        (status 200 unless given). Returns the `Route`, which scripts its own answers and faults
        (`reply`, `timeout`, `slow`, `server_error`, `malformed`, `connection_error`) and lists
        its `requests`."""
        if not isinstance(url, (str, re.Pattern)) or (isinstance(url, str) and "://" not in url):
            raise ValueError(
                f"route URL must be an absolute URL prefix such as 'https://prices.invalid/api/' "
                f"or a compiled pattern, got {url!r}"
            )
        route = Route(method, url)
        if json is not _MISSING or body is not None or status is not None or headers is not None:
            route.reply(json, status=status or 200, body=body, headers=headers)
        with self._lock:
            self._routes.append(route)
            self._routes.sort(key=Route._rank)  # stable: same rank keeps the order added
        return route

    @property
    def routes(self) -> list[Route]:
        with self._lock:
            return list(self._routes)

    def match(self, method: str, url: str, *, path_only: bool = False) -> HttpScript | None:
        """The route answering `method` `url`: a route, the catch-all once scripted, or None."""
        with self._lock:
            for route in self._routes:
                if route.matches(method, url, path_only=path_only):
                    return route
            return self if self.scripted else None

    def dispatch(self, recorded: HttpRequest, *, path_only: bool = False) -> ScriptedReply | None:
        """Record `recorded` and return its reply; None when nothing answers it (then it is
        listed in `unrouted`)."""
        with self._lock:
            self._all.append(recorded)
            backend = self.match(recorded.method, recorded.url, path_only=path_only)
            reply = backend.take_reply(recorded) if backend is not None else None
            if reply is None:
                self._unrouted.append(recorded)
            return reply

    @property
    def requests(self) -> list[HttpRequest]:
        """Every request made to any route, in order (also those nothing answered)."""
        with self._lock:
            return list(self._all)

    @property
    def last_request(self) -> HttpRequest | None:
        with self._lock:
            return self._all[-1] if self._all else None

    @property
    def unrouted(self) -> list[HttpRequest]:
        with self._lock:
            return list(self._unrouted)

    def unrouted_message(self, request: HttpRequest) -> str:
        split = urlsplit(request.url)
        prefix = f"{split.scheme}://{split.netloc}/"
        known = ", ".join(r.describe() for r in self.routes) or "none"
        return (
            f"no HTTP route answers {request.method} {request.url} (routes: {known}); add one "
            f'in the test: http.route("{request.method}", "{prefix}", json=...), or '
            "http.reply(json=...) for every request"
        )

    def verify(self) -> str | None:
        """Why the test must fail: the requests nothing answered (None: every one was)."""
        unrouted = self.unrouted
        if not unrouted:
            return None
        first = unrouted[0]
        more = f" (and {len(unrouted) - 1} more)" if len(unrouted) > 1 else ""
        return f"harness: {self.unrouted_message(first)}{more}"

    def reset(self) -> None:
        """No route, no script, no recorded request."""
        with self._lock:
            super().reset()
            self._routes.clear()
            self._all.clear()
            self._unrouted.clear()


def _path_and_query(url: str) -> str:
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


def _answer(
    json: Any, status: int, body: bytes | str | None, headers: Mapping[str, str] | None
) -> ScriptedReply:
    if json is not _MISSING and body is not None:
        raise ValueError("give json= or body=, not both")
    all_headers = dict(headers or {})
    if json is not _MISSING:
        payload = jsonlib.dumps(json).encode()
        all_headers.setdefault("Content-Type", "application/json")
    else:
        payload = body.encode() if isinstance(body, str) else (body or b"")
        all_headers.setdefault("Content-Type", "text/plain")
    return ScriptedReply(ReplyKind.ANSWER, status, payload, tuple(all_headers.items()))


def times_out(delay: float, timeout: Any) -> bool:
    """Would an answer after `delay` seconds come after the client's (read) timeout?"""
    if isinstance(timeout, tuple):
        read = timeout[1]
    elif isinstance(timeout, Mapping):  # httpx: {"connect": .., "read": .., ...}
        read = timeout.get("read")
    else:
        read = timeout
    return read is not None and delay >= read


def record(
    method: str, url: str, headers: Mapping[str, str], body: Any, timeout: Any
) -> HttpRequest:
    split = urlsplit(url)
    params = {
        k: (v[0] if len(v) == 1 else v)
        for k, v in parse_qs(split.query, keep_blank_values=True).items()
    }
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(
        method=method.upper(),
        url=url,
        path=split.path,
        params=params,
        headers=dict(headers),
        body=body or None,
        timeout=timeout,
    )


# -- requests, through responses -------------------------------------------------------------


def _answer_requests(router: HttpRouter, request: Any) -> Any:
    """responses callback: (status, headers, body), or the exception `requests` raises."""
    import requests

    recorded = record(
        request.method,
        request.url,
        request.headers,
        request.body,
        getattr(request, "req_kwargs", {}).get("timeout"),
    )
    reply = router.dispatch(recorded)
    if reply is None:
        return requests.exceptions.ConnectionError(router.unrouted_message(recorded))
    if reply.kind is ReplyKind.TIMEOUT or (
        reply.kind is ReplyKind.SLOW and times_out(reply.delay, recorded.timeout)
    ):
        return requests.exceptions.ReadTimeout(
            f"HTTPConnectionPool: Read timed out. (read timeout={recorded.timeout})"
        )
    if reply.kind is ReplyKind.CONNECTION_ERROR:
        return requests.exceptions.ConnectionError(
            f"Failed to establish a new connection to {recorded.url}: [Errno 111] Connection refused"
        )
    return (reply.status, dict(reply.headers), reply.body)


# URL prefixes of the harness's own loopback servers for other systems, which clients reach over
# HTTP: the wire level's Schema Registry, which the legacy `CachedSchemaRegistryClient` calls
# through `requests`. A service whose Kafka is at `wire` and its HTTP at `fake` reaches them: they
# are its Kafka backend, not an HTTP backend the test scripts.
_PASS_THROUGH: set[str] = set()


def pass_through(prefix: str) -> None:
    """Let requests to `prefix` reach the network (a harness loopback server) at level `fake`."""
    _PASS_THROUGH.add(prefix)


def stop_passing_through(prefix: str) -> None:
    _PASS_THROUGH.discard(prefix)


def _passes_through(url: str) -> bool:
    return any(url.startswith(prefix) for prefix in list(_PASS_THROUGH))


@contextlib.contextmanager
def activate_requests(backends: Backends) -> Iterator[Any]:
    """Answer every `requests` call from `backends.http` while active (but those to the
    harness's own loopback servers, see `pass_through`)."""
    if "responses" not in sys.modules:
        # responses imports PyYAML (most of what importing it costs) only to read files of
        # recorded responses (`_add_from_file`), which the harness never does: yaml stands in
        # sys.modules without its __init__ run until some code uses it.
        without_init("yaml")
    import responses

    router = backends.http
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    passing = sorted(_PASS_THROUGH)
    for prefix in passing:
        mock.add_passthru(prefix)
    # The callbacks match first: what passes through must not match them.
    pattern = re.compile("".join(f"(?!{re.escape(prefix)})" for prefix in passing) + ".*")
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        mock.add_callback(
            method, pattern, callback=lambda r: _answer_requests(router, r), content_type=None
        )
    mock.start()
    try:
        yield mock
    finally:
        mock.stop(allow_assert=False)
        mock.reset()


activate = activate_requests  # the name the provider table used first


# -- httpx, through respx --------------------------------------------------------------------


def _answer_httpx(router: HttpRouter, request: Any) -> Any:
    import httpx

    timeout = request.extensions.get("timeout")
    recorded = record(request.method, str(request.url), request.headers, request.content, timeout)
    reply = router.dispatch(recorded)
    if reply is None:
        raise httpx.ConnectError(router.unrouted_message(recorded), request=request)
    if reply.kind is ReplyKind.TIMEOUT or (
        reply.kind is ReplyKind.SLOW and times_out(reply.delay, timeout)
    ):
        raise httpx.ReadTimeout("timed out", request=request)
    if reply.kind is ReplyKind.CONNECTION_ERROR:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
    return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body)


# respx patches httpcore's connection pools with `mock.patch` each time a router starts, about
# 2 ms: started per test, it was the largest part of a test's cost wherever httpx is imported (it
# always is where respx's own pytest plugin is installed). The harness starts one respx router
# for the process instead, outside any test's scope, and keeps it while a session's HTTP backend
# uses it; its one route answers from the HTTP backend of the scope that is active, and outside
# every scope it stands aside: it declines (another respx router registered after it, e.g. a
# test's own `respx.mock`, answers) or, alone, passes the request to the real transport, as if
# it were not there. Hand-written: respx has no notion of a router that is idle between uses.
_HTTPX_SCOPES: list[HttpRouter] = []
_HTTPX_USERS: list[HttpRouter] = []  # the sessions' HTTP backends that keep it started
_HTTPX_LOCK = threading.Lock()
_httpx_mock: Any = None


def _httpx_side_effect(request: Any) -> Any:
    scopes = _HTTPX_SCOPES
    if scopes and _passes_through(str(request.url)):
        return request
    if scopes:
        return _answer_httpx(scopes[-1], request)
    mocker = getattr(_httpx_mock, "Mocker", None)
    others = [r for r in getattr(mocker, "routers", ()) if r is not _httpx_mock]
    return None if others else request  # None: no match here; the request: pass through


def prepare_httpx(backends: Backends) -> None:
    """Start the process's respx router (see above) for `backends`, outside any contract scope;
    closing their HTTP backend releases it (`release_httpx`)."""
    global _httpx_mock
    router = backends.http
    with _HTTPX_LOCK:
        if not any(user is router for user in _HTTPX_USERS):
            _HTTPX_USERS.append(router)
        if _httpx_mock is not None:
            return
        import respx

        mock = respx.mock(assert_all_called=False, assert_all_mocked=True)
        mock.route().mock(side_effect=_httpx_side_effect)
        mock.start()
        _httpx_mock = mock


def release_httpx(router: HttpRouter) -> None:
    """`router`'s session no longer answers httpx: the last one to go stops the respx router,
    and httpx is then as the process had it."""
    global _httpx_mock
    with _HTTPX_LOCK:
        _HTTPX_USERS[:] = [user for user in _HTTPX_USERS if user is not router]
        if _httpx_mock is None or _HTTPX_USERS or _HTTPX_SCOPES:
            return
        mock, _httpx_mock = _httpx_mock, None
    mock.stop(quiet=True)


@contextlib.contextmanager
def activate_httpx(backends: Backends) -> Iterator[Any]:
    """Answer every `httpx` call (sync and async clients) from `backends.http` while active."""
    router = backends.http
    prepare_httpx(backends)  # already done outside scopes, unless the session stopped it
    with _HTTPX_LOCK:
        _HTTPX_SCOPES.append(router)
    try:
        yield _httpx_mock
    finally:
        with _HTTPX_LOCK:
            _HTTPX_SCOPES.remove(router)
            if _httpx_mock is not None and not _HTTPX_SCOPES:
                _httpx_mock.reset()  # what respx recorded is not kept across tests
