"""The archive service at level `fake`: scripted HTTP answers through `responses`.

The real `requests` stays imported; `activate(backends)` starts a `responses.RequestsMock`
that answers every `requests` call to the archive (`backends.archive`; every URL when it has
no `base_url`) from what the test scripted::

    archive = backends.archive
    archive.reply(json=[{"timestamp": 1000}])       # every request from now on
    archive.reply(status=503, json={"error": "down"}, times=1)   # the next one only
    archive.timeout()                                # requests raises ReadTimeout
    archive.connection_error()                       # requests raises ConnectionError
    archive.slow(5.0, json=[])                       # ReadTimeout if the client's timeout < 5 s
    archive.malformed()                              # 200 with a body that is not JSON
    archive.requests                                 # [ArchiveRequest(method, url, params, timeout)]
    archive.reset()                                  # no script, no recorded requests

Answers marked `times=n` are used first, in order, each n times; otherwise the standing answer
(the last one scripted without `times`) is used. With nothing scripted the archive is
unreachable: `requests.ConnectionError` naming the request and the way to script it.
Nothing sleeps: `slow` compares its delay with the `timeout` the client passed.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import re
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

_MISSING: Any = object()  # "no json= given" (None is a JSON value)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
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
class ArchiveRequest:
    """One request the service made to the archive."""

    method: str
    url: str
    path: str
    params: Mapping[str, str | list[str]]  # one value, or a list when repeated
    headers: Mapping[str, str]
    body: bytes | None
    timeout: float | tuple[float | None, float | None] | None


class ArchiveScript:
    """The archive's scripting API and the requests it saw, shared by every level.

    A level (this module's `Archive`, the loopback server of `harness.wire.http`) decides how
    a `ScriptedReply` reaches the client; which reply comes next is decided here, so a test
    scripts the archive the same way at every level.
    """

    def __init__(self) -> None:
        # Re-entrant so that a level can read its own state under the same lock as the reply.
        self._lock = threading.RLock()
        self._standing: ScriptedReply | None = None
        self._queued: deque[list[Any]] = deque()  # [reply, remaining]
        self._requests: list[ArchiveRequest] = []

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
        """The archive is unreachable: no answer at all (`requests`: ConnectionError)."""
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

    # -- what happened -----------------------------------------------------------------------

    @property
    def requests(self) -> list[ArchiveRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> ArchiveRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def _take_reply(self, recorded: ArchiveRequest) -> ScriptedReply | None:
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


class Archive(ArchiveScript):
    """A scripted archive service; see the module docstring."""

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None

    # -- answering (called by responses) -----------------------------------------------------

    def url_pattern(self) -> re.Pattern[str]:
        if self.base_url is None:
            return re.compile(r"https?://.*")
        return re.compile(re.escape(self.base_url) + r"(/.*|\?.*)?$")

    def answer(self, request: Any) -> Any:
        """responses callback: (status, headers, body) or an exception to raise."""
        import requests

        recorded = _record(request)
        reply = self._take_reply(recorded)
        if reply is None:
            return requests.exceptions.ConnectionError(
                f"the archive fake has no answer scripted for {recorded.method} {recorded.url}: "
                "call archive.reply(json=...) (or timeout(), server_error(), ...) in the test"
            )
        if reply.kind is ReplyKind.TIMEOUT or (
            reply.kind is ReplyKind.SLOW and _times_out(reply.delay, recorded.timeout)
        ):
            return requests.exceptions.ReadTimeout(
                f"HTTPConnectionPool: Read timed out. (read timeout={recorded.timeout})"
            )
        if reply.kind is ReplyKind.CONNECTION_ERROR:
            return requests.exceptions.ConnectionError(
                f"Failed to establish a new connection to {recorded.url}: [Errno 111] Connection refused"
            )
        return (reply.status, dict(reply.headers), reply.body)


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


def _times_out(delay: float, timeout: Any) -> bool:
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    return read is not None and delay >= read


def _record(request: Any) -> ArchiveRequest:
    split = urlsplit(request.url)
    params = {
        k: (v[0] if len(v) == 1 else v)
        for k, v in parse_qs(split.query, keep_blank_values=True).items()
    }
    body = request.body.encode() if isinstance(request.body, str) else request.body
    return ArchiveRequest(
        method=request.method,
        url=request.url,
        path=split.path,
        params=params,
        headers=dict(request.headers),
        body=body,
        timeout=getattr(request, "req_kwargs", {}).get("timeout"),
    )


@contextlib.contextmanager
def activate(backends: Backends) -> Iterator[Any]:
    """Answer `requests` calls to the archive from `backends.archive` while active."""
    import responses

    archive = backends.archive
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    pattern = archive.url_pattern()
    for method in METHODS:
        mock.add_callback(method, pattern, callback=archive.answer, content_type=None)
    mock.start()
    try:
        yield mock
    finally:
        mock.stop(allow_assert=False)
        mock.reset()
