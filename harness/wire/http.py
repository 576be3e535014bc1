"""An HTTP backend (history's archive service) as a real server on 127.0.0.1, scripted by tests.

The same scripting API as the `fake` level's archive (`harness.fakes.http.Archive`), so a test
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

import json as jsonlib
import socket
import struct
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response

from harness.fakes.http import MALFORMED_BODY, ArchiveRequest
from harness.wire._server import LoopbackServer

_MISSING: Any = object()
DEFAULT_HOLD = 30.0  # seconds a timed-out request is held at most (a client timeout is shorter)


class _Kind(Enum):
    ANSWER = "answer"
    TIMEOUT = "timeout"
    DROP = "drop"


@dataclass(frozen=True)
class _Reply:
    kind: _Kind
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


class LoopbackArchive:
    """A scripted HTTP service on an ephemeral loopback port; see the module docstring."""

    def __init__(self, *, hold: float = DEFAULT_HOLD) -> None:
        self._hold = hold
        self._lock = threading.Lock()
        self._standing: _Reply | None = None
        self._queued: deque[list[Any]] = deque()  # [reply, remaining]
        self._requests: list[ArchiveRequest] = []
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

    # -- scripting (the fake archive's API) --------------------------------------------------

    def reply(
        self,
        json: Any = _MISSING,
        *,
        status: int = 200,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> LoopbackArchive:
        """Answer with `json` (serialized) or a raw `body`, and `status`."""
        return self._script(_answer(json, status, body, headers), times)

    def server_error(
        self, status: int = 500, json: Any = _MISSING, *, times: int | None = None
    ) -> LoopbackArchive:
        if json is _MISSING:
            json = {"error": "internal server error"}
        return self.reply(json, status=status, times=times)

    def malformed(self, status: int = 200, *, times: int | None = None) -> LoopbackArchive:
        """A JSON content type with a truncated body: `response.json()` raises."""
        return self.reply(
            body=MALFORMED_BODY,
            status=status,
            headers={"Content-Type": "application/json"},
            times=times,
        )

    def timeout(self, *, times: int | None = None) -> LoopbackArchive:
        """No answer until the client's own timeout fires (`requests`: ReadTimeout)."""
        return self._script(_Reply(_Kind.TIMEOUT), times)

    def connection_error(self, *, times: int | None = None) -> LoopbackArchive:
        """The connection is dropped before any answer (`requests`: ConnectionError)."""
        return self._script(_Reply(_Kind.DROP), times)

    def slow(
        self, delay: float, json: Any = _MISSING, *, status: int = 200, times: int | None = None
    ) -> LoopbackArchive:
        """Answer after `delay` seconds, really waited: past the client's timeout it sees a timeout."""
        answer = _answer(json, status, None, None)
        return self._script(
            _Reply(_Kind.ANSWER, answer.status, answer.body, answer.headers, delay), times
        )

    def _script(self, reply: _Reply, times: int | None) -> LoopbackArchive:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times!r}")
        with self._lock:
            if times is None:
                self._standing = reply
            else:
                self._queued.append([reply, times])
        return self

    def reset(self) -> None:
        """No script, no recorded request; requests still held are let go."""
        with self._lock:
            self._standing = None
            self._queued.clear()
            self._requests.clear()
            released, self._release = self._release, threading.Event()
        released.set()

    # -- what happened -----------------------------------------------------------------------

    @property
    def requests(self) -> list[ArchiveRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> ArchiveRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    # -- serving -----------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        recorded = _record(request)
        with self._lock:
            self._requests.append(recorded)
            if self._queued:
                entry = self._queued[0]
                reply = entry[0]
                entry[1] -= 1
                if entry[1] == 0:
                    self._queued.popleft()
            else:
                reply = self._standing
            release = self._release
        if reply is None or reply.kind is _Kind.DROP:
            _drop_connection(request)
        if reply.kind is _Kind.TIMEOUT:
            release.wait(self._hold)
            _drop_connection(request)  # the client has given up; nobody reads an answer
        if reply.delay:
            release.wait(reply.delay)
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


def _answer(
    json: Any, status: int, body: bytes | str | None, headers: Mapping[str, str] | None
) -> _Reply:
    if json is not _MISSING and body is not None:
        raise ValueError("give json= or body=, not both")
    all_headers = dict(headers or {})
    if json is not _MISSING:
        payload = jsonlib.dumps(json).encode()
        all_headers.setdefault("Content-Type", "application/json")
    else:
        payload = body.encode() if isinstance(body, str) else (body or b"")
        all_headers.setdefault("Content-Type", "text/plain")
    return _Reply(_Kind.ANSWER, status, payload, tuple(all_headers.items()))


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
