"""What can be known about a third-party package without importing it.

A package tree that must be faked is easier to fake, or to install for real, once its user knows
whether it is installed, whether it is C-backed (a compiled extension, often wrapping a native
library that a CI image may lack: the C-backed-submodule trap), and which optional extras its
submodules need (`confluent_kafka.schema_registry.avro` fails on a missing `fastavro` unless the
`avro` extra is installed).

Everything here comes from `importlib.util.find_spec` on the top-level name (which locates a
package without executing it), the files of its directory, and the distribution metadata. A small
table of well-known packages adds what files cannot say: the native library behind the extension,
pure-Python fallbacks, and which submodule belongs to which extra.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class _Known:
    """Curated facts about one import name."""

    native: str = ""  # the native library the extension wraps, when it is required
    pure_fallback: bool = False  # compiled modules are optional speed-ups
    # submodule -> extra of the distribution it needs
    extras: dict[str, str] = field(default_factory=dict)


# Import names seen in services of this kind. Packages not listed are still checked from their
# files and metadata; this table only names the native library and the extras.
_KNOWN: dict[str, _Known] = {
    "confluent_kafka": _Known(
        native="librdkafka",
        extras={
            "confluent_kafka.schema_registry": "schemaregistry",
            "confluent_kafka.schema_registry.avro": "avro",
            "confluent_kafka.schema_registry.json_schema": "json",
            "confluent_kafka.schema_registry.protobuf": "protobuf",
            "confluent_kafka.avro": "avro",
        },
    ),
    "psycopg2": _Known(native="libpq"),
    "grpc": _Known(native="the gRPC C core"),
    "MySQLdb": _Known(native="libmysqlclient"),
    "cx_Oracle": _Known(native="the Oracle client libraries"),
    "lxml": _Known(native="libxml2 and libxslt"),
    "pyodbc": _Known(native="an ODBC driver manager"),
    "ldap": _Known(native="OpenLDAP's libldap"),
    "pymongo": _Known(pure_fallback=True, extras={"pymongo.encryption": "encryption"}),
    "bson": _Known(pure_fallback=True),
    "yaml": _Known(pure_fallback=True),
    "sqlalchemy": _Known(pure_fallback=True),
    "markupsafe": _Known(pure_fallback=True),
    "msgpack": _Known(pure_fallback=True),
    "redis": _Known(pure_fallback=True),
    "kafka": _Known(),
}


@dataclass(frozen=True)
class ExtraNeed:
    """An optional extra that one imported submodule needs."""

    extra: str  # "avro"
    submodule: str  # "confluent_kafka.schema_registry.avro"
    missing: tuple[str, ...]  # requirements of the extra that are not installed (empty: all there)


@dataclass(frozen=True)
class PackageInfo:
    """Install state and build facts of one top-level import name."""

    root: str
    installed: bool
    distribution: str | None = None
    version: str | None = None
    compiled: tuple[str, ...] = ()  # names of the compiled modules found in the package
    native: str = ""  # native library from the table, when known
    pure_fallback: bool = False
    extras: tuple[ExtraNeed, ...] = ()

    @property
    def c_backed(self) -> bool:
        """True when importing it for real needs compiled code (no pure-Python fallback)."""
        return bool(self.compiled or self.native) and not self.pure_fallback

    def describe(self) -> str:
        """One human line: `installed (confluent-kafka 2.16.0), C-backed (librdkafka: cimpl)`."""
        parts = []
        if not self.installed:
            parts.append("not installed")
        elif self.distribution:
            parts.append(f"installed ({self.distribution} {self.version})")
        else:
            parts.append("installed")
        if self.c_backed:
            what = ": ".join(filter(None, (self.native, ", ".join(self.compiled))))
            parts.append(f"C-backed ({what})")
        elif self.compiled:
            parts.append("optional C speed-ups")
        for need in self.extras:
            state = f"missing {', '.join(need.missing)}" if need.missing else "installed"
            if not self.installed:
                state = "not installed"
            parts.append(f"{need.submodule} needs extra [{need.extra}]: {state}")
        return "; ".join(parts)


def package_info(root: str, modules: Iterable[str] = ()) -> PackageInfo:
    """Facts about the top-level package `root`, and the extras the given submodules need.

    Never imports `root`: `find_spec` of a top-level name only locates it.
    """
    known = _KNOWN.get(root, _Known())
    spec = _find_top_level_spec(root)
    wanted = sorted({m for m in modules if m in known.extras})
    if spec is None:
        extras = tuple(ExtraNeed(known.extras[m], m, ()) for m in wanted)
        return PackageInfo(root, installed=False, native=known.native, extras=extras)

    distribution = _distribution_of(root)
    version = _installed_version(distribution) if distribution else None
    extras = tuple(
        ExtraNeed(
            known.extras[m],
            m,
            _missing_requirements(distribution, known.extras[m]) if distribution else (),
        )
        for m in wanted
    )
    return PackageInfo(
        root,
        installed=True,
        distribution=distribution,
        version=version,
        compiled=_compiled_modules(spec),
        native=known.native,
        pure_fallback=known.pure_fallback,
        extras=extras,
    )


def _find_top_level_spec(root: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(root)
    except (ImportError, ValueError):
        # ValueError: something (a test's fake) sits in sys.modules without a __spec__.
        return None


def _compiled_modules(spec: importlib.machinery.ModuleSpec) -> tuple[str, ...]:
    """Names of the extension modules in the package (or the module itself, when compiled)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    if spec.submodule_search_locations is None:
        origin = spec.origin or ""
        return (spec.name,) if origin.endswith(suffixes) else ()
    found = []
    for location in spec.submodule_search_locations:
        for _directory, subdirs, files in os.walk(location):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "__pycache__")))
            for name in sorted(files):
                if name.endswith(suffixes):
                    found.append(name.split(".", 1)[0])
    return tuple(dict.fromkeys(found))


@cache
def _top_level_to_distribution() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distribution_of(root: str) -> str | None:
    names = _top_level_to_distribution().get(root)
    return names[0] if names else None


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _missing_requirements(distribution: str, extra: str) -> tuple[str, ...]:
    """Requirements of `distribution[extra]` that are absent or at a version it does not accept."""
    try:
        declared = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return ()
    missing = []
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if (
            marker is None
            or not marker.evaluate({"extra": extra})
            or marker.evaluate({"extra": ""})
        ):
            continue  # not part of this extra (or a base requirement, installed with the package)
        installed = _installed_version(requirement.name)
        if installed is None:
            missing.append(requirement.name)
        elif not _accepts(requirement, installed):
            missing.append(f"{requirement.name}{requirement.specifier} (have {installed})")
    return tuple(dict.fromkeys(missing))


def _accepts(requirement: Requirement, version: str) -> bool:
    try:
        return requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True
