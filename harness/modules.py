"""Module plumbing: fake package trees served by a meta-path finder, `sys.modules` snapshots,
and importing a legacy file under a private name.

Why a finder rather than `sys.modules.setdefault(...)` per submodule: a legacy module reaches a
package through every parent (`from confluent_kafka.schema_registry.avro import X` needs three
modules), a hand-written list misses one sooner or later, and `setdefault` silently keeps a real
module that was imported first. The finder answers for a whole tree: every name under a faked
top-level package comes from its fake, and a name the fake does not provide fails with an error
that says so, instead of `AttributeError: module 'confluent_kafka' has no attribute
'schema_registry'` (the C-backed-submodule trap).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from harness.errors import LegacyImportError

# A fake tree: given a dotted name under its top-level package, the module object to serve, or
# LookupError when the fake does not provide that module.
TreeSource = Callable[[str], object]

PRIVATE_PREFIX = "_harness_legacy_"


class IncompleteFakeTree(ImportError):
    """A legacy module imports a submodule that the fake of its package does not provide.

    An `ImportError` (not `ModuleNotFoundError`, which `from pkg import name` would swallow and
    turn into "cannot import name"), so an optional import guarded by `except ImportError`
    still behaves as it would without the package.
    """


@dataclass
class Served:
    """A module the finder handed out, for the side-effect report."""

    name: str
    fidelity: str


class FakeTreeFinder(importlib.abc.MetaPathFinder):
    """Serves every module under the given top-level packages from their fake trees."""

    def __init__(
        self,
        trees: Mapping[str, tuple[TreeSource, str]],
        *,
        is_legacy_file: Callable[[str], bool] = lambda filename: False,
    ) -> None:
        self._trees = dict(trees)  # top-level package -> (source, fidelity)
        self._is_legacy_file = is_legacy_file
        self.served: list[Served] = []

    @property
    def packages(self) -> frozenset[str]:
        return frozenset(self._trees)

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        entry = self._trees.get(top)
        if entry is None:
            return None
        source, fidelity = entry
        try:
            module = source(fullname)
        except LookupError:
            raise IncompleteFakeTree(
                self._missing_message(fullname, fidelity), name=fullname
            ) from None
        self.served.append(Served(fullname, fidelity))
        # Every fake module is a package (an empty `__path__`): the import system refuses to
        # look for `a.b` under an `a` without one, before any finder is asked.
        return importlib.machinery.ModuleSpec(
            fullname, _ServeLoader(module), origin=f"harness {fidelity} fake", is_package=True
        )

    def _missing_message(self, fullname: str, fidelity: str) -> str:
        top = fullname.partition(".")[0]
        site = _importing_site(self._is_legacy_file)
        return (
            f"harness: {site}imports {fullname!r}, which the {top!r} fake ({fidelity} level) does "
            f'not provide. Fix: set fidelity = {{ {top} = "stub" }} for this service (a '
            f'MagicMock tree answers every name), or keep_real = ["{top}"] if it imports offline'
        )


class _ServeLoader(importlib.abc.Loader):
    def __init__(self, module: object) -> None:
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        """Nothing to run: the fake was built by its provider, outside the import."""


def tree_names(modules: Mapping[str, object], packages: Iterable[str]) -> list[str]:
    """Names in `modules` that belong to the given top-level packages (`a` and `a.*`)."""
    tops = tuple(packages)
    prefixes = tuple(f"{top}." for top in tops)
    return [name for name in modules if name in tops or name.startswith(prefixes)]


@dataclass
class ModulesSnapshot:
    """A copy of `sys.modules` (names and module identities)."""

    modules: dict[str, object] = field(default_factory=dict)

    @classmethod
    def take(cls) -> ModulesSnapshot:
        return cls(dict(sys.modules))

    def added_since(self) -> dict[str, object]:
        """Entries of `sys.modules` that are new or point to another object than at the snapshot."""
        before = self.modules
        return {
            name: module
            for name, module in list(sys.modules.items())
            if before.get(name, _MISSING) is not module
        }

    def restore(self) -> None:
        """Put `sys.modules` back, entry by entry (never cleared: other threads may import)."""
        current = sys.modules
        for name in [n for n in current if n not in self.modules]:
            current.pop(name, None)
        for name, module in self.modules.items():
            if current.get(name, _MISSING) is not module:
                current[name] = module

    def differences(self) -> list[str]:
        current = sys.modules
        added = sorted(n for n in current if n not in self.modules)
        removed = sorted(n for n in self.modules if n not in current)
        changed = sorted(
            n for n in self.modules if n in current and current[n] is not self.modules[n]
        )
        return (
            _listing("added", added) + _listing("removed", removed) + _listing("replaced", changed)
        )


_MISSING = object()


def _listing(what: str, names: list[str]) -> list[str]:
    if not names:
        return []
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return [f"sys.modules: {what} {shown}"]


def private_names(service: str, path: Path) -> tuple[str, str]:
    """(private package, private module name) a legacy file is imported under.

    The file is never imported under its own name: another suite (the hand-written conftests)
    may import the same file as `current` with its own fakes, and the two must not meet.
    """
    slug = re.sub(r"\W", "_", service) or "service"
    package = f"{PRIVATE_PREFIX}{slug}"
    stem = re.sub(r"\W", "_", path.stem)
    return package, f"{package}.{stem}"


def import_file(path: Path, package: str, name: str) -> ModuleType:
    """Import `path` as `name`, inside a private namespace package over the file's directory.

    The private package makes the file's relative imports (`from . import config`) resolve to
    its siblings, under the same private prefix. Must run inside a contract scope: whatever it
    adds to `sys.modules` is taken back by the scope's restore.
    """
    parent = ModuleType(package, f"Private package of the legacy module {path}")
    parent.__path__ = [str(path.parent)]
    parent.__package__ = package
    parent.__spec__ = importlib.machinery.ModuleSpec(package, None, is_package=True)
    parent.__spec__.submodule_search_locations = [str(path.parent)]
    sys.modules[package] = parent
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LegacyImportError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    setattr(parent, name.rpartition(".")[2], module)
    linecache.checkcache(str(path))  # a file edited (or mutated) since the last run
    spec.loader.exec_module(module)
    return module


def _importing_site(is_legacy_file: Callable[[str], bool]) -> str:
    """'legacy_services/x.py:3 ' for the innermost legacy frame of the current import."""
    frame = sys._getframe(1)
    while frame is not None:
        if is_legacy_file(frame.f_code.co_filename):
            filename = frame.f_code.co_filename
            try:
                shown = os.path.relpath(filename)
            except ValueError:
                shown = filename
            return f"{shown}:{frame.f_lineno} "
        frame = frame.f_back
    return ""
