"""The integrations the harness knows: built in, and registered by other packages.

Built-in integrations are the modules listed in `BUILTIN` (one per external system). Another
distribution adds one through the entry-point group `legacy_harness.integrations`, naming an
`Integration` object (or a module holding one as `INTEGRATION`)::

    [project.entry-points."legacy_harness.integrations"]
    vendor_queue = "vendor_harness.integration:INTEGRATION"

A registered integration wins over a built-in one covering the same package (a team can replace
the harness's own fake of a package). Entry points are read once per process, on first use.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from types import ModuleType

from harness.errors import ConfigError
from harness.fidelity import Fidelity
from harness.integrations.base import Integration, Provider, load_object

ENTRY_POINT_GROUP = "legacy_harness.integrations"

# One module per external system, in the order their fixtures are documented.
BUILTIN = (
    "harness.integrations.kafka",
    "harness.integrations.mongo",
    "harness.integrations.http",
    "harness.integrations.redis",
    "harness.integrations.s3",
    "harness.integrations.sql",
    "harness.integrations.prometheus",
    "harness.integrations.sentry",
    "harness.integrations.clients",  # last: known clients with no integration, stubbed
)


@cache
def builtin() -> tuple[Integration, ...]:
    """The built-in integrations (importing them loads no fake and no client library)."""
    return tuple(importlib.import_module(name).INTEGRATION for name in BUILTIN)


@cache
def registered() -> tuple[Integration, ...]:
    """Integrations other distributions register through `ENTRY_POINT_GROUP`."""
    if not _may_declare(ENTRY_POINT_GROUP):
        return ()
    import importlib.metadata  # here, not at module level: it costs ~30 ms to import

    found: list[Integration] = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {entry.name!r} = {entry.value!r} in group {ENTRY_POINT_GROUP!r}"
        if entry.dist is not None:
            where += f" (distribution {entry.dist.name})"
        try:
            loaded = (
                entry.load() if ":" in entry.value else load_object(entry.value + ":INTEGRATION")
            )
        except Exception as error:  # noqa: BLE001 - any failure of third-party code is reported
            raise ConfigError(
                f"{where}: cannot be loaded: {type(error).__name__}: {error}"
            ) from None
        if isinstance(loaded, ModuleType):
            loaded = getattr(loaded, "INTEGRATION", None)
        if not isinstance(loaded, Integration):
            raise ConfigError(
                f"{where}: names {type(loaded).__name__}, not a harness.integrations.Integration"
            )
        found.append(loaded)
    return tuple(found)


def _may_declare(group: str) -> bool:
    """Whether some installed distribution may declare entry points in `group` (False: none does).

    `importlib.metadata.entry_points()` builds every entry point of every distribution (10 to
    30 ms of a session's first service load), while usually none is in our group. Written by
    hand as a pre-check only: it reads the `entry_points.txt` files importlib.metadata would
    find on `sys.path` (directories of `*.dist-info` and `*.egg-info`) and looks for the
    group's section; whatever it cannot tell for sure (a zip or an egg on `sys.path`, another
    finder of distributions on `sys.meta_path`) answers True, and importlib.metadata reads the
    entry points as before."""
    if any(
        hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder
        for finder in sys.meta_path
    ):
        return True
    section = re.compile(rf"^\s*\[\s*{re.escape(group)}\s*\]\s*$", re.MULTILINE)
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")
        except NotADirectoryError:
            return True  # a zip archive on sys.path
        except OSError:
            continue  # missing: importlib.metadata finds nothing there either
        for child in children:
            if child.endswith(".egg"):
                return True
            if not child.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(entry, child, "entry_points.txt"), encoding="utf-8") as f:
                    if section.search(f.read()):
                        return True
            except (OSError, UnicodeDecodeError):
                continue
    return False


def all_integrations() -> tuple[Integration, ...]:
    """Every integration: the registered ones first (they win for a package), then built-ins."""
    return (*registered(), *builtin())


def by_name(name: str) -> Integration:
    for integration in all_integrations():
        if integration.name == name:
            return integration
    known = ", ".join(sorted({i.name for i in all_integrations()}))
    raise LookupError(f"no integration named {name!r} (known: {known})")


@cache
def _by_package() -> Mapping[str, Integration]:
    table: dict[str, Integration] = {}
    for integration in all_integrations():
        for package in integration.packages:
            table.setdefault(package, integration)
    return table


def packages_reaching_backends() -> Mapping[str, Integration]:
    """Every top-level package the harness knows to reach a backend, with its integration.

    The question a meta-path finder asks while an import runs: a package listed here gets
    what `provider(package, level)` serves wherever it is imported; any other package is either
    kept real or, when it is a known network client with no integration, stubbed (see
    `harness.integrations.clients`).
    """
    return dict(_by_package())


def for_package(package: str) -> Integration | None:
    """The integration covering top-level `package` (None: the harness knows no backend for it)."""
    return _by_package().get(package.partition(".")[0])


def provider(package: str, level: Fidelity | str = Fidelity.FAKE) -> Provider | None:
    """What serves top-level `package` at `level`: `stub` for any package; None when no
    integration has that level for it (then the real package, if installed, is kept)."""
    level = Fidelity(level)
    if level is Fidelity.STUB:
        from harness.integrations.base import stub_provider

        return stub_provider(package)
    integration = for_package(package)
    return integration.provider(package, level) if integration is not None else None


def serves_modules(package: str, level: Fidelity | str) -> bool:
    """Whether `package` at `level` is served as module objects in place of the real package
    (False: the real package is imported, perhaps with its calls intercepted). At `wire`, a
    package whose integration falls back to `fake` there is what `fake` serves."""
    level = Fidelity(level)
    integration = for_package(package)
    if integration is not None and not integration.providers and integration.wire is None:
        return True  # stub-only (harness.integrations.clients): MagicMock modules at every level
    if level is Fidelity.WIRE:
        wire = integration.wire if integration is not None else None
        if wire is None or wire.fallback is None or package in wire.packages:
            return False
        level = Fidelity.FAKE
    found = provider(package, level)
    return found is not None and found.replaces_module


def iter_providers(level: Fidelity = Fidelity.FAKE) -> Iterator[Provider]:
    for integration in all_integrations():
        for package in integration.packages:
            found = integration.provider(package, level)
            if found is not None:
                yield found


def packages_at(level: Fidelity) -> list[str]:
    """Top-level packages some integration serves at `level` (`fake`, `wire`)."""
    if level is Fidelity.WIRE:
        return sorted(p for i in all_integrations() if i.wire is not None for p in i.wire.packages)
    return sorted({p.package for p in iter_providers(level)})


@cache
def _client_constructors() -> frozenset[str]:
    return frozenset(
        _package_and_name(c) for i in all_integrations() for c in i.client_constructors
    )


def builds_client(qualified: str) -> bool:
    """Whether the callable `qualified` (`flask_sqlalchemy.SQLAlchemy`, or as deep as the code
    imports it: `flask_sqlalchemy.extension.SQLAlchemy`) is one an integration declares to build
    a client of its system."""
    return _package_and_name(qualified) in _client_constructors()


def connects(built_by: str, method: str) -> bool:
    """Whether calling `method` on a client built by `built_by` (or on an object reached from
    one) reaches the server at once, as the integration covering its package declares."""
    integration = for_package(built_by)
    return integration is not None and method in integration.connecting_methods


def _package_and_name(qualified: str) -> str:
    """`top.name`: the top-level package and the last name of a dotted name."""
    top, _, rest = qualified.partition(".")
    return f"{top}.{rest.rpartition('.')[2]}" if rest else top


def clear_cache() -> None:
    """Read the entry points again on next use (after installing a distribution)."""
    for cached in (builtin, registered, _by_package, _client_constructors):
        cached.cache_clear()
