"""Module plumbing: fake package trees served by a meta-path finder that decides per import
request, `sys.modules` snapshots, and importing a legacy file under its real dotted name.

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
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from harness.errors import LegacyImportError
from harness.locations import display_path

# A fake tree: given a dotted name under its top-level package, the module object to serve, or
# LookupError when the fake does not provide that module (`NotServed`: saying why).
TreeSource = Callable[[str], object]


class NotServed(LookupError):
    """A module a fake refuses to serve, and why (`str(error)`: the reason, shown to the user)."""

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


# Decides, for a top-level package not yet served, whether it gets a fake: (source, fidelity),
# or None to leave the import to the other finders. Called while the import runs.
Decide = Callable[[str], "tuple[TreeSource, str] | None"]


class FakeTreeFinder(importlib.abc.MetaPathFinder):
    """Serves every module under the given top-level packages from their fake trees, and asks
    `decide` about each top-level package of `watches` the first time it is imported.

    `hides`: the top-level packages whose real modules leave `sys.modules` while the finder is
    installed (the ones served now, and those `decide` would serve), so that an `import kafka`
    three modules down reaches the finder even when the real `kafka` was imported before.
    """

    def __init__(
        self,
        trees: Mapping[str, tuple[TreeSource, str]],
        *,
        is_legacy_file: Callable[[str], bool] = lambda filename: False,
        decide: Decide | None = None,
        hides: Iterable[str] = (),
        watches: Iterable[str] = (),
        stub_missing: Decide | None = None,
    ) -> None:
        self._trees = dict(trees)  # top-level package -> (source, fidelity)
        # Installed last on sys.meta_path by the scope: see `_MissingPackages`.
        self.last = _MissingPackages(self, stub_missing)
        self._is_legacy_file = is_legacy_file
        self._decide = decide
        self._hides = frozenset(hides) | frozenset(self._trees)
        self._watches = frozenset(watches) | self._hides  # decide is asked about these
        self._hidden: dict[str, object] = {}  # real modules taken out while installed
        self._adopt: Callable[[Mapping[str, object]], None] = lambda modules: None
        self._declined: set[str] = set()  # watched packages `decide` left real
        self.served: list[Served] = []

    @property
    def packages(self) -> frozenset[str]:
        """Top-level packages whose real modules must not be seen while the finder is installed."""
        return self._hides | frozenset(self._trees)

    def hide_real_modules(self, adopt: Callable[[Mapping[str, object]], None]) -> None:
        """Take the real modules of `packages` out of `sys.modules` (the scope puts them back).

        `adopt(modules)`: called with the modules a fake's construction imports for good while
        the finder is installed, for the scope to keep them when it restores `sys.modules`."""
        self._adopt = adopt
        self._hidden = {}
        for name in tree_names(sys.modules, self.packages):
            self._hidden[name] = sys.modules.pop(name)

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self._hides and _imported_by_harness(self._is_legacy_file):
            # The harness's own code (a backend built lazily inside a test) needs the real
            # package, loaded once and kept after the scope.
            return self._real_spec(fullname)
        entry = self._trees.get(top)
        if entry is None:
            if self._decide is None or top not in self._watches or top in self._declined:
                return None
            entry = self._decided(top)
            if entry is None:
                return self._loaded_by_decision(fullname)
        source, fidelity = entry
        try:
            module = source(fullname)
        except NotServed as refused:
            raise IncompleteFakeTree(
                self._missing_message(fullname, fidelity, str(refused)), name=fullname
            ) from None
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

    @staticmethod
    def _loaded_by_decision(fullname: str) -> importlib.machinery.ModuleSpec | None:
        """The real module that deciding about its package imported (a provider preparing the
        real package it leaves in place), served as it is. The import system asked because the
        name was missing when the import began: left to find it again, it would run the
        package's `__init__` a second time into a new module object, which lacks the
        submodules the first one has (`redis.client`, `sqlalchemy.engine`). Taken out of
        `sys.modules` until the import system puts it back: finding the name there, it would
        load again from the module's own spec rather than use this one."""
        module = sys.modules.pop(fullname, None)
        if module is None:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, _ServeLoader(module), origin=getattr(module, "__file__", None) or "real"
        )

    @contextmanager
    def _outside(self, *, rehide: bool = True) -> Iterator[None]:
        """The process as without the finder for the block: real modules back, finder out.

        What the block imports (a fake's construction imports real modules: the confluent-kafka
        fake uses the real `KafkaError`) comes from the real packages, once, and is adopted by
        the scope, so it stays loaded after it; real modules of hidden packages leave again.
        The fake modules served so far leave for the block too (and come back after it): the
        gridfs fake, decided after the service got the pymongo fake, loads the real gridfs,
        which imports pymongo submodules not loaded yet."""
        from harness.threads import not_counted

        before = dict(sys.modules)
        installed = self in sys.meta_path
        if installed:
            sys.meta_path.remove(self)
        last = self.last in sys.meta_path
        if last:
            sys.meta_path.remove(self.last)
        displaced = {
            name: sys.modules.pop(name)
            for name in (tree_names(before, self.packages) if rehide else ())
            if before[name] is not self._hidden.get(name, _MISSING)
        }
        for name, module in self._hidden.items():
            sys.modules.setdefault(name, module)
        try:
            with not_counted():  # the harness's work, not the service's import
                yield
        finally:
            built = {n: m for n, m in sys.modules.items() if before.get(n, _MISSING) is not m}
            for name in tree_names(sys.modules, self.packages) if rehide else ():
                if name not in self._served_names or name in displaced:
                    self._hidden.setdefault(name, sys.modules[name])
                    del sys.modules[name]
            sys.modules.update(displaced)
            if installed:
                sys.meta_path.insert(0, self)
            if last:
                sys.meta_path.append(self.last)
            self._adopt(built)

    @property
    def _served_names(self) -> frozenset[str]:
        return frozenset(served.name for served in self.served)

    def _real_spec(self, fullname: str) -> importlib.machinery.ModuleSpec:
        """The real module, for the harness's own import. Its package stays visible until the
        scope ends (the import system needs the parents it just loaded): legacy code importing
        that package later in the same test gets the real one, so the harness builds what it
        needs before the legacy code runs wherever it can."""
        with self._outside(rehide=False):
            module = importlib.import_module(fullname)
        return importlib.machinery.ModuleSpec(
            fullname, _ServeLoader(module), origin=getattr(module, "__file__", None) or "real"
        )

    def decide_loaded(self, top: str) -> None:
        """Ask `decide` about `top`, already in `sys.modules` when a scope begins: outside the
        finder, as for an import (what a provider builds then stays loaded after the scope, and
        its own imports of `top` are not asked about again)."""
        if top not in self._trees and top not in self._declined:
            self._decided(top)

    def _decided(self, top: str) -> tuple[TreeSource, str] | None:
        """Ask `decide` about `top`, outside the finder (see `_outside`)."""
        assert self._decide is not None
        with self._outside():
            entry = self._decide(top)
        if entry is None:
            self._declined.add(top)
            return None
        self._trees[top] = entry
        return entry

    def _missing_message(self, fullname: str, fidelity: str, reason: str = "") -> str:
        top = fullname.partition(".")[0]
        site = _importing_site(self._is_legacy_file)
        why = f" ({reason})" if reason else ""
        return (
            f"harness: {site}imports {fullname!r}, which the {top!r} fake ({fidelity} level) does "
            f'not provide{why}. Fix: set fidelity = {{ {top} = "stub" }} for this service (a '
            f'MagicMock tree answers every name), or keep_real = ["{top}"] if it imports offline'
        )


@contextmanager
def real_package(top: str, package: ModuleType) -> Iterator[None]:
    """For harness code loading more of the real package `top` while a contract scope serves its
    fake (a fake resolving a name of the real package when a service first asks for it).

    For the block, `package` is `top` in `sys.modules` with the real submodules loaded so far,
    and no fake finder is installed. Afterwards `sys.modules` holds `top`'s tree as before: what
    the block loaded of it is hidden from the scope (legacy code keeps getting the fake) and,
    with anything else it loaded, kept for good (adopted by the scope). Outside a scope: nothing
    to do."""
    finders = [f for f in sys.meta_path if isinstance(f, FakeTreeFinder)]
    if not finders or sys.modules.get(top) is package:
        yield
        return
    meta_path = list(sys.meta_path)
    before = dict(sys.modules)
    for finder in finders:
        sys.meta_path.remove(finder)
    for name in tree_names(before, [top]):
        del sys.modules[name]
    for finder in finders:
        for name in tree_names(finder._hidden, [top]):
            sys.modules.setdefault(name, finder._hidden[name])  # type: ignore[arg-type]
    sys.modules[top] = package
    try:
        yield
    finally:
        after = dict(sys.modules)
        built = {n: m for n, m in after.items() if before.get(n, _MISSING) is not m}
        for name in tree_names(after, [top]):
            del sys.modules[name]
        sys.modules.update({name: before[name] for name in tree_names(before, [top])})
        for finder in finders:
            if top in finder.packages:
                for name in tree_names(built, [top]):
                    finder._hidden.setdefault(name, built[name])
            finder._adopt(built)
        sys.meta_path[:] = meta_path + [f for f in sys.meta_path if f not in meta_path]


@contextmanager
def outside_scopes() -> Iterator[None]:
    """For harness code that builds a backend lazily while contract scopes are active (the S3
    store a service's first S3 client starts): the block runs as outside them, without fake
    finders and with the real modules of faked packages, and what it imports stays loaded after
    the scopes (each adopts it), instead of being taken back and imported a second time.

    A package the scopes imported first (the service's Flask) that the block's new modules use
    (moto's server, a Flask application) stays loaded after the scopes too: otherwise the
    backend would keep running on a copy the next import replaces, while its lazy imports
    (`from flask import request` inside a request handler) find the new one. Those packages are
    told by what the new modules' names refer to (a module, or an object's `__module__`).
    Outside a scope: nothing to do."""
    finders = [f for f in sys.meta_path if isinstance(f, FakeTreeFinder)]
    if not finders:
        yield
        return
    with ExitStack() as stack:
        for finder in finders:
            stack.enter_context(finder._outside())
        before = dict(sys.modules)
        yield
        built = [m for n, m in sys.modules.items() if before.get(n, _MISSING) is not m]
    # Faked packages are the finders' business: their fakes never outlive a scope.
    used = _packages_used_by(built).difference(*(f.packages for f in finders))
    kept = {name: sys.modules[name] for name in tree_names(sys.modules, used)}
    for finder in finders:
        finder._adopt(kept)


def _packages_used_by(modules: Iterable[object]) -> set[str]:
    """Top-level packages the names of `modules` refer to (modules, and objects defined in one)."""
    used: set[str] = set()
    for module in modules:
        for value in list(getattr(module, "__dict__", {}).values()):
            try:
                name = (
                    value.__name__
                    if isinstance(value, ModuleType)
                    else getattr(value, "__module__", None)
                )
            except Exception:  # noqa: BLE001, S112  a proxy (flask's `request`) raises outside a request
                continue
            if isinstance(name, str):
                used.add(name.partition(".")[0])
    return used


def bound_to(modules: Mapping[str, object], packages: Iterable[str]) -> set[str]:
    """The top-level packages among `modules` (names to modules just imported) whose modules
    refer to one of `packages`, or to another package so found: imported while `packages` were
    the real ones, they hold the real clients (Flask-PyMongo's `MongoClient` subclasses the real
    pymongo's), where the service must get the fakes."""
    faked = frozenset(packages)
    by_top: dict[str, list[object]] = {}
    for name, module in modules.items():
        top = name.partition(".")[0]
        if top not in faked:
            by_top.setdefault(top, []).append(module)
    with warnings.catch_warnings():  # a deprecated name's module `__getattr__` warns when read
        warnings.simplefilter("ignore")
        uses = {top: _packages_used_by(found) - {top} for top, found in by_top.items()}
    bound = {top for top, used in uses.items() if used & faked}
    while True:
        more = {top for top, used in uses.items() if top not in bound and used & bound}
        if not more:
            return bound
        bound |= more


class _MissingPackages(importlib.abc.MetaPathFinder):
    """Last on `sys.meta_path` while a scope is on, so asked only about a top-level package no
    finder found: one the service's own code imports (the importing frame is a legacy file)
    where analysis did not look (a module imported inside a factory function, a project folder
    above the service), unguarded (not inside a `try` that catches its `ImportError`). Such a
    package gets the stub analysis would have given it, and the same report note; anything else
    fails to import as it would without the harness."""

    def __init__(self, head: FakeTreeFinder, stub: Decide | None) -> None:
        self._head = head
        self._stub = stub

    def find_spec(self, fullname, path=None, target=None):
        if self._stub is None or path is not None or "." in fullname:
            return None
        site = _importer(self._head._is_legacy_file)
        if site is None or _guarded_import(*site, fullname):
            return None
        entry = self._stub(fullname)
        if entry is None:
            return None
        self._head._trees[fullname] = entry
        return self._head.find_spec(fullname)


def _importer(is_legacy_file: Callable[[str], bool]) -> tuple[str, int] | None:
    """(file, line) of the import statement running now, when a legacy file holds it."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_IMPORT_MACHINERY):
        frame = frame.f_back
    if frame is None or not is_legacy_file(frame.f_code.co_filename):
        return None
    return frame.f_code.co_filename, frame.f_lineno


def _guarded_import(filename: str, line: int, package: str) -> bool:
    """Whether the import of `package` at `filename:line` copes with it failing (analysis's
    `optional`: inside a `try` catching `ImportError`); unreadable: taken as guarded."""
    from harness.analysis import analyze_file
    from harness.analysis.model import AnalysisError

    try:
        facts = analyze_file(filename)
    except (AnalysisError, OSError, RecursionError, ValueError):
        return True
    bindings = [
        b
        for b in facts.imports
        if b.line == line and b.module.lstrip(".").partition(".")[0] == package
    ]
    return not bindings or any(b.optional for b in bindings)


class _ServeLoader(importlib.abc.Loader):
    def __init__(self, module: object) -> None:
        self._module = module
        self._spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        """Nothing to run: the module was built outside the import (by its provider, or as the
        real one). A real module keeps its own spec (the import system set ours on it)."""
        if self._spec is not None and getattr(self._spec, "loader", None) is not None:
            module.__spec__ = self._spec


_HARNESS_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IMPORT_MACHINERY = ("<frozen importlib", os.path.dirname(importlib.__file__) + os.sep)


def _imported_by_harness(is_legacy_file: Callable[[str], bool]) -> bool:
    """Whether the current import is made on the harness's behalf: the innermost frame that is
    the harness's or the legacy code's is the harness's (libraries in between are transparent:
    mongomock importing pymongo for the harness's Mongo fake wants the real pymongo; a library
    the legacy code imports, importing kafka, gets the fake)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_IMPORT_MACHINERY) and filename != __file__:
            if os.path.abspath(filename).startswith(_HARNESS_DIR):
                return True
            if is_legacy_file(filename):
                return False
        frame = frame.f_back
    return False


def tree_names(modules: Mapping[str, object], packages: Iterable[str]) -> list[str]:
    """Names in `modules` that belong to the given top-level packages (`a` and `a.*`)."""
    # A submodule is only ever imported after its package: no top, nothing to look for.
    tops = tuple(top for top in packages if top in modules)
    if not tops:
        return []
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
        """Put `sys.modules` back, entry by entry (never cleared: other threads may import).

        The toolkit's own modules imported meanwhile stay: they are process-wide, and dropping
        one would make the next import of it a second copy (a fake's `HttpRouter` built by one
        copy, scripted with the other copy's enum, answers nothing it was told)."""
        current = sys.modules
        for name in [n for n in current if n not in self.modules and not _is_toolkit(n)]:
            current.pop(name, None)
        for name, module in self.modules.items():
            if current.get(name, _MISSING) is not module:
                current[name] = module

    def differences(self) -> list[str]:
        current = sys.modules
        added = sorted(n for n in current if n not in self.modules and not _is_toolkit(n))
        removed = sorted(n for n in self.modules if n not in current)
        changed = sorted(
            n for n in self.modules if n in current and current[n] is not self.modules[n]
        )
        return (
            _listing("added", added) + _listing("removed", removed) + _listing("replaced", changed)
        )


_MISSING = object()
_TOOLKIT = __name__.partition(".")[0]


def _is_toolkit(name: str) -> bool:
    return name == _TOOLKIT or name.startswith(_TOOLKIT + ".")


def _listing(what: str, names: list[str]) -> list[str]:
    if not names:
        return []
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return [f"sys.modules: {what} {shown}"]


def real_name(path: Path) -> tuple[str, Path] | None:
    """The dotted name a legacy file has in its project, and the directory that name starts in.

    `app/worker.py` beside `app/__init__.py` is `app.worker` from the directory holding `app/`;
    `app/__init__.py` is the package `app`; a file outside any package is its stem from its own
    directory. None when that name cannot be used: a part that is not an identifier, a
    top-level name the standard library or an installed package already answers for (importing
    the service under it would shadow that module for everyone), or a package of the file's own
    name beside it (`app.py` next to `app/`, run as a script: the import system gives that name
    to the package, which the script itself imports).
    """
    path = path.resolve()
    if path.name != "__init__.py" and (path.parent / path.stem / "__init__.py").is_file():
        return None
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    top = parts[0]
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return None
    elsewhere = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != str(directory)]
    spec = importlib.machinery.PathFinder.find_spec(top, elsewhere)
    # A namespace portion (a bare directory of that name) loses to the file: no collision.
    if (
        spec is not None
        and spec.origin not in (None, "namespace")
        and not os.path.abspath(spec.origin).startswith(str(directory) + os.sep)
    ):
        return None
    return ".".join(parts), directory


def import_real(
    name: str, path: Path, *, stops: tuple[type[BaseException], ...] = ()
) -> tuple[ModuleType, BaseException | None]:
    """Import the legacy file at `path` under its real dotted `name` (see `real_name`).

    Must run inside a contract scope whose `sys.path` starts with the name's directory and whose
    `sys.modules` holds nothing of the name's top-level package (another suite's copy is put
    back by the scope's restore). A package's `__init__` runs once, as in production.

    `stops`: exceptions that end the file's own top-level code early without failing the import
    (a loop at module level stopped by the fakes): the module stays imported as far as it ran,
    and the exception is returned beside it (None when the file ran to its end).
    """
    linecache.checkcache(str(path))  # a file edited (or mutated) since the last run
    parent, _, leaf = name.rpartition(".")
    if parent:
        importlib.import_module(parent)
    stopped: BaseException | None = None
    if name not in sys.modules:  # else its package's `__init__` imported it
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            raise LegacyImportError(f"{path}: cannot be imported as {name!r}")
        module = importlib.util.module_from_spec(spec)
        stopped = _execute(spec, module, stops)
        if parent:
            setattr(sys.modules[parent], leaf, sys.modules[name])
    module = sys.modules[name]  # a module may put another object in its place, as import allows
    found = getattr(module, "__file__", None)
    if not found or os.path.abspath(found) != str(path.resolve()):
        raise LegacyImportError(
            f"harness: importing {name!r} for {path} loaded {found or 'a module without a file'} "
            "instead; another directory on sys.path holds the same name"
        )
    return module, stopped


def _execute(
    spec: importlib.machinery.ModuleSpec,
    module: ModuleType,
    stops: tuple[type[BaseException], ...],
) -> BaseException | None:
    """Run `module`'s code as the import system would (in `sys.modules` while it runs, taken
    out if it fails), except that one of `stops` leaves it imported as far as it ran."""
    assert spec.loader is not None
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except stops as stop:
        return stop
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    return None


def private_names(service: str, path: Path) -> tuple[str, str]:
    """(private package, private module name) for a file whose real name cannot be used (see
    `real_name`): it is then imported under a private prefix, and `patch("name.X")` cannot reach
    it by its own name."""
    slug = re.sub(r"\W", "_", service) or "service"
    package = f"{PRIVATE_PREFIX}{slug}"
    stem = re.sub(r"\W", "_", path.stem)
    return package, f"{package}.{stem}"


def import_file(
    path: Path, package: str, name: str, *, stops: tuple[type[BaseException], ...] = ()
) -> tuple[ModuleType, BaseException | None]:
    """Import `path` as `name`, inside a private namespace package over the file's directory.

    The private package makes the file's relative imports (`from . import config`) resolve to
    its siblings, under the same private prefix. Must run inside a contract scope: whatever it
    adds to `sys.modules` is taken back by the scope's restore. `stops`: as for `import_real`.
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
    setattr(parent, name.rpartition(".")[2], module)
    linecache.checkcache(str(path))  # a file edited (or mutated) since the last run
    stopped = _execute(spec, module, stops)
    return module, stopped


def _importing_site(is_legacy_file: Callable[[str], bool]) -> str:
    """'legacy_services/x.py:3 ' for the innermost legacy frame of the current import, and the
    library modules importing in between ('app.py:4 (through flask_pymongo -> gridfs) ')."""
    frame = sys._getframe(1)
    through: list[str] = []
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_legacy_file(filename):
            chain = f"(through {' -> '.join(reversed(through))}) " if through else ""
            return f"{display_path(filename)}:{frame.f_lineno} {chain}"
        name = frame.f_globals.get("__name__")
        if (
            frame.f_code.co_name == "<module>"
            and isinstance(name, str)
            and not filename.startswith(_IMPORT_MACHINERY)
            and name not in through
        ):
            through.append(name)
        frame = frame.f_back
    return ""
