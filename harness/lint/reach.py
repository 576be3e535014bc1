"""What a test can reach of the code under test, and through which binding each reached function
looks a name up.

A patch replaces one binding: `patch("pkg.a.helper")` replaces the attribute `helper` of
`pkg.a`, which every lookup through `pkg.a`'s own globals (its functions calling `helper()`) and
through `pkg.a.helper` sees; a module that did `from pkg.a import helper` before the patch
started holds a copy that keeps the original.  Whether the patch works for a test therefore
depends on which functions the test runs.  This module answers that statically:

- a *unit* is a module-level function or a whole class (every method of a reached class counts
  as reached: `self.x()` cannot be told apart), with the bare names and dotted chains its body
  loads;
- a test reaches the units its body, the fixtures it requests (and the autouse ones) and its
  module's top-level code name, resolved through the imports, then every unit those name, and
  so on (a static call graph over the project's own modules);
- conservative where it cannot tell: a decorated unit (a route, a signal handler) and a unit
  named by its module's top-level code (a handler table, `Thread(target=...)`) count as reached
  as soon as their module is; a computed `getattr` reaches its whole module; a name the test
  takes from a local module that cannot be found, or a star import, makes the answer unknown.

The rules use it to report a patch only when every reachable lookup misses it, and to prove
that a rewritten target is the binding every reachable lookup uses.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from harness.analysis import AnalysisError, ImportBinding, ModuleFacts
from harness.analysis.packages import module_name_for
from harness.lint.records import is_test_file
from harness.lint.setup_facts.scopes import dotted as _dotted

_TRANSPARENT_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "property", "wraps", "cache", "lru_cache", "cached_property",
     "abstractmethod", "overload", "override"}
)
_MAX_MODULES = 150  # a test reaching more modules than this is not judged (cost, and doubt)


@dataclass(frozen=True)
class Unit:
    """A module-level function or class: what its body loads."""

    name: str
    line: int
    loads: frozenset[str]  # bare names loaded that are not its own locals
    chains: frozenset[str]  # dotted chains loaded (`mod.attr`, `pkg.mod.attr.x`)
    registered: bool  # decorated by something that may register it (a route, a handler)
    dynamic: bool  # `getattr(x, computed)`: may reach anything in its module


@dataclass(frozen=True)
class Lookup:
    """One reachable lookup of a name: `path:line` of the unit, and how it looks the name up."""

    path: str
    line: int
    unit: str


@dataclass
class Reach:
    """The units a test (or a set of tests) reaches: (module file, unit name)."""

    units: set[tuple[str, str]] = field(default_factory=set)
    unknown: bool = False
    files: set[str] = field(default_factory=set)  # every file read to answer: a cache dependency


# ------------------------------------------------------------------------------------ units


def _scan(nodes: list[ast.AST]) -> tuple[set[str], set[str], set[str], bool]:
    """(bare names loaded, names stored or bound as parameters, dotted chains loaded, whether a
    computed `getattr` appears) in these nodes and everything below them."""
    loads: set[str] = set()
    stores: set[str] = set()
    chains: set[str] = set()
    dynamic = False
    inner: set[int] = set()  # attribute nodes inside a longer chain: the longest one is enough
    pending = list(nodes)
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is ast.Name:
            (loads if type(node.ctx) is ast.Load else stores).add(node.id)  # type: ignore[attr-defined]
            continue
        if kind is ast.Attribute:
            if id(node) not in inner and type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                dotted = _dotted(node)  # type: ignore[arg-type]
                if dotted is not None:
                    chains.add(dotted)
            if type(node.value) is ast.Attribute:  # type: ignore[attr-defined]
                inner.add(id(node.value))  # type: ignore[attr-defined]
        elif kind is ast.arg:
            stores.add(node.arg)  # type: ignore[attr-defined]
        elif (
            kind is ast.Call
            and type(node.func) is ast.Name  # type: ignore[attr-defined]
            and node.func.id == "getattr"  # type: ignore[attr-defined]
            and len(node.args) > 1  # type: ignore[attr-defined]
        ):
            attribute = node.args[1]  # type: ignore[attr-defined]
            if type(attribute) is not ast.Constant or not isinstance(attribute.value, str):
                dynamic = True
            else:
                # `getattr(module, "Name")` looks the name up through the module, as
                # `module.Name` does.
                owner = _dotted(node.args[0])  # type: ignore[attr-defined]
                if owner is not None:
                    chains.add(f"{owner}.{attribute.value}")
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = tuple(
                f for f in kind._fields if f not in ("ctx", "type_comment")
            )
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                pending.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                pending.append(value)
    return loads, stores, chains, dynamic


_FIELDS: dict[type, tuple[str, ...]] = {}  # the fields of each node class that may hold nodes


def _registered(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """Decorated by something that may register it (anything but the transparent ones)."""
    for decorator in node.decorator_list:
        name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
        if name.rsplit(".", 1)[-1] not in _TRANSPARENT_DECORATORS:
            return True
    return False


def _unit(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Unit:
    if isinstance(node, ast.ClassDef):
        loads, _, chains, dynamic = _scan([*node.bases, *node.keywords, *node.body,
                                           *node.decorator_list])
        local: set[str] = set()  # class attributes are looked up through `self`, never bare
    else:
        loads, local, chains, dynamic = _scan([node.args, *node.body, *node.decorator_list])
    return Unit(node.name, node.lineno, frozenset(loads - local), frozenset(chains),
                _registered(node), dynamic)


_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass
class ModuleUnits:
    nodes: dict[str, _Definition]  # top-level functions and classes by name
    registered: frozenset[str]  # decorated ones, reached as soon as the module is
    top_loads: frozenset[str]  # names loaded by top-level code outside any unit
    bindings: dict[str, str]  # import bindings at any level: name -> qualified
    star: bool  # a star import: names may come from anywhere
    _units: dict[str, Unit] = field(default_factory=dict)

    def unit(self, name: str) -> Unit | None:
        """The unit named `name`, its body scanned the first time it is asked for."""
        found = self._units.get(name)
        if found is None:
            node = self.nodes.get(name)
            if node is None:
                return None
            found = self._units[name] = _unit(node)
        return found


def module_units(tree: ast.Module, facts: ModuleFacts | None, path: str) -> ModuleUnits:
    """Units of a module; its import bindings (at any level) come from its analysis tables, or
    for a test file (which has none) from its tree."""
    nodes: dict[str, _Definition] = {}
    bindings: dict[str, str] = {}
    star = False
    for binding in facts.imports if facts is not None else _imports(tree, path):
        if binding.name == "*":
            star = True
        elif not binding.module.startswith("."):
            # `import a.b` binds `a`; `import a.b as c` binds `c` to a.b; `from a import b`: a.b
            bindings.setdefault(binding.bound_as,
                                binding.qualified if binding.name else binding.module
                                if binding.bound_as != binding.module.split(".")[0]
                                else binding.bound_as)
    top: list[ast.AST] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nodes[statement.name] = statement
        else:
            top.append(statement)
    loads, _, chains, _ = _scan(top)
    registered = frozenset(name for name, node in nodes.items() if _registered(node))
    return ModuleUnits(nodes, registered, frozenset(loads | {c.split(".", 1)[0] for c in chains}),
                       bindings, star)


def _imports(tree: ast.Module, path: str) -> list[ImportBinding]:
    name = module_name_for(path)
    package = path.endswith("__init__.py")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".", 1)[0]
                found.append(ImportBinding(alias.name, None, bound, node.lineno, 0, False))
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, name, package)
            for alias in node.names:
                if module is not None:
                    found.append(ImportBinding(module, alias.name, alias.asname or alias.name,
                                               node.lineno, 0, False))
    return found


def _absolute(module: str | None, level: int, name: str | None, is_package: bool) -> str | None:
    if level == 0:
        return module
    if not name:
        return None
    parts = name.split(".")
    package = parts if is_package else parts[:-1]
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])]) or None


# ------------------------------------------------------------------------------------ graph


class CallGraph:
    """Units of the project's modules, parsed on demand, and what reaches what."""

    def __init__(self, project) -> None:  # a harness.lint.project.Project
        self.project = project
        self._units: dict[str, ModuleUnits | None] = {}
        self._test_trees: dict[str, ast.Module | None] = {}
        self.consulted: set[str] = set()  # modules resolution read, since the last reach_from
        self._test_units: dict[str, dict[str, Unit]] = {}

    def units(self, path: str) -> ModuleUnits | None:
        if path not in self._units:
            tree = self.tree(path)
            self._units[path] = (
                None if tree is None else module_units(
                    tree, None if is_test_file(path) else self.project.facts(path), path
                )
            )
        return self._units[path]

    def tree(self, path: str) -> ast.Module | None:
        if path not in self._test_trees:
            from harness.analysis.source import parse

            text = self.project.source_text(path)
            try:
                self._test_trees[path] = parse(text, path) if text else None
            except (AnalysisError, RecursionError):
                self._test_trees[path] = None
        return self._test_trees[path]

    # -------------------------------------------------------------------- resolution

    def resolve(self, qualified: str, roots: tuple[str, ...], depth: int = 0
                ) -> tuple[str, str | None] | None:
        """The (module file, unit or None for the module itself) a dotted name refers to;
        None when it is not the project's own code."""
        project = self.project
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            path = project.find_module(".".join(parts[:cut]), roots)
            if path is None:
                continue
            rest = parts[cut:]
            if not rest:
                return path, None
            self.consulted.add(path)
            units = self.units(path)
            if units is None:
                return path, None
            if rest[0] in units.nodes:
                return path, rest[0]
            bound = units.bindings.get(rest[0])
            if bound is not None and depth < 6:
                found = self.resolve(".".join([bound, *rest[1:]]), project.module_roots(path),
                                     depth + 1)
                if found is not None:
                    return found
            return path, None
        return None

    def qualify(self, path: str, dotted: str) -> str | None:
        """`dotted` as loaded in the module at `path`, spelled through its imports."""
        units = self.units(path)
        if units is None:
            return None
        head, _, rest = dotted.partition(".")
        bound = units.bindings.get(head)
        if bound is None:
            return None
        return f"{bound}.{rest}" if rest else bound

    # -------------------------------------------------------------------- reaching

    def reach_from(self, origins: list[tuple[str, Unit | None]], test_roots: tuple[str, ...]
                   ) -> Reach:
        """Every unit reachable from these test-side units (None: a file's top-level code);
        test-side names resolve through `test_roots` (the test's `sys.path`)."""
        reach = Reach()
        pending: list[tuple[str, str]] = []
        project = self.project
        seen_modules: set[str] = set()

        def add_module(path: str) -> None:
            if path in seen_modules:
                return
            seen_modules.add(path)
            units = self.units(path)
            if units is None:
                return
            for name in units.nodes:
                if name in units.registered or name in units.top_loads:
                    pending.append((path, name))
            if len(seen_modules) > _MAX_MODULES:
                reach.unknown = True  # too much of the project to say: stay silent

        def follow(path: str, loads: frozenset[str], chains: frozenset[str],
                   test_side: bool) -> None:
            units = self.units(path)
            if units is None:
                return
            roots = test_roots if test_side else project.module_roots(path)
            for name in sorted(loads):
                if name in units.nodes and not test_side:
                    pending.append((path, name))
                    continue
                bound = units.bindings.get(name)
                if bound is None:
                    if test_side and name in units.nodes:
                        pending.append((path, name))
                    continue
                target = self.resolve(bound, roots)
                if target is None:
                    continue
                add_module(target[0])
                if target[1] is not None:
                    pending.append(target)
                elif test_side and self._is_unit_name(bound, roots):
                    reach.unknown = True  # a local name the analysis cannot find
            for chain in sorted(chains):
                qualified = self.qualify(path, chain)
                if qualified is None:
                    continue
                target = self.resolve(qualified, roots)
                if target is None:
                    continue
                add_module(target[0])
                if target[1] is not None:
                    pending.append(target)
            if units.star:
                reach.unknown = True

        self.consulted = set()
        for path, unit in origins:
            seen_modules.add(path)
            if unit is None:
                units = self.units(path)
                if units is not None:
                    follow(path, units.top_loads, frozenset(), True)
            else:
                follow(path, unit.loads, unit.chains, True)
        while pending and not reach.unknown:
            path, name = pending.pop()
            if (path, name) in reach.units:
                continue
            reach.units.add((path, name))
            add_module(path)
            units = self.units(path)
            unit = units.unit(name) if units else None
            if unit is None:
                continue
            if unit.dynamic:
                pending.extend((path, other) for other in units.nodes)  # type: ignore[union-attr]
            follow(path, unit.loads, unit.chains, False)
        reach.files = seen_modules | self.consulted
        return reach

    def _is_unit_name(self, qualified: str, roots: tuple[str, ...]) -> bool:
        """Whether `qualified` names something inside a local module (not the module itself)."""
        module = qualified.rpartition(".")[0]
        path = self.project.find_module(module, roots) if module else None
        return path is not None and self.project.find_module(qualified, roots) is None

    # -------------------------------------------------------------------- test side

    def test_units(self, path: str) -> dict[str, Unit]:
        """Units of a test file or conftest by qualified name (`TestX.test_y` for methods)."""
        found = self._test_units.get(path)
        if found is not None:
            return found
        found = self._test_units[path] = {}
        tree = self.tree(path)
        if tree is None:
            return found
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[statement.name] = _unit(statement)
            elif isinstance(statement, ast.ClassDef):
                for inner in statement.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        found[f"{statement.name}.{inner.name}"] = _unit(inner)
        return found


def lookups_of(graph: CallGraph, reach: Reach, module_path: str, name: str,
               qualified_targets: frozenset[str]) -> tuple[list[Lookup], list[Lookup]]:
    """(lookups through `module_path`'s own global `name`, lookups through a dotted chain that
    spells one of `qualified_targets`) among the reached units, in file and line order."""
    own: list[Lookup] = []
    through: list[Lookup] = []
    for path, unit_name in sorted(reach.units):
        units = graph.units(path)
        unit = units.unit(unit_name) if units else None
        if unit is None:
            continue
        if path == module_path and name in unit.loads:
            own.append(Lookup(path, unit.line, unit_name))
        for chain in unit.chains:
            qualified = graph.qualify(path, chain)
            if qualified is not None and (
                qualified in qualified_targets
                or any(qualified.startswith(t + ".") for t in qualified_targets)
            ):
                through.append(Lookup(path, unit.line, unit_name))
                break
    return own, through


def display_lookup(lookup: Lookup, root: str) -> str:
    rel = os.path.relpath(lookup.path, root)
    shown = lookup.path if rel.startswith("..") else rel
    return f"{lookup.unit}() at {shown}:{lookup.line}"
