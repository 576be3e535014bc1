"""A real package whose submodules load without running its `__init__`, until a name needs it.

A fake built on a client library often needs a few of its submodules, not its client: the
MongoDB fake needs pymongo's errors, results, operations and URI parser (mongomock raises and
returns their classes), while `pymongo/__init__` imports the whole driver, its async client,
TLS and `cryptography` included (about half of what a first load of a Mongo service costs).

`without_init(name)` puts in `sys.modules` a module standing for the package `name`: the real
`__path__`, `__spec__` and `__file__`, so `import name.sub` loads that submodule (and what it
imports) from the real files, and nothing else. The package's own names are read from its
`__init__` source (`ast`, nothing run): a literal constant (`ASCENDING = 1`) is set at once, a
name imported there from one of its submodules (`from pymongo.errors import PyMongoError`, or
`reader = fastavro.read.reader`) is imported when first asked for, an alias of such a name too
(`version = __version__`). Any other
name (a function defined there, a name bound inside an `if` or a `try`) runs the real `__init__`
in this very module the first time one is asked for: the module then is the real package, its
submodules and classes the very objects loaded before. Where the `__init__` star-imports (or
defines a module `__getattr__`), any name it cannot tell may be one of those: it runs the
`__init__` too. Nothing else is changed: what is
imported is the real code; only when the `__init__` runs differs, and the package's `__init__`
must therefore have no side effect besides binding names (true of pymongo's).

A package already imported is returned as it is.

`failing_at_once(...)`: an import bound to fail (a package its module imports first thing is not
installed) fails before importing the packages named before that one.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import re
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# What `__init__` binds, read from its source: literal values, and (module, attribute) to import
# lazily (attribute None: the module itself). Names bound any other way need the real `__init__`.
_Lazy = tuple[str, "str | None"]


class LazyPackage:
    """The state behind one package's stand-in module (see the module docstring)."""

    def __init__(
        self, name: str, spec: importlib.machinery.ModuleSpec, tree: ast.Module
    ) -> None:
        self.name = name
        self._spec = spec
        self._lock = threading.RLock()
        self._completed = False
        self._completing = False
        literals, lazy, others = _read_init(name, tree)
        # Names a star import or a module __getattr__ may bind: any name may need the __init__.
        self.open_ended = any(
            (
                isinstance(node, ast.ImportFrom)
                and any(a.name == "*" for a in node.names)
            )
            or (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
            for node in ast.walk(tree)
        )
        self._lazy = lazy
        self.names = frozenset(literals) | frozenset(lazy) | others
        self.needs_init = frozenset(others)
        module = types.ModuleType(name, ast.get_docstring(tree, clean=False))
        module.__spec__ = spec
        module.__loader__ = spec.loader
        module.__file__ = spec.origin
        module.__cached__ = spec.cached  # type: ignore[attr-defined]
        module.__package__ = name
        module.__path__ = list(spec.submodule_search_locations or ())
        vars(module).update(literals)
        module.__getattr__ = self._getattr  # type: ignore[method-assign]  # PEP 562
        self.module = module

    @property
    def completed(self) -> bool:
        return self._completed

    def _getattr(self, attr: str) -> Any:
        # Not a name of the `__init__` (a submodule not imported yet, asked for by
        # `from pkg import sub`: the import system then imports it): as the real package would.
        dunder = attr.startswith("__") and attr.endswith("__")
        if attr not in self.names and (
            not self.open_ended or dunder or self._completed
        ):
            raise AttributeError(f"module {self.name!r} has no attribute {attr!r}")
        with self._lock:
            namespace = vars(self.module)
            if attr in namespace:  # set meanwhile by another thread
                return namespace[attr]
            if attr in self._lazy and not self._completed:
                value = self._import(attr)
                if value is not _NEEDS_INIT:
                    namespace[attr] = value
                    return value
            if not self._completed and not self._completing:
                self.complete()
                if attr in namespace:
                    return namespace[attr]
        raise AttributeError(f"module {self.name!r} has no attribute {attr!r}")

    def _import(self, attr: str) -> Any:
        module_name, source = self._lazy[attr]
        if module_name == "":  # an alias of another name of the package
            return self._getattr(source or "")
        if source is None:
            try:
                return importlib.import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                return _NEEDS_INIT  # `from pkg import name`: a name, not a submodule
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            return _NEEDS_INIT  # `x = pkg.thing.attr` where `thing` is not a submodule
        return getattr(module, source)

    def is_submodule(self, attr: str) -> bool:
        """Whether `attr` names a submodule of the package (found on its path, not imported)."""
        module_name, source = self._lazy.get(attr, ("", ""))
        if source is not None or not module_name:
            return False
        return (
            importlib.machinery.PathFinder.find_spec(module_name, self.module.__path__)
            is not None
        )

    def complete(self) -> None:
        """Run the real `__init__` in the module: from now on it is the real package."""
        with self._lock:
            if self._completed:
                return
            self._completing = True
            try:
                code = self._spec.loader.get_code(self.name)  # type: ignore[union-attr]
                exec(code, vars(self.module))  # noqa: S102 - the package's own __init__
                self._completed = True
            finally:
                self._completing = False


_NEEDS_INIT = object()
_PACKAGES: dict[str, LazyPackage] = {}


def without_init(name: str) -> LazyPackage | None:
    """The stand-in for package `name`, installed in `sys.modules` (see the module docstring).

    None when `name` is already imported (for real: use it), is not installed, is not a package,
    or its `__init__` cannot be read."""
    found = _PACKAGES.get(name)
    if found is not None and sys.modules.get(name) is found.module:
        return found
    if name in sys.modules:
        return None
    spec = importlib.util.find_spec(name)
    loader = getattr(spec, "loader", None)
    if spec is None or spec.submodule_search_locations is None or loader is None:
        return None
    try:
        source = loader.get_source(name)  # type: ignore[attr-defined]
        tree = ast.parse(source or "")
    except (AttributeError, ImportError, SyntaxError, ValueError):
        return None
    package = LazyPackage(name, spec, tree)
    sys.modules[name] = package.module
    _PACKAGES[name] = package
    return package


def _read_init(
    name: str, tree: ast.Module
) -> tuple[dict[str, Any], dict[str, _Lazy], set[str]]:
    """What the `__init__` binds (see `_Lazy`): literals, lazy imports, and the other names."""
    bound: dict[str, int] = {}
    for node in tree.body:
        for target in _bound_names(node):
            bound[target] = bound.get(target, 0) + 1
    literals: dict[str, Any] = {}
    lazy: dict[str, _Lazy] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if not isinstance(target, ast.Name) or bound[target.id] != 1:
                continue
            if isinstance(node.value, ast.Name):  # an alias, resolved when asked for
                lazy[target.id] = ("", node.value.id)
                continue
            chain = all(
                isinstance(n, (ast.Name, ast.Attribute, ast.Load))
                for n in ast.walk(node.value)
            )
            dotted = ast.unparse(node.value) if chain else ""
            if dotted.startswith(name + ".") and dotted.count(".") >= 2:  # `r = pkg.read.reader`
                module, _, attribute = dotted.rpartition(".")
                lazy[target.id] = (module, attribute)
                continue
            try:
                literals[target.id] = ast.literal_eval(node.value)
            except ValueError:
                continue
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(name, node)
            if module is None:
                continue
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name == "*" or bound[local] != 1:
                    continue
                if module == name:  # `from pkg import sub`: the submodule, most likely
                    lazy[local] = (f"{name}.{alias.name}", None)
                else:
                    lazy[local] = (module, alias.name)
    for local, (module, source) in list(lazy.items()):
        if module == "" and source not in literals and source not in lazy:
            del lazy[local]  # an alias of a name only the real `__init__` binds
    for local, (module, source) in list(lazy.items()):
        if module == "" and source in literals:
            literals[local] = literals[source]
            del lazy[local]
    others = {n for n in bound if n not in literals and n not in lazy}
    return literals, lazy, others


def _absolute(package: str, node: ast.ImportFrom) -> str | None:
    """The module `node` imports from, when it is the package, one of its submodules or
    `__future__` (imports from anywhere else may run code: the real `__init__` does them)."""
    if node.level == 0 and node.module == "__future__":
        return "__future__"  # loaded already: `annotations` is a name of the package like any
    if node.level == 1:
        return f"{package}.{node.module}" if node.module else package
    module = node.module or ""
    if node.level == 0 and (module == package or module.startswith(package + ".")):
        return module
    return None


def _bound_names(node: ast.stmt) -> Iterator[str]:
    """Every name a top-level statement of `__init__` binds (compound statements included)."""
    # An import, function or class binds its own name (not those of a function's body); any
    # other statement, whatever is bound anywhere inside it.
    simple = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for sub in (node,) if isinstance(node, simple) else ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            yield sub.id
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            for alias in sub.names:
                if alias.name != "*":
                    yield (alias.asname or alias.name).partition(".")[0]
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield sub.name


@contextmanager
def failing_at_once(*names: str) -> Iterator[None]:
    """For the block, importing one of the modules `names` fails at once when it would fail
    anyway: when a package its top level imports is not installed. It then fails before
    importing the packages it names first, which the real import imports and then keeps for
    nothing: pymongo's `ssl_support` tries `pymongo.pyopenssl_context`, which imports
    `cryptography` (about a third of a Mongo fake's first build) and then fails where pyOpenSSL
    is not installed, and pymongo uses the standard library's `ssl`, as it does here too. The
    failure is `ModuleNotFoundError` either way; where the module can load, it loads."""
    doomed = [name for name in names if name not in sys.modules and _would_fail(name)]
    for name in doomed:
        sys.modules[name] = None  # type: ignore[assignment]  # how the import system says "no"
    try:
        yield
    finally:
        for name in doomed:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _would_fail(name: str) -> bool:
    """Whether module `name`'s header (its statements before its first function or class)
    imports a package that is not installed (an import inside a `try`, an `if` or a function is
    not counted: it may be optional; one further down is left to the real import to fail)."""
    try:
        spec = importlib.util.find_spec(name)
        source = spec.loader.get_source(name) if spec is not None else None  # type: ignore[union-attr]
        tree = _parse_header(source or "")
    except (AttributeError, ImportError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, ast.Import):
            tops = [alias.name.partition(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module.partition(".")[0]]
        else:
            continue
        for top in tops:
            if top not in sys.modules and importlib.util.find_spec(top) is None:
                return True
    return False


_DEFINITION = re.compile(r"^(?:def |async def |class |@)", re.MULTILINE)


def _parse_header(source: str) -> ast.Module:
    """The statements of `source` before its first top-level function or class: where a module
    imports what it needs, for a fraction of parsing all of it (pymongo's TLS module: a fifth).
    A cut that falls inside a string or brackets cannot parse alone: the whole module is parsed
    then."""
    first = _DEFINITION.search(source)
    if first is not None:
        try:
            return ast.parse(source[: first.start()])
        except SyntaxError:
            pass
    return ast.parse(source)
