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

import dataclasses
import functools
import ipaddress
import json
import linecache
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from harness.errors import ChildProcessRefused, NetworkRefused
from harness.locations import display_path, is_library_file

# Audit events that carry a destination (see the "Audit events table" of the Python docs):
# connect() and connect_ex() raise "socket.connect"; gethostbyname_ex() "socket.gethostbyname";
# create_connection() resolves, then connects.
_WATCHED = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
        "socket.sendto",
        "socket.sendmsg",
    }
)
# Ways to start a program that have no faithful stand-in (`harness.processes` records
# `subprocess.Popen`, `multiprocessing.Process` and `os.system` instead): refused when legacy
# code calls them, since a child would escape every guard the harness has.
_CHILD_EVENTS = frozenset({"os.fork", "os.forkpty", "os.exec", "os.spawn", "os.posix_spawn"})
_RESOLVERS = frozenset({"socket.getaddrinfo", "socket.gethostbyname"})
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
    refuse_children: bool = True


class NetworkGuard:
    """Process-wide switch for the audit hook; scopes nest and may come from several services."""

    def __init__(self) -> None:
        self._scopes: list[_Scope] = []
        self._lock = threading.RLock()
        self._installed = False
        self._child_log_path: str | None = None
        self._child_offset = 0
        self._children_started = False  # since the process began: only then is there a log to read

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
            self._install()
            self._scopes.append(scope)
            outer = len(self._scopes) == 1
            if outer:
                swapped = _guard_c_clients()
        try:
            yield
        finally:
            self.collect_children()
            with self._lock:
                self._scopes.remove(scope)
                if outer:
                    _unguard_c_clients(swapped)

    def _install(self) -> None:
        if not self._installed:
            sys.addaudithook(self._audit)
            self._installed = True

    def hold(self, *, on_refusal: Callable[[Refusal], None]) -> None:
        """Guard this whole process, for good: what a child process started under a scope does
        (see `harness/_guard_child/sitecustomize.py`). Its own code counts as the culprit."""
        with self._lock:
            self._install()
            self._scopes.append(
                _Scope(on_refusal, _child_code, refuse_children=False)
            )

    # -- child processes: they inherit the guard ------------------------------------------------

    def _child_log(self) -> str:
        """The file children append their refusals to (one JSON object a line)."""
        if self._child_log_path is None:
            handle, self._child_log_path = tempfile.mkstemp(
                prefix="legacy-harness-refusals-", suffix=".jsonl"
            )
            os.close(handle)
            self._child_offset = 0
        return self._child_log_path

    def child_environment(self, env: Mapping[str, str] | None) -> Mapping[str, str] | None:
        """The environment for a process a test starts while a scope is active (called by the
        `subprocess` stand-in of `harness.processes`): the child inherits the guard."""
        if not self._scopes:
            return env
        self._children_started = True
        env = dict(os.environ if env is None else env)
        python_path = env.get("PYTHONPATH")
        env["PYTHONPATH"] = _CHILD_DIRECTORY + (os.pathsep + python_path if python_path else "")
        env[CHILD_LOG_VARIABLE] = self._child_log()
        env[CHILD_ROOT_VARIABLE] = os.path.dirname(os.path.dirname(_CHILD_DIRECTORY))
        return env

    def collect_children(self) -> None:
        """Hand what children refused since the last call to the innermost scope."""
        path = self._child_log_path
        if not self._children_started or path is None or not self._scopes:
            return
        if os.path.getsize(path) <= self._child_offset:
            return
        with open(path, encoding="utf-8") as handle:
            handle.seek(self._child_offset)
            lines = handle.readlines()
            self._child_offset = handle.tell()
        for line in lines:
            if line.strip():
                self._scopes[-1].on_refusal(Refusal(**json.loads(line)))

    # -- C-backed clients: their sockets are opened in C, where no audit hook sees them --------

    def check_client_config(self, client: str, config: Any) -> None:
        """Refuse a C-backed client whose configuration names a non-loopback address."""
        if not self._scopes or not isinstance(config, Mapping):
            return
        for key in _C_CLIENT_ADDRESS_KEYS:
            for address in str(config.get(key) or "").split(","):
                host = _host_of(address)
                if host and not _is_loopback(host):
                    refusal = self.refuse(address.strip(), f"{client}({key})", sys._getframe(2))
                    raise NetworkRefused(
                        f"harness: network guard refused {refusal.describe()}: this client "
                        "connects from C (librdkafka), out of sight of the socket guard, so it "
                        "is refused when built. Fix: fake the package (fidelity \"fake\"), use "
                        "the wire level (a loopback cluster), or point it at 127.0.0.1"
                    )

    @property
    def active(self) -> bool:
        return bool(self._scopes)

    def _audit(self, event: str, args: tuple) -> None:
        if not self._scopes:
            return
        if event in _CHILD_EVENTS:
            self._refuse_child(event, args)
            return
        shown = reaches_out(event, args)
        if shown is None:
            return
        refusal = self.refuse(shown, event.partition(".")[2], sys._getframe(1))
        raise NetworkRefused(
            f"harness: network guard refused {refusal.describe()}: only loopback is reachable while "
            "a legacy module is imported or tested. Fix: fake the dependency that connects "
            '([tool.harness] fidelity "fake" or "stub", or fake = ["<package>"]), or point '
            "it at 127.0.0.1"
        )

    def refuse(self, destination: str, operation: str, frame: Any) -> Refusal:
        """Note a refused attempt, attributed to the innermost legacy frame from `frame` out,
        with the scope that frame belongs to; the caller raises."""
        scopes = list(self._scopes)
        frame = _culprit_frame(frame, scopes)
        filename = frame.f_code.co_filename if frame else "<unknown>"
        line = frame.f_lineno if frame else 0
        refusal = Refusal(
            destination=destination,
            operation=operation,
            file=filename,
            line=line,
            module=str(frame.f_globals.get("__name__", "?")) if frame else "?",
            code=linecache.getline(filename, line).strip() if frame else "",
        )
        owner = next(
            (s for s in reversed(scopes) if frame and s.is_legacy_file(filename)), scopes[-1]
        )
        owner.on_refusal(refusal)
        return refusal

    def _refuse_child(self, event: str, args: tuple) -> None:
        frame = sys._getframe(2)
        scopes = [s for s in self._scopes if s.refuse_children]
        culprit = _culprit_frame(frame, scopes)
        if culprit is None or not any(s.is_legacy_file(culprit.f_code.co_filename) for s in scopes):
            return  # a test or the harness starting a process on purpose (it inherits the guard)
        program = os.fsdecode(args[0]) if args and isinstance(args[0], (str, bytes)) else ""
        refusal = self.refuse(program or "a child process", event.partition(".")[2], frame)
        raise ChildProcessRefused(
            f"harness: refused {refusal.describe()}: a process started by legacy code would "
            "escape the harness (its network guard, fakes and bounds). Fix: fake or patch what "
            "starts it (subprocess.Popen, multiprocessing.Process and os.system are recorded, "
            "not started)"
        )


# The one guard of the process (the audit hook it installs is process-wide anyway).
NETWORK_GUARD = NetworkGuard()

# What a child process a test starts under a scope (through `subprocess`) finds in its
# environment: this directory first on PYTHONPATH (its sitecustomize installs the guard), where
# the harness package is, and the file it reports refusals to. Set per child, never in this
# process's `os.environ` (that would cost every scope, and leak to what runs outside them), but
# for the start of a multiprocessing `spawn` or `forkserver` process, which takes this process's
# own environment (see `harness.processes`); a `fork` child is a copy of this process, guard
# included. A child started another way (`os.exec*`), with -E, -I or -S, a `forkserver` child
# whose server started outside a scope, or a program that is not Python, does not inherit the
# guard; legacy code cannot start one at all (see `harness.processes`).
_CHILD_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_guard_child")
CHILD_LOG_VARIABLE = "LEGACY_HARNESS_GUARD_LOG"
CHILD_ROOT_VARIABLE = "LEGACY_HARNESS_ROOT"


def _child_code(filename: str) -> bool:
    """In a child process, its own code is the culprit (`python -c` code included)."""
    return filename in ("<string>", "<stdin>") or not is_library_file(filename)


def guard_child_process() -> None:
    """Called by the child's sitecustomize: refusals go to the parent's log, and raise."""
    log = os.environ[CHILD_LOG_VARIABLE]

    def report(refusal: Refusal) -> None:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(dataclasses.asdict(refusal)) + "\n")

    NETWORK_GUARD.hold(on_refusal=report)


# C-backed clients: librdkafka resolves and connects from C, where no audit hook sees it, so
# their configuration is checked when they are built. Their types (in `confluent_kafka.cimpl`)
# are immutable C types: neither their `__init__` nor their `__init_subclass__` can be
# replaced. So, while a scope is active, each is put behind a guarded subclass (same name, same
# instance layout) whose `__init__` checks the configuration, then runs the C one:
# - a module global naming the type (`confluent_kafka.Producer`, and the `Producer` a library
#   or a test module took from it when imported) names the guarded subclass instead: direct
#   construction and classes defined meanwhile go through it;
# - every Python class already deriving from the type directly (confluent's own
#   SerializingProducer and AdminClient, confluent_kafka.avro's AvroProducer, a service's or a
#   library's `class P(Producer)`, defined before the scope) gets the guarded subclass in its
#   bases in the type's place, so the `super().__init__(conf)` that reaches librdkafka is
#   checked; the classes deriving from those follow (their MRO goes through their bases).
# `isinstance` and `issubclass` against the C type answer as before. At the scope's end the
# names are put back and every class with a guarded subclass among its bases (those defined
# during the scope too) gets the C type back there: outside a scope no class goes through one.
# Not seen: the C type kept elsewhere than in a module global (a class attribute, a closure)
# before the scope, and used to build a client or define a class during it.
_C_CLIENT_MODULE = "confluent_kafka.cimpl"
_C_CLIENT_TYPES = ("Producer", "Consumer", "ShareConsumer", "_AdminClientImpl")
_C_CLIENT_ADDRESS_KEYS = ("bootstrap.servers", "metadata.broker.list")
_GUARDED: dict[type, type] = {}  # C type -> its guarded subclass, one each, kept


def _guarded(cls: type) -> type:
    """The guarded subclass of the C client type `cls`."""
    if cls not in _GUARDED:

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            config = dict(args[0]) if args and isinstance(args[0], Mapping) else {}
            config.update(kwargs)  # librdkafka takes configuration keys as keywords too
            NETWORK_GUARD.check_client_config(_client_name(type(self)), config)
            cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

        namespace = {"__init__": __init__, "__module__": cls.__module__, "__slots__": ()}
        guarded = type(cls.__name__, (cls,), namespace)
        guarded.__qualname__ = cls.__qualname__
        _GUARDED[cls] = guarded
    return _GUARDED[cls]


def _client_name(cls: type) -> str:
    """The class the legacy code built, as it knows it: the wire level's own subclasses
    (`harness.wire.confluent.WireProducer`) stand for the class they replace."""
    return next(c for c in cls.__mro__ if not c.__module__.startswith("harness.")).__name__


def _c_client_types() -> list[type]:
    """The real C client types, when their extension is loaded (not a fake served in its place)."""
    module = sys.modules.get(_C_CLIENT_MODULE)
    found = [getattr(module, name, None) for name in _C_CLIENT_TYPES] if module else []
    return [
        cls
        for cls in found
        if isinstance(cls, type) and not cls.__module__.startswith("harness.")
    ]


def _rebase(cls: type, old: type, new: type) -> None:
    """`cls` with `new` in its bases where `old` is."""
    try:
        cls.__bases__ = tuple(new if base is old else base for base in cls.__bases__)
    except TypeError:  # a class defined in C: its bases are fixed (none in confluent-kafka)
        pass


class _Globals:
    """Which globals of each module name a C client type. A module's globals are read once
    (reading them all takes milliseconds, once per process; a scope then costs one look-up
    per module), again only when another module took its name in `sys.modules`."""

    def __init__(self) -> None:
        # name -> (id of the module read, its globals naming a type); an id, not a weak
        # reference: some extension modules take none (cffi's)
        self._read: dict[str, tuple[int, tuple[str, ...]]] = {}

    def naming(self, types: list[type]) -> Iterator[tuple[ModuleType, str, type]]:
        """(module, name, C type) for each module global naming one of `types` now."""
        wanted = {id(cls) for cls in types}
        for module_name, module in list(sys.modules.items()):
            if not isinstance(module, ModuleType):
                continue
            read = self._read.get(module_name)
            if read is None or read[0] != id(module):
                names = tuple(
                    name for name, value in list(vars(module).items()) if id(value) in wanted
                )
                read = self._read[module_name] = (id(module), names)
            for name in read[1]:
                value = vars(module).get(name)
                if isinstance(value, type) and id(value) in wanted:
                    yield module, name, value


_C_CLIENT_GLOBALS = _Globals()


def _guard_c_clients() -> list[tuple[Any, str, type]]:
    """Put each C client type behind its guarded subclass; returns the names to put back."""
    swapped = []
    types = _c_client_types()
    if not types:
        return swapped
    for module, name, cls in _C_CLIENT_GLOBALS.naming(types):
        setattr(module, name, _guarded(cls))
        swapped.append((module, name, cls))
    for cls in types:
        guarded = _guarded(cls)
        for subclass in cls.__subclasses__():
            if subclass is not guarded:
                _rebase(subclass, cls, guarded)
    return swapped


def _unguard_c_clients(swapped: list[tuple[Any, str, type]]) -> None:
    for module, name, cls in swapped:
        if vars(module).get(name) is _GUARDED[cls]:  # else the module changed it meanwhile
            setattr(module, name, cls)
    for cls, guarded in _GUARDED.items():
        for subclass in guarded.__subclasses__():
            _rebase(subclass, guarded, cls)


def _host_of(address: str) -> str:
    """'PLAINTEXT://kafka.internal:9092' -> 'kafka.internal'; '[::1]:9092' -> '::1'."""
    address = address.strip().rpartition("://")[2]
    if address.startswith("["):
        return address[1:].partition("]")[0]
    return address.rpartition(":")[0] if address.count(":") == 1 else address


def reaches_out(event: str, args: tuple) -> str | None:
    """"host:port" when the audited operation reaches beyond loopback, else None."""
    if event not in _WATCHED:
        return None
    destination = _destination(event, args)
    if destination is None:
        return None
    host, shown = destination
    if _is_loopback(host) or (event in _RESOLVERS and _is_ip_literal(host)):
        return None  # resolving an address literal sends nothing: its connect() is checked
    return shown


def _destination(event: str, args: tuple) -> tuple[str, str] | None:
    """(host, "host:port") of an audited socket operation; None when it has no network peer."""
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
    elif event in ("socket.gethostbyname", "socket.gethostbyaddr"):
        host, port = args[0], None
    else:  # connect, sendto, sendmsg: (socket, address); getnameinfo: (address,)
        address = args[0] if event == "socket.getnameinfo" else args[1]
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
        return (
            lowered in _LOOPBACK_NAMES
            or lowered.endswith(".localhost")
            or lowered == _own_hostname()  # gethostbyname(gethostname()): /etc/hosts, no query
        )
    return address.is_loopback or address.is_unspecified


@functools.lru_cache(maxsize=1)
def _own_hostname() -> str:
    return socket.gethostname().lower()


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
