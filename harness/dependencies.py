"""Which packages of a legacy module are faked, at which level, and by what.

A `Dependency` is one top-level package as one service sees it during a session: the modules
its fake serves to the import, the environment it needs (the wire-level seam: a real client
pointed at a loopback backend only contributes env), what to do at the start of each test
(`reset`) and around it (`activate`: e.g. `responses` intercepting `requests`).

What needs faking comes from static analysis (every third-party package tree the module
imports, at import time or inside functions), adjusted by `[tool.harness]`: `fake` adds trees,
`keep_real` removes them, `fidelity` picks the level per package. A package with nothing at its
level in the integrations registry (`harness.integrations`: flask has no integration, MongoDB no
wire level) is kept real when it is installed, and stubbed (a MagicMock tree) when it is not.

A service's level (`fidelity = "stub"`, `--harness-fidelity=stub`) is how real its backends are:
it applies to the packages that reach one (an integration covers them, known network clients
included), not to a web framework or a library the tests drive through the service. Such a
package is stubbed only when it is named: `fidelity = { flask = "stub" }` or `fake = ["flask"]`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from harness.errors import ConfigError
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.analysis.model import ModuleFacts
    from harness.config import ServiceConfig


class Dependency(Protocol):
    """One faked top-level package for one service (see the module docstring)."""

    package: str
    fidelity: Fidelity
    serves_modules: bool  # False: the real package is imported (e.g. requests under responses)

    def module(self, fullname: str) -> object:
        """The module object for `fullname` (the package or one of its submodules).

        Raises LookupError when the fake does not provide it."""

    def env(self) -> Mapping[str, str]:
        """Environment values the service must see with this dependency (usually empty).

        A dependency may instead define `env_for(reads: Sequence[EnvRead]) -> dict[str, str]`,
        to point the variables the module actually reads at its backend (the wire level)."""

    def reset(self) -> None:
        """Called before each test using the service, after the source's `reset()`: what this
        package alone must forget (backends shared by every package are reset by the source)."""

    def activate(self) -> AbstractContextManager[None]:
        """Context around each test (and the import) using the service."""


class DependencySource(Protocol):
    """Where a session's dependencies come from: `harness.fakes_adapter.FakesSource`, with
    `harness.wire.source.WireSource` in front of it once a service asks for the wire level.
    Optionally `close()`, called when the session ends."""

    backends: Any  # what the fixtures show the test: kafka, schema_registry, mongo, archive

    def get(self, package: str, fidelity: Fidelity) -> Dependency | None: ...

    def reset(self) -> None:
        """Fresh backends for the next test."""

    def drain(
        self, *, empty_polls: int, max_messages: int | None
    ) -> AbstractContextManager[Any]: ...

    def watch_thread(
        self, *, on_swallowed: Callable[[Any], object] | None = None
    ) -> AbstractContextManager[Any]: ...

    def describe_consumers(self) -> str: ...

    def mark_baseline(self, dependencies: list[Dependency]) -> None: ...

    def client_count(self) -> int: ...

    def clients_since(self, count: int) -> list[str]: ...


@dataclass
class Resolution:
    dependencies: list[Dependency] = field(default_factory=list)
    kept_real: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve(
    config: ServiceConfig,
    facts: ModuleFacts | None,
    source: DependencySource,
    imported: Sequence[ModuleFacts] = (),
) -> Resolution:
    """Decide, package by package, what the service gets (see the module docstring).

    `imported`: the project modules the service imports at import time, transitively: the
    packages they import at their own import count too (one not installed is stubbed)."""
    from harness.analysis import third_party_packages
    from harness.analysis.packages import import_root

    packages: set[str] = set(config.fake)
    if facts is not None:
        packages |= set(third_party_packages(facts, include_deferred=True))
    if imported:
        # The service's directories are on sys.path while it runs: a module of a subfolder
        # importing `schema` reaches the service's own schema.py, not a package to stub.
        service_roots = (str(config.path.parent), import_root(str(config.path)))
        packages |= set(third_party_packages(imported, service_roots))
    guarded = _guarded_everywhere([*([facts] if facts is not None else []), *imported])
    resolution = Resolution()
    for package in sorted(packages):
        if package in config.keep_real:
            resolution.kept_real.append(package)
            continue
        level = _level(config, package)
        dependency = source.get(package, level)
        if dependency is not None:
            resolution.dependencies.append(dependency)
            continue
        installed = importlib.util.find_spec(package) is not None  # a top-level name: no import
        if not installed and package in guarded and package not in config.fake:
            # A stub would make the import succeed and the code take its "present" branch with
            # MagicMocks: left missing, the code falls back as it does without the package.
            resolution.notes.append(
                f"{package} is not installed; every import of it is guarded by an except "
                "ImportError: left missing, so the code takes its fallback"
            )
            continue
        if level == Fidelity.STUB or package in config.fake or not installed:
            stub = source.get(package, Fidelity.STUB)
            if stub is None:
                raise ConfigError(f"{config.origin}: no stub level available for {package!r}")
            resolution.dependencies.append(stub)
            if not installed and level != Fidelity.STUB:
                resolution.notes.append(not_installed_note(package))
        else:
            resolution.kept_real.append(package)
    return resolution


def _guarded_everywhere(modules: Sequence[ModuleFacts]) -> set[str]:
    """Top-level packages every import of which copes with it failing (analysis's `optional`:
    inside a `try` whose handler catches `ImportError`)."""
    guarded: dict[str, bool] = {}
    for module in modules:
        for binding in module.imports:
            if binding.module and not binding.module.startswith("."):
                top = binding.module.partition(".")[0]
                guarded[top] = guarded.get(top, True) and binding.optional
    return {top for top, every in guarded.items() if every}


def not_installed_note(package: str) -> str:
    """The report's line for a package stubbed because it is not installed."""
    return f"{package} is not installed and has no fake: stubbed (MagicMock tree)"


def _level(config: ServiceConfig, package: str) -> Fidelity:
    """The level `package` is served at for this service (see the module docstring): its own
    level when one is named for it, else the service's level if the package reaches a backend,
    else `fake` (no integration serves it at `fake`: it stays real when installed)."""
    from harness.integrations import for_package

    if package in config.fidelity or for_package(package) is not None:
        return config.fidelity_of(package)
    return Fidelity.FAKE
