"""The project's own files: which to scan, and which of them a module imports at import time.

Resolution is done on disk, from the module's import root and its own directory (a script-style
service imports its siblings because its directory is on `sys.path`); nothing is imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from harness.analysis.model import AnalysisError, ImportBinding, ModuleFacts
from harness.analysis.packages import import_root, project_roots, walk_project
from harness.analysis.packages import module_file as _module_file
from harness.analysis.source import link_leaves

_READING: ContextVar[dict[object, object] | None] = ContextVar("harness_reading", default=None)


@contextmanager
def reading_once() -> Iterator[None]:
    """While a scan or a plan reads the project (whose files do not change meanwhile), what is
    worked out from each file (`once`) is worked out once: a scan of a package asks for each
    module's project imports and package trees again for every module importing it."""
    if _READING.get() is not None:
        yield
        return
    token = _READING.set({})
    try:
        yield
    finally:
        _READING.reset(token)


def once(key: object, compute: Callable[[], T]) -> T:
    """`compute()`, remembered under `key` inside `reading_once()` (computed anew outside)."""
    cache = _READING.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]  # type: ignore[return-value]


def collect_sources(paths: Sequence[str]) -> tuple[list[str], list[AnalysisError]]:
    """The Python files named by `paths` (directories searched recursively), and bad paths."""
    files: list[str] = []
    errors: list[AnalysisError] = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(_walked(path, errors))
        elif os.path.exists(path):
            files.append(path)  # named explicitly: analysed whatever its suffix
        elif os.path.islink(path):
            errors.append(AnalysisError(path, 0, "broken symbolic link"))
        else:
            errors.append(AnalysisError(path, 0, "no such file or directory"))
    return list(dict.fromkeys(files)), errors


def _python_files_under(directory: str) -> Iterable[str]:
    for current, _, files in walk_project(directory):
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(current, name)


def _walked(directory: str, errors: list[AnalysisError]) -> Iterable[str]:
    """The Python files under `directory`, without those that are symbolic links leading out of
    it (reported): a repository can hold a link to any file of the machine."""
    for path in _python_files_under(directory):
        if link_leaves(path, directory):
            errors.append(AnalysisError(path, 0, "symbolic link leading outside " + directory
                                        + "; not followed"))
        else:
            yield path


def module_file(name: str, roots: Iterable[str]) -> str | None:
    """The absolute path of the file a dotted name resolves to under one of `roots`, without
    importing anything (see `harness.analysis.packages.module_file`)."""
    found = _module_file(name, roots)
    return os.path.abspath(found) if found else None


def project_imports(facts: ModuleFacts) -> list[str]:
    """Project files this module imports at import time (their module-level code runs too)."""
    return list(dict.fromkeys(target for _, target in project_import_sites(facts)))


def project_import_sites(facts: ModuleFacts) -> list[tuple[int, str]]:
    """(line, file) of each import-time import of a project file, in the order of the code."""
    return [(binding.line, target) for binding, target, _ in project_bindings(facts)]


def project_bindings(facts: ModuleFacts) -> list[tuple[ImportBinding, str, bool]]:
    """Each import-time import of a project file, in the order of the code: the binding, the
    file, and whether the name it binds is that module itself (`import shop`, `from shop
    import views` for shop/views.py) rather than a name the module defines (`from shop import
    app`)."""
    key = ("bindings", os.path.abspath(facts.path) if facts.path else "", facts.imports)
    return once(key, lambda: _project_bindings(facts))


def _project_bindings(facts: ModuleFacts) -> list[tuple[ImportBinding, str, bool]]:
    if not facts.path or not os.path.exists(facts.path):
        return []
    roots = list(
        dict.fromkeys([import_root(facts.path), os.path.dirname(os.path.abspath(facts.path))])
    )
    # Its own code outside those two (above it, or in a folder its deploy puts on the path),
    # by top-level name, as the plugin finds it when it imports the module.
    outside = project_roots(facts.path, facts.imports)
    own = os.path.abspath(facts.path)
    found: list[tuple[ImportBinding, str, bool]] = []
    for binding in sorted(facts.imports, key=lambda b: b.line):
        if not binding.at_import_time or binding.module.startswith("."):
            continue
        candidates = [binding.qualified, binding.module] if binding.name else [binding.module]
        top = binding.module.partition(".")[0]
        searched = [*roots, outside[top]] if top in outside else roots
        for candidate in candidates:
            target = module_file(candidate, searched)
            if target and target != own:
                found.append((binding, target, candidate == binding.qualified))
                break
    return found


def imported_project_modules(
    facts: ModuleFacts, analyze: Callable[[str], ModuleFacts], *, limit: int = 200
) -> list[ModuleFacts]:
    """The project modules importing `facts`' module imports too, transitively (read, not run);
    one that cannot be read is left out (its own scan or import reports it)."""
    seen = {os.path.abspath(facts.path)}
    pending = project_imports(facts)
    found: list[ModuleFacts] = []
    while pending and len(found) < limit:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            module = analyze(path)
        except (AnalysisError, RecursionError):
            continue
        found.append(module)
        pending.extend(project_imports(module))
    return found
