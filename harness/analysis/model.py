"""What static analysis knows about one module, as plain immutable records.

These records are the contract between the analysis (which reads source and never imports or
runs it) and its three users: `harness lint`, `harness scan`/`init`, and the pytest plugin, which
uses them to decide what to fake and which environment variables to set before an import.

Lines are 1-based, columns 1-based (as flake8 prints them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class ImportBinding:
    """One name bound by an import statement.

    `import a.b as c`        -> module="a.b", name=None, bound_as="c"
    `import a.b`             -> module="a.b", name=None, bound_as="a"   (binds the top package)
    `from a.b import C as D` -> module="a.b", name="C",  bound_as="D"
    `from . import x` in package p -> module="p", name="x" (relative imports resolved when the
    module's own dotted name is known; otherwise module keeps its leading dots)
    """

    module: str
    name: str | None
    bound_as: str
    line: int
    col: int
    at_import_time: bool  # executed when the module is imported (not inside a def)
    # Inside `try:` with an `except ImportError` (or ModuleNotFoundError, Exception, bare): the
    # module copes with the import failing, so a fake for it is not required.
    optional: bool = False

    @property
    def qualified(self) -> str:
        """The dotted name the binding refers to: `a.b.C` for a from-import, `a.b` otherwise."""
        if not self.name:
            return self.module
        # An unresolved `from .. import x` keeps its dots: `..x`, not `...x`.
        separator = "" if self.module.endswith(".") else "."
        return f"{self.module}{separator}{self.name}"


class EnvUse(str, Enum):
    """How a value read from the environment is used; it decides a plausible test default."""

    TEXT = "text"  # used as a string
    INT = "int"  # passed to int()
    FLOAT = "float"  # passed to float()
    BOOL = "bool"  # compared with "true"/"1" or passed to a bool-ish helper
    URL = "url"  # name or use suggests a URL (…_URL, …_URI, startswith("http"))
    HOST = "host"  # …_IP, …_HOST
    PORT = "port"  # …_PORT


@dataclass(frozen=True)
class EnvRead:
    """One read of an environment variable."""

    name: str
    line: int
    col: int
    required: bool  # os.environ["X"]: KeyError when unset
    default: str | None  # the literal default of .get/getenv, when there is one
    none_breaks: bool  # getenv/get without default, whose None is then used where None fails
    use: EnvUse
    at_import_time: bool


class EffectKind(str, Enum):
    CLIENT = "client"  # a connection or client object built (MongoClient, Producer, Session…)
    THREAD = "thread"  # a thread, timer or process created or started
    FILESYSTEM = "filesystem"  # makedirs, open, mkdir…
    LOGGING = "logging"  # logging.basicConfig and friends
    SIGNAL = "signal"  # signal.signal
    NETWORK = "network"  # sockets, requests.get… at import
    LOOP = "loop"  # `while True` at module level
    CALL = "call"  # any other call into a third-party package at import time


@dataclass(frozen=True)
class SideEffect:
    """Something the module does while it is imported, beyond defining names."""

    kind: EffectKind
    target: str  # qualified name of what is called, e.g. "pymongo.MongoClient"
    line: int
    col: int
    assigned_to: tuple[str, ...] = ()  # module globals bound to the result
    detail: str = ""  # e.g. the thread's target function name, "started" or not
    # For an object reached from a client built at import (`db = client["x"]`,
    # `consumer.subscribe(...)`): the module global it was reached from.  Empty otherwise.
    derived_from: str = ""


@dataclass(frozen=True)
class Unknowable:
    """Something analysis cannot decide statically; reported, never guessed."""

    line: int
    col: int
    message: str  # e.g. "star import from config: names it binds are unknown"


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    module_name: str | None  # dotted name when it can be derived from the path
    imports: tuple[ImportBinding, ...] = ()
    env_reads: tuple[EnvRead, ...] = ()
    effects: tuple[SideEffect, ...] = ()
    definitions: frozenset[str] = field(default_factory=frozenset)  # top-level names bound
    unknowable: tuple[Unknowable, ...] = ()
    # Module globals holding a client once the import is done: (name, the callable that built
    # it), e.g. ("db", "flask_sqlalchemy.SQLAlchemy"); objects reached from one and clients
    # imported from project modules (`imported_clients`) included.
    clients: tuple[tuple[str, str], ...] = ()

    def binding(self, local_name: str) -> ImportBinding | None:
        """The import that binds `local_name` at module level, if any (the last one wins)."""
        found = None
        for binding in self.imports:
            if binding.bound_as == local_name and binding.at_import_time:
                found = binding
        return found


class AnalysisError(Exception):
    """The source cannot be analysed at all (syntax error, undecodable bytes, unreadable file)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        # Line 0 means the whole file (missing, unreadable): no line to point at.
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self):  # picklable: lint workers and caches send these between processes
        return (type(self), (self.path, self.line, self.message))
