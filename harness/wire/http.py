"""HTTP backends as a real server on 127.0.0.1, scripted by tests.

The scripting API is the `fake` level's (`harness.fakes.http.HttpRouter`: routes by method and
URL, a catch-all, faults), so a test runs unchanged at both levels; here every answer crosses a
real socket, and every fault is the real thing the client library meets::

    server = LoopbackHttp.start()
    server.url                                       # what a service's *_URL variables get
    server.route("GET", "https://prices.invalid/api/", json={"EX001": 3.5})
    server.reply(json={"positions": []})             # the catch-all: every other request
    server.reply(status=503, json={"error": "down"}, times=1)   # the next one only
    server.server_error(502)                         # a 5xx with a JSON error body
    server.malformed()                               # 200, JSON content type, truncated body
    server.timeout()                                 # no answer: the client's timeout fires
    server.slow(0.3, json={"positions": []})         # answers after 0.3 s, for real
    server.connection_error()                        # connection dropped before any answer
    server.requests                                  # [HttpRequest(method, url, path, params, ...)]
    server.reset()                                   # no route, no script; held requests let go
    server.stop()

Every service's URL variables point at this one server, so a route's host cannot be seen here:
routes match by method, path and query (`https://prices.invalid/api/` matches `/api/...`). A
request nothing answers has its connection dropped, as an unreachable backend would, and is
listed in `unrouted` (the test fails).

`timeout()` holds the request until the client gives up (at most `hold` seconds, and never past
`reset()`/`stop()`); it costs the client's whole timeout, so give the service a short one at this
level (history: `ARCHIVE_TIMEOUT_SECONDS`). The server cannot see the client's timeout, so
`HttpRequest.timeout` is always None here.
"""

from __future__ import annotations

import socket
import struct
import threading

from werkzeug import Request, Response

from harness.fakes.http import HttpRouter, ReplyKind, record
from harness.wire._server import LoopbackServer

DEFAULT_HOLD = 30.0  # seconds a timed-out request is held at most (a client timeout is shorter)


class LoopbackHttp(HttpRouter):
    """Scripted HTTP backends on an ephemeral loopback port; see the module docstring."""

    def __init__(self, *, hold: float = DEFAULT_HOLD) -> None:
        super().__init__()
        self._hold = hold
        self._release = threading.Event()
        self._server = LoopbackServer(self._app, name="harness-wire-http")
        self.url = self._server.url

    @classmethod
    def start(cls, *, hold: float = DEFAULT_HOLD) -> LoopbackHttp:
        return cls(hold=hold)

    def stop(self) -> None:
        self._release.set()
        self._server.stop()

    def reset(self) -> None:
        """No route, no script, no recorded request; requests still held are let go."""
        with self._lock:
            super().reset()
            released, self._release = self._release, threading.Event()
        released.set()

    # -- serving -----------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        recorded = record(
            request.method, request.url, request.headers, request.get_data(), timeout=None
        )
        with self._lock:  # the reply and the event that lets it go, taken together
            reply = self.dispatch(recorded, path_only=True)
            release = self._release
        if reply is None or reply.kind is ReplyKind.CONNECTION_ERROR:
            _drop_connection(request)
        if reply.kind is ReplyKind.TIMEOUT:
            release.wait(self._hold)
            _drop_connection(request)  # the client has given up; nobody reads an answer
        if reply.kind is ReplyKind.SLOW:
            release.wait(reply.delay)  # really waited: past the client's timeout it gives up
        return Response(reply.body, status=reply.status, headers=list(reply.headers))


LoopbackArchive = LoopbackHttp  # the name the first HTTP backend's suites know


def _drop_connection(request: Request) -> None:
    """End the connection without an answer: shut the socket down with an abortive close.

    Written by hand: werkzeug has no API for it. Raising a `ConnectionError` is what its request
    handler treats as "client went away": it sends nothing and closes the connection.
    """
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
    raise ConnectionAbortedError("legacy-harness: connection dropped as scripted")
