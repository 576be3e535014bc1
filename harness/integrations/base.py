"""What an integration is: the parts one external system contributes to the harness.

An `Integration` is plain data (and small functions that import what they need when called),
so importing every integration module costs nothing: no fake, no client library, no server is
loaded until a service or a test uses it. See `harness.integrations` for the registry and an
example of a third-party integration.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.analysis.model import EnvRead
    from harness.fakes.tree import ModuleTree


def load_object(path: str) -> Any:
    """The object named "package.module:attribute" (imported now)."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@dataclass(frozen=True)
class Provider:
    """How one top-level package is served at one fidelity level.

    `factory` ("module:function") builds the module tree: from the session's `Backends` at
    `fake`, from the package name at `stub`. None: the real package stays imported, and
    `activation` ("module:function" taking the `Backends`, returning a context manager) is what
    intercepts its calls around imports and tests (`responses` for `requests`). `prepare`
    ("module:function" taking the `Backends`): what must exist before any contract scope (a
    scope takes back the modules first imported inside it), e.g. a backend that imports a
    library or starts a server; called when the provider is built, outside scopes.
    """

    package: str
    level: Fidelity
    factory: str | None
    activation: str | None = None
    description: str = ""
    prepare: str | None = None

    def build(self, backends: Any) -> ModuleTree:
        """The module tree for `backends` (an empty tree when the real package stays)."""
        if self.prepare is not None:
            load_object(self.prepare)(backends)
        if self.factory is None:
            from harness.fakes.tree import ModuleTree

            return ModuleTree(self.package, self.level, {})
        if self.level is Fidelity.STUB:
            return load_object(self.factory)(self.package)
        return load_object(self.factory)(backends)

    def activate(self, backends: Any) -> contextlib.AbstractContextManager[object]:
        """What to keep active while the faked code runs (a no-op for most providers)."""
        if self.activation is None:
            return contextlib.nullcontext()
        return load_object(self.activation)(backends)

    @property
    def replaces_module(self) -> bool:
        """True when the real package must not be imported (a tree is served instead)."""
        return self.factory is not None


def stub_provider(package: str) -> Provider:
    """The `stub` level, which every package has: a tree of `MagicMock` modules."""
    return Provider(
        package,
        Fidelity.STUB,
        "harness.fakes.stub:build_tree",
        description="MagicMock modules",
    )


@dataclass(frozen=True)
class Backend:
    """One in-memory backend of the `fake` level, shared by every service of a session.

    It is `Backends.<name>` for the fakes (and the fixture), built on first use by
    `build(options)` (the keyword arguments `Backends(...)` was given), emptied before each test
    by `reset(backend)` and, after a service's import, told that what it holds now is where
    every test starts from by `baseline(backend)`. `verify(backend)`, after each test: why the
    test must fail (e.g. a request no HTTP route answered), or None. `wire`: the name of the
    wire backend that stands for it when the integration's packages are at `wire` (what the
    fixture then shows; it is verified the same way). `close(backend)`: what stops it when the
    session ends (a backend that runs a thread or holds a socket).
    """

    name: str
    build: Callable[[Mapping[str, Any]], Any]
    reset: Callable[[Any], None] | None = None
    baseline: Callable[[Any], None] | None = None
    verify: Callable[[Any], str | None] | None = None
    wire: str | None = None
    close: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class WireBackend:
    """A real server (or cluster) on 127.0.0.1 for the `wire` level, started on first use.

    `start(fake_backends)` gets the session's fake `Backends` (a loopback registry serves the
    fake registry's store, so a service at `fake` and one at `wire` see the same schemas)."""

    name: str
    start: Callable[[Any], Any]
    reset: Callable[[Any], None] | None = None
    close: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Wire:
    """How the integration's packages run at `wire`: the real package, its client classes
    swapped around imports and tests, its service's environment pointed at loopback backends.

    - `packages`: the packages with a wire level (the others of the integration have none);
    - `backends`: the loopback servers, started when a wire package first needs them;
    - `prepare(package, wire_backends)`: import the real package and start its backends, outside
      any contract scope (what a scope first imports is taken back when it ends);
    - `env_value(package, read, wire_backends)`: the address for one env read (None: not one);
    - `activate(package, wire_backends)`: the context around imports and tests;
    - `fallback`: instead of a wire level, why the `fake` level is used (e.g. no server can run
      in-process): a note in the report.
    """

    packages: tuple[str, ...] = ()
    backends: tuple[WireBackend, ...] = ()
    prepare: Callable[[str, Any], None] | None = None
    env_value: Callable[[str, EnvRead, Any], str | None] | None = None
    activate: Callable[[str, Any], contextlib.AbstractContextManager[object]] | None = None
    fallback: str | None = None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per system
class Integration:
    """One external system: its packages, a provider per level, backends, wire, fixture.

    - `name`: the system ("kafka", "mongo", "http"...), also the key of its fixture object;
    - `packages`: the top-level packages that reach it (`confluent_kafka`, `kafka`);
    - `providers`: per level, per package, what serves it (the `stub` level exists for every
      package and needs no entry);
    - `backends`: the in-memory backends its fakes and its fixture share;
    - `wire`: its `wire` level, if any;
    - `fixture`: "module:Class" of the object its pytest fixture gives the test, built as
      `Class(session, legacy)`; `fixture_name` the fixture's name (default: `name`);
    - `client_constructors`: the callables of its packages that build a client of the system
      (`"flask_sqlalchemy.SQLAlchemy"`, as the code imports them), and `connecting_methods`
      the methods of such a client (or of an object reached from one) that reach the server
      at once (`create_all`): what `harness scan` and `harness init` call a client and a
      connection at import. A callable no integration declares is a client when its name
      says so (`harness.analysis.collect.effects`).
    """

    name: str
    packages: tuple[str, ...]
    providers: Mapping[Fidelity, Mapping[str, Provider]] = field(default_factory=dict)
    backends: tuple[Backend, ...] = ()
    wire: Wire | None = None
    fixture: str | None = None
    fixture_name: str | None = None
    description: str = ""
    client_constructors: tuple[str, ...] = ()
    connecting_methods: tuple[str, ...] = ()

    def provider(self, package: str, level: Fidelity) -> Provider | None:
        """What serves `package` at `level` (None: this integration has nothing at that level)."""
        if level is Fidelity.STUB:
            return stub_provider(package)
        return self.providers.get(level, {}).get(package)

    def levels(self, package: str) -> tuple[Fidelity, ...]:
        """The levels `package` has here, `stub` first."""
        found = [
            Fidelity.STUB,
            *(lvl for lvl, by in self.providers.items() if package in by),
        ]
        if self.wire is not None and package in self.wire.packages:
            found.append(Fidelity.WIRE)
        return tuple(dict.fromkeys(found))
