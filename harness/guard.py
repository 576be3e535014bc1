"""The network guard: while a legacy module is imported or tested, only loopback is reachable.

A legacy module that connects at import (or a route that calls a real backend) must not reach a
real Kafka, MongoDB or HTTP service from a test run. The guard refuses, with `NetworkRefused`
(a `ConnectionRefusedError`), every connection, DNS lookup or datagram aimed at anything but
loopback, and names the module and line that tried. Loopback stays reachable: that is where
wire-level backends (a loopback HTTP server, librdkafka's mock cluster) listen.

It is built on an audit hook (PEP 578) rather than on a patched `socket.socket`: the hook sees
every socket, including those of C extensions and of a `socket` module imported twice, and
nothing the legacy code does can unpatch it. An audit hook cannot be removed once added, so it
is added on first use and does nothing (one set look-up) when no guard scope is active.
"""

from __future__ import annotations

import ipaddress
import linecache
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.errors import NetworkRefused
from harness.locations import display_path, is_library_file

# Audit events that carry a destination (see the "Audit events table" of the Python docs).
_WATCHED = frozenset({"socket.connect", "socket.getaddrinfo", "socket.sendto"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True)
class Refusal:
    """One attempt the guard refused."""

    destination: str  # "10.0.0.5:9092", "kafka.internal:9092"
    operation: str  # "connect", "getaddrinfo", "sendto"
    file: str
    line: int
    module: str
    code: str  # the source line that tried, stripped

    def describe(self) -> str:
        where = f"{display_path(self.file)}:{self.line}"
        code = f" `{self.code}`" if self.code else ""
        return f"{self.operation} {self.destination} from {where} (module {self.module}){code}"


@dataclass
class _Scope:
    on_refusal: Callable[[Refusal], None]
    is_legacy_file: Callable[[str], bool]


class NetworkGuard:
    """Process-wide switch for the audit hook; scopes nest and may come from several services."""

    def __init__(self) -> None:
        self._scopes: list[_Scope] = []
        self._lock = threading.Lock()
        self._installed = False

    @contextmanager
    def scope(
        self,
        *,
        on_refusal: Callable[[Refusal], None],
        is_legacy_file: Callable[[str], bool] = lambda filename: False,
    ) -> Iterator[None]:
        """Refuse non-loopback destinations until the block ends.

        `is_legacy_file` tells which stack frames belong to the code under test, so the refusal
        names the legacy line rather than the library line that opened the socket.
        """
        scope = _Scope(on_refusal, is_legacy_file)
        with self._lock:
            if not self._installed:
                sys.addaudithook(self._audit)
                self._installed = True
            self._scopes.append(scope)
        try:
            yield
        finally:
            with self._lock:
                self._scopes.remove(scope)

    @property
    def active(self) -> bool:
        return bool(self._scopes)

    def _audit(self, event: str, args: tuple) -> None:
        if event not in _WATCHED or not self._scopes:
            return
        destination = _destination(event, args)
        if destination is None:
            return
        host, shown = destination
        if _is_loopback(host) or (event == "socket.getaddrinfo" and _is_ip_literal(host)):
            return  # resolving an address literal sends nothing: its connect() is checked
        scopes = list(self._scopes)
        frame = _culprit_frame(sys._getframe(1), scopes)
        filename = frame.f_code.co_filename if frame else "<unknown>"
        line = frame.f_lineno if frame else 0
        refusal = Refusal(
            destination=shown,
            operation=event.partition(".")[2],
            file=filename,
            line=line,
            module=str(frame.f_globals.get("__name__", "?")) if frame else "?",
            code=linecache.getline(filename, line).strip() if frame else "",
        )
        owner = next(
            (s for s in reversed(scopes) if frame and s.is_legacy_file(filename)), scopes[-1]
        )
        owner.on_refusal(refusal)
        raise NetworkRefused(
            f"harness: network guard refused {refusal.describe()}: only loopback is reachable while "
            "a legacy module is imported or tested. Fix: fake the dependency that connects "
            '([tool.harness] fidelity "fake" or "stub", or fake = ["<package>"]), or point '
            "it at 127.0.0.1"
        )


# The one guard of the process (the audit hook it installs is process-wide anyway).
NETWORK_GUARD = NetworkGuard()


def _destination(event: str, args: tuple) -> tuple[str, str] | None:
    """(host, "host:port") of an audited socket operation; None when it has no network peer."""
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
    else:  # socket.connect and socket.sendto: (socket, address)
        address = args[1]
        if not isinstance(address, tuple) or not address:
            return None  # AF_UNIX paths and other local families
        host, port = address[0], address[1] if len(address) > 1 else None
    if host is None:
        return None  # a passive lookup (bind to any address) reaches nobody
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    host = str(host)
    return host, f"{host}:{port}" if port not in (None, "", 0) else host


def _is_loopback(host: str) -> bool:
    name = host.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        lowered = name.lower().rstrip(".")
        return lowered in _LOOPBACK_NAMES or lowered.endswith(".localhost")
    return address.is_loopback or address.is_unspecified


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _culprit_frame(frame, scopes: list[_Scope]):
    """The innermost frame in legacy code; else the innermost outside the stdlib, site-packages
    and the harness (a test's own line); else the innermost frame."""
    first_foreign = None
    current = frame
    while current is not None:
        filename = current.f_code.co_filename
        if any(scope.is_legacy_file(filename) for scope in scopes):
            return current
        if first_foreign is None and not is_library_file(filename):
            first_foreign = current
        current = current.f_back
    return first_foreign or frame
