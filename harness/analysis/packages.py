"""Where an imported name comes from: the standard library, the project itself, or a third party.

A third-party package is what a test must fake to import a legacy module offline, and it has to
fake the whole tree the code reaches: `from confluent_kafka.schema_registry.avro import X` needs
`confluent_kafka`, `confluent_kafka.schema_registry` and `confluent_kafka.schema_registry.avro`
in `sys.modules`, because the import system walks every parent.  Nothing here imports anything
(whether a top-level name is installed is asked of the import system's finders, which only look).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache

from harness.analysis.model import ImportBinding, ModuleFacts

# Top-level names that are part of every interpreter but absent from stdlib_module_names.
_ALWAYS_THERE = frozenset({"__future__", "__main__", "builtins", "_thread", "sys"})


def is_stdlib(module: str) -> bool:
    """True when the top package of a dotted name ships with Python."""
    top = module.split(".", 1)[0]
    return top in sys.stdlib_module_names or top in sys.builtin_module_names or top in _ALWAYS_THERE


def module_name_for(path: str) -> str:
    """The dotted name a file is imported under, climbing through `__init__.py` packages.

    `svc/api/views.py` with `svc/__init__.py` and `svc/api/__init__.py` -> `svc.api.views`;
    `legacy/current/current.py` without `__init__.py` -> `current` (a script-style service whose
    directory is put on `sys.path`); `pkg/__init__.py` -> `pkg`.
    """
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename.rsplit(".", 1)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package_dir(directory):
        directory, package = os.path.split(directory)
        parts.append(package)
        if not package:
            break
    parts.reverse()
    return ".".join(p for p in parts if p) or stem


def module_file(name: str, roots: Iterable[str]) -> str | None:
    """The file the dotted `name` imports from, searching `roots` in order, without importing
    anything; None if it is in none of them.  As in Python's path finder, a package directory
    (`name/__init__.py`) wins over a module file of the same name beside it (`name.py`)."""
    parts = name.split(".")
    if not name or not all(part.isidentifier() for part in parts):
        return None
    for root in roots:
        base = os.path.join(root or os.curdir, *parts)
        for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
            if os.path.isfile(candidate):
                return os.path.normpath(candidate)
    return None


def import_root(path: str) -> str:
    """The directory that must be on `sys.path` for `module_name_for(path)` to import."""
    directory = os.path.dirname(os.path.abspath(path))
    while _is_package_dir(directory):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


@lru_cache(maxsize=4096)
def _is_package_dir(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py"))


@lru_cache(maxsize=1024)
def local_top_names(root: str) -> frozenset[str]:
    """Top-level module and package names importable from `root` (`x.py`, `x/`)."""
    try:
        entries = os.scandir(root)
    except OSError:
        return frozenset()
    names = set()
    with entries:
        for entry in entries:
            name = entry.name
            if name.endswith(".py"):
                names.add(name[:-3])
            elif name.isidentifier():
                try:
                    if entry.is_dir():
                        names.add(name)
                except OSError:
                    continue
    return frozenset(names)


def local_packages(path: str, source_roots: Iterable[str] = ()) -> frozenset[str]:
    """Top-level names that resolve to the project's own code for the module at `path`.

    The module's import root and its own directory count as source roots: a script-style service
    imports its siblings (`from config import X`) because its directory is on `sys.path`.
    """
    roots = {import_root(path), os.path.dirname(os.path.abspath(path))}
    roots.update(os.path.abspath(root) for root in source_roots)
    names: set[str] = set()
    for root in roots:
        names |= local_top_names(root)
    return frozenset(names)


# Where the search for the project's own code stops: the repository's root. A project file
# (`pyproject.toml`, `setup.py`) does not stop it: in a repository of several services each has
# one, and their shared code sits above them (`/repo/shared`, imported as `shared.settings`).
_PROJECT_MARKERS = (".git",)


def project_roots_above(path: str, modules: Iterable[str], *, levels: int = 4) -> dict[str, str]:
    """Top-level names the module at `path` imports as the project's own code from a directory
    above its import root, with that directory: `{"src": "/repo"}` for `/repo/src/server.py`
    importing `src.routers` (a folder without `__init__.py`, imported from the repository's
    root as the project's run command does). Only a dotted name counts, and only where the
    whole of it is there (`/repo/src/routers.py`, or a `routers` folder of Python files): a
    folder named like an installed package (`redis/` holding config files) never does. The
    search goes up at most `levels` directories and stops at the repository's root (`.git`)."""
    above = _up_to_repository(import_root(path), levels)[1:]
    found: dict[str, str] = {}
    for module in modules:
        parts = module.split(".")
        if len(parts) < 2 or module.startswith(".") or is_stdlib(module) or parts[0] in found:
            continue
        for root in above:
            if _resolves_in(root, parts):
                found[parts[0]] = root
                break
    return found


def project_roots(path: str, imports: Iterable[ImportBinding]) -> dict[str, str]:
    """Where the project's own top-level names that the module at `path` imports are found
    besides its own directory and import root: above it (`project_roots_above`) or in another
    folder of the repository (`project_roots_beside`)."""
    modules = [binding.module for binding in imports]
    above = project_roots_above(path, modules)
    beside = project_roots_beside(path, (m for m in modules if m.partition(".")[0] not in above))
    return above | beside


def project_roots_beside(
    path: str, modules: Iterable[str], *, levels: int = 4
) -> dict[str, str]:
    """Top-level names the module at `path` imports bare that neither its own roots nor the
    installed packages provide but one folder of the repository does, with that folder:
    `{"shared_settings": "/repo/layer"}` for `/repo/functions/report/app.py` importing
    `shared_settings` from `/repo/layer/shared_settings.py`, a folder its deploy puts on the
    path (an AWS Lambda layer, a container's `PYTHONPATH`). A folder counts only where every
    dotted name the module imports under that top-level name is there whole, and where the name
    is not the module itself (`tracing/opentelemetry.py` importing the `opentelemetry` package
    that is not installed); a name still found in several folders is left out: which one the
    deploy means cannot be told. The folders searched are the repository's
    (`_repository_of`); where none is found, nothing is searched."""
    if not os.path.isfile(path):
        return {}  # a module not on disk (a source analysed alone) has no folders around it
    own_roots = (import_root(path), os.path.dirname(os.path.abspath(path)))
    wanted: dict[str, set[str]] = {}  # top-level name -> the dotted names imported under it
    for module in modules:
        if (
            module
            and not module.startswith(".")
            and not is_stdlib(module)
            and module_file(top := module.partition(".")[0], own_roots) is None
            and top not in sys.modules
            and importlib.util.find_spec(top) is None
        ):
            wanted.setdefault(top, set()).add(module)
    repository = _repository_of(import_root(path), levels) if wanted else None
    if repository is None:
        return {}  # the common case: every name is the module's own or installed
    folders = _module_folders(repository)
    itself = os.path.normpath(os.path.abspath(path))
    found: dict[str, str] = {}
    for top, dotted in sorted(wanted.items()):
        places = [
            folder
            for folder in folders.get(top, ())
            if all(module_file(name, [folder]) is not None for name in dotted)
            and os.path.abspath(module_file(top, [folder]) or "") != itself
        ]
        if len(places) == 1:
            found[top] = places[0]
    return found


def _up_to_repository(directory: str, levels: int) -> list[str]:
    """`directory` and its parents, at most `levels` of them, up to the repository's root (the
    directory holding `.git`) if they reach it."""
    chain = [directory]
    while len(chain) <= levels and not _is_repository(directory):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        chain.append(parent)
        directory = parent
    return chain


def _is_repository(directory: str) -> bool:
    return any(os.path.exists(os.path.join(directory, m)) for m in _PROJECT_MARKERS)


def _repository_of(directory: str, levels: int) -> str | None:
    """The directory holding `.git` at most `levels` above `directory`; lacking one, the
    outermost there holding a project file (a checkout without its history, a test's copy)."""
    chain = _up_to_repository(directory, levels)
    if _is_repository(chain[-1]):
        return chain[-1]
    with_file = [d for d in chain if any(os.path.isfile(os.path.join(d, f)) for f in _PROJECT_FILES)]
    return with_file[-1] if with_file else None


_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@lru_cache(maxsize=16)
def _module_folders(repository: str) -> dict[str, tuple[str, ...]]:
    """Each module name the repository's folders hold (`x.py`, `x/__init__.py`), with the
    folders holding it. A folder that is a package itself counts too: a deploy may put its
    contents on the path (a Lambda layer copies a package's files to its `python/`)."""
    folders: dict[str, list[str]] = {}
    for current, subdirs, files in walk_project(repository):
        names = [f[:-3] for f in files if f.endswith(".py") and f != "__init__.py"]
        names += [d for d in subdirs if os.path.isfile(os.path.join(current, d, "__init__.py"))]
        for name in names:
            if name.isidentifier():
                folders.setdefault(name, []).append(current)
    return {name: tuple(places) for name, places in folders.items()}


# Directories never searched in a project: caches, dependencies, build output, virtualenvs.
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


def walk_project(directory: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(directory)` in name order, leaving out hidden folders, `SKIPPED_DIRS` and
    virtualenvs."""
    for current, subdirs, files in os.walk(directory):
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not d.startswith(".")
            and d not in SKIPPED_DIRS
            and not os.path.exists(os.path.join(current, d, "pyvenv.cfg"))
        )
        yield current, subdirs, sorted(files)


def _resolves_in(root: str, parts: list[str]) -> bool:
    if module_file(".".join(parts), [root]) is not None:
        return True
    folder = os.path.join(root, *parts)  # a namespace package: a folder of Python files
    try:
        return any(name.endswith(".py") for name in os.listdir(folder))
    except OSError:  # not a folder, or not readable
        return False


def third_party_packages(
    facts: ModuleFacts | Iterable[ModuleFacts],
    source_roots: Iterable[str] = (),
    *,
    include_deferred: bool = False,
) -> dict[str, tuple[str, ...]]:
    """The third-party package trees one or more modules import, as fakes would need them.

    Returns `{top package: (every module of that tree the code imports, parents included)}`,
    sorted, e.g. `{"confluent_kafka": ("confluent_kafka", "confluent_kafka.schema_registry",
    "confluent_kafka.schema_registry.avro")}`.  Standard-library modules, relative imports and
    names found in `source_roots` (or next to the module itself) are left out.  Only imports run
    while the module is imported count, unless `include_deferred` (imports inside functions).

    `from pkg import name` records `pkg` only: whether `name` is a submodule is decided by the
    installed package, which static analysis does not open.  A fake package tree must therefore
    answer attribute look-ups for names it was not told about (a MagicMock does).
    """
    many = [facts] if isinstance(facts, ModuleFacts) else list(facts)
    roots = [os.path.abspath(root) for root in source_roots]
    trees: dict[str, set[str]] = {}
    for module_facts in many:
        if module_facts.path and os.path.exists(module_facts.path):
            local = local_packages(module_facts.path, roots)
        else:
            local = frozenset().union(*(local_top_names(root) for root in roots))
        if module_facts.path:
            local = local | frozenset(project_roots(module_facts.path, module_facts.imports))
        own_top = (module_facts.module_name or "").split(".", 1)[0]
        for binding in module_facts.imports:
            if not (binding.at_import_time or include_deferred):
                continue
            module = binding.module
            if not module or module.startswith(".") or is_stdlib(module):
                continue
            top = module.split(".", 1)[0]
            if top in local or top == own_top:
                continue
            parts = module.split(".")
            tree = trees.setdefault(top, set())
            tree.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return {top: tuple(sorted(tree)) for top, tree in sorted(trees.items())}
