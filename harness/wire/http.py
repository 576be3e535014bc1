"""An HTTP backend (history's archive service) as a real server on 127.0.0.1, scripted by tests.

The scripting API is the `fake` level archive's (`harness.fakes.http.ArchiveScript`), so a test
runs unchanged at both levels; here every answer crosses a real socket, and every fault is the
real thing the client library meets::

    archive = LoopbackArchive.start()
    archive.url                                      # ARCHIVE_SERVICE_URL for the service
    archive.reply(json={"positions": []})            # every request from now on
    archive.reply(status=503, json={"error": "down"}, times=1)   # the next one only
    archive.server_error(502)                        # a 5xx with a JSON error body
    archive.malformed()                              # 200, JSON content type, truncated body
    archive.timeout()                                # no answer: the client's timeout fires
    archive.slow(0.3, json={"positions": []})        # answers after 0.3 s, for real
    archive.connection_error()                       # connection dropped before any answer
    archive.requests                                 # [ArchiveRequest(method, url, path, params, ...)]
    archive.reset()                                  # no script, no requests; held requests let go
    archive.stop()

Answers marked `times=n` are used first, in order, each n times; otherwise the standing answer
(the last one scripted without `times`). With nothing scripted the connection is dropped, as an
unreachable archive would be, and the request is still recorded.

`timeout()` holds the request until the client gives up (at most `hold` seconds, and never past
`reset()`/`stop()`); it costs the client's whole timeout, so give the service a short one at this
level (history: `ARCHIVE_TIMEOUT_SECONDS`). The server cannot see the client's timeout, so
`ArchiveRequest.timeout` is always None here.
"""

from __future__ import annotations

import socket
import struct
import threading
from urllib.parse import parse_qs

from werkzeug import Request, Response

from harness.fakes.http import ArchiveRequest, ArchiveScript, ReplyKind
from harness.wire._server import LoopbackServer

DEFAULT_HOLD = 30.0  # seconds a timed-out request is held at most (a client timeout is shorter)


class LoopbackArchive(ArchiveScript):
    """A scripted HTTP service on an ephemeral loopback port; see the module docstring."""

    def __init__(self, *, hold: float = DEFAULT_HOLD) -> None:
        super().__init__()
        self._hold = hold
        self._release = threading.Event()
        self._server = LoopbackServer(self._app, name="harness-wire-http")
        self.url = self._server.url
        self.base_url = self.url

    @classmethod
    def start(cls, *, hold: float = DEFAULT_HOLD) -> LoopbackArchive:
        return cls(hold=hold)

    def stop(self) -> None:
        self._release.set()
        self._server.stop()

    def reset(self) -> None:
        """No script, no recorded request; requests still held are let go."""
        with self._lock:
            super().reset()
            released, self._release = self._release, threading.Event()
        released.set()

    # -- serving -----------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        recorded = _record(request)
        with self._lock:  # the reply and the event that lets it go, taken together
            reply = self._take_reply(recorded)
            release = self._release
        if reply is None or reply.kind is ReplyKind.CONNECTION_ERROR:
            _drop_connection(request)
        if reply.kind is ReplyKind.TIMEOUT:
            release.wait(self._hold)
            _drop_connection(request)  # the client has given up; nobody reads an answer
        if reply.kind is ReplyKind.SLOW:
            release.wait(reply.delay)  # really waited: past the client's timeout it gives up
        return Response(reply.body, status=reply.status, headers=list(reply.headers))


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


def _record(request: Request) -> ArchiveRequest:
    query = parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True)
    params = {k: (v[0] if len(v) == 1 else v) for k, v in query.items()}
    body = request.get_data()
    return ArchiveRequest(
        method=request.method,
        url=request.url,
        path=request.path,
        params=params,
        headers=dict(request.headers),
        body=body or None,
        timeout=None,
    )
