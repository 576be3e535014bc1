"""The session-end check: what a test run leaves behind that was not there when it began.

Threads still running, child processes still alive, signal handlers, logging handlers and
open sockets: each is a test (or the code it loaded) that escaped its isolation, and the next
suite in the same process, or pytest's exit, pays for it. And any attempt to reach beyond
loopback made outside the harness's guard scopes (inside them the guard refuses it), seen by
an audit hook of its own: no test may touch the network. The plugin runs the check when
`--harness-leak-check` is given or `harness_leak_check = true` is in the pytest ini (see
`harness.plugin`); a leak fails the run, naming each thing left.

Sockets are reported when an end is beyond loopback (the wire level's loopback backends and
the legacy clients connected to them live as long as the session's services, by design).
Linux reads child processes and sockets from /proc; elsewhere those two parts are skipped.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.guard import NETWORK_GUARD, reaches_out
from harness.locations import display_path, is_library_file
from harness.restore import (
    SIGNALS,
    all_loggers,
    handler_name,
    is_pytest_handler,
    signal_handlers,
)

_PROC = Path("/proc/self")


@dataclass
class LeakCheck:
    """What the process holds at the start of a session."""

    threads: set[int]
    children: set[int]
    signals: tuple
    handlers: set[int]
    sockets: set[str]

    @classmethod
    def take(cls) -> LeakCheck:
        _NETWORK_WATCH.start()
        return cls(
            threads={t.ident for t in threading.enumerate() if t.ident is not None},
            children=_children(),
            signals=signal_handlers(),
            handlers={id(h) for _, logger, h in _handlers()},
            sockets=set(_sockets().values()),
        )

    def leaks(self) -> list[str]:
        """Everything present now that was not at `take()`, described."""
        gc.collect()  # objects only garbage holds (a closed-over client) release their sockets
        found = [
            f"thread {t.name!r} ({'daemon' if t.daemon else 'non-daemon'}, target "
            f"{_target(t)})"
            for t in threading.enumerate()
            if t.ident not in self.threads and t.is_alive()
        ]
        found += [
            f"child process {pid} ({_command(pid)})" for pid in sorted(_children() - self.children)
        ]
        found += [
            f"signal handler of {_name(number)}: {handler_name(now)} (was {handler_name(was)})"
            for number, was, now in zip(SIGNALS, self.signals, signal_handlers())
            if was is not None
            and now is not was
            and now != signal.SIG_DFL  # back to the default: nothing left
            and _identity(now) != _identity(was)
        ]
        found += [
            f"logging handler {handler!r} on logger {name or 'root'!r}"
            for name, logger, handler in _handlers()
            if id(handler) not in self.handlers
        ]
        outside = _non_loopback_sockets()
        found += [
            f"open socket ({fd}, {outside[inode]})"
            for fd, inode in _sockets().items()
            if inode not in self.sockets and inode in outside
        ]
        found += [f"network attempt: {attempt}" for attempt in _NETWORK_WATCH.stop()]
        return found


class _NetworkWatch:
    """Notes what reaches beyond loopback outside the guard's scopes (an audit hook cannot be
    removed: it is switched off between sessions)."""

    def __init__(self) -> None:
        self._on = False
        self._installed = False
        self._seen: list[str] = []

    def start(self) -> None:
        if not self._installed:
            sys.addaudithook(self._audit)
            self._installed = True
        self._seen.clear()
        self._on = True

    def stop(self) -> list[str]:
        self._on = False
        return list(self._seen)

    def _audit(self, event: str, args: tuple) -> None:
        if not self._on or NETWORK_GUARD.active:
            return
        shown = reaches_out(event, args)
        if shown is not None:
            frame = sys._getframe(1)
            while frame is not None and is_library_file(frame.f_code.co_filename):
                frame = frame.f_back
            where = f"{display_path(frame.f_code.co_filename)}:{frame.f_lineno}" if frame else "?"
            self._seen.append(f"{event.partition('.')[2]} {shown} from {where}")


_NETWORK_WATCH = _NetworkWatch()


def _handlers() -> list[tuple[str, logging.Logger, logging.Handler]]:
    """Handlers that can write somewhere: not pytest's own, not the `NullHandler` a library
    adds to its logger when it is first imported."""
    return [
        (name, logger, handler)
        for name, logger in all_loggers()
        for handler in logger.handlers
        if not is_pytest_handler(handler) and not isinstance(handler, logging.NullHandler)
    ]


def _identity(handler: object) -> object:
    """A signal handler as the function it runs: pytest-timeout installs a new closure of the
    same function for every test."""
    code = getattr(handler, "__code__", None)
    return code if code is not None else handler


def _target(thread: threading.Thread) -> str:
    target = getattr(thread, "_target", None)
    if target is None:
        return f"{type(thread).__module__}.{type(thread).__qualname__}.run"
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', target)}"


def _name(number: int) -> str:
    return signal.Signals(number).name


def _children() -> set[int]:
    found: set[int] = set()
    try:
        for task in (_PROC / "task").iterdir():
            text = (task / "children").read_text()
            found.update(int(pid) for pid in text.split())
    except OSError:
        return found
    return found


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "ended"
    return " ".join(os.fsdecode(part) for part in raw.split(b"\0") if part)[:200]


def _non_loopback_sockets() -> dict[str, str]:
    """{"socket:[inode]": "tcp 10.1.2.3:5000 -> 192.0.2.1:9092"} for the process's IP sockets
    with an end beyond loopback (/proc/net). Loopback sockets are left out: the wire level's
    backends and the legacy clients connected to them live as long as the session's services,
    by design, and reach nothing outside the machine."""
    found = {}
    for kind in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = (_PROC / "net" / kind).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            local, remote = _address(fields[1]), _address(fields[2])
            # a listening or unconnected socket has an unspecified remote end: only its local one
            ends = [end for end in (local, remote) if end is not None]
            ends = ends[:1] + [end for end in ends[1:] if not end[0].is_unspecified]
            if any(not host.is_loopback for host, _ in ends):
                shown = " -> ".join(f"{host}:{port}" for host, port in (local, remote) if host is not None)
                found[f"socket:[{fields[9]}]"] = f"{kind} {shown}"
    return found


def _address(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    """'0100007F:1F90' -> (127.0.0.1, 8080): /proc/net's host-order hex words."""
    host, _, port = text.partition(":")
    try:
        raw = bytes.fromhex(host)
        packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
        return ipaddress.ip_address(packed), int(port, 16)
    except ValueError:
        return None


def _sockets() -> dict[str, str]:
    """{"fd 7": "socket:[1234]"} for every open socket of this process."""
    found = {}
    try:
        entries = list((_PROC / "fd").iterdir())
    except OSError:
        return found
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:"):
            found[f"fd {entry.name}"] = target
    return found
