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

from harness.analysis import AnalysisError
from harness.analysis.packages import module_name_for

_TRANSPARENT_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "property", "wraps", "cache", "lru_cache", "cached_property",
     "abstractmethod", "overload", "override"}
)
_MAX_TEST_FILES = 60  # a conftest's patch is judged over the files below it, up to this many


@dataclass(frozen=True)
class Unit:
    """A module-level function or class: what its body loads."""

    name: str
    line: int
    loads: frozenset[str]  # bare names loaded that are not its own locals
    chains: frozenset[str]  # dotted chains loaded (`mod.attr`, `pkg.mod.attr.x`)
    registered: bool  # decorated by something that may register it (a route, a handler)
    dynamic: bool  # `getattr(x, computed)`: may reach anything in its module


@dataclass
class ModuleUnits:
    units: dict[str, Unit]
    top_loads: frozenset[str]  # names loaded by top-level code outside any unit
    bindings: dict[str, str]  # import bindings at any level: name -> qualified
    star: bool  # a star import: names may come from anywhere


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


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Loads(ast.NodeVisitor):
    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.chains: set[str] = set()
        self.dynamic = False

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.add(node.id)
        else:
            self.stores.add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is not None and isinstance(node.ctx, ast.Load):
            self.chains.add(dotted)
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self.stores.add(node.arg)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) > 1
            and not isinstance(node.args[1], ast.Constant)
        ):
            self.dynamic = True
        self.generic_visit(node)


def _unit(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Unit:
    walker = _Loads()
    if isinstance(node, ast.ClassDef):
        for part in (*node.bases, *node.keywords, *node.body):
            walker.visit(part)
        local = set()  # class attributes are looked up through `self`, never as bare names
    else:
        walker.visit(node.args)
        for statement in node.body:
            walker.visit(statement)
        local = walker.stores
    registered = False
    for decorator in node.decorator_list:
        walker.visit(decorator)
        name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
        if name.rsplit(".", 1)[-1] not in _TRANSPARENT_DECORATORS:
            registered = True
    return Unit(
        node.name,
        node.lineno,
        frozenset(walker.loads - local),
        frozenset(walker.chains),
        registered,
        walker.dynamic,
    )


def module_units(tree: ast.Module, module_name: str | None, is_package: bool) -> ModuleUnits:
    units: dict[str, Unit] = {}
    top = _Loads()
    bindings: dict[str, str] = {}
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bindings.setdefault(alias.asname, alias.name)
                else:
                    head = alias.name.split(".", 1)[0]
                    bindings.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, module_name, is_package)
            for alias in node.names:
                if alias.name == "*":
                    star = True
                elif module is not None:
                    bindings.setdefault(alias.asname or alias.name, f"{module}.{alias.name}")
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            units[statement.name] = _unit(statement)
        else:
            top.visit(statement)
    return ModuleUnits(units, frozenset(top.loads | {c.split(".", 1)[0] for c in top.chains}),
                       bindings, star)


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

    def units(self, path: str) -> ModuleUnits | None:
        if path not in self._units:
            tree = self.tree(path)
            self._units[path] = (
                None if tree is None else module_units(
                    tree, module_name_for(path), path.endswith("__init__.py")
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
            if rest[0] in units.units:
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
            for name, unit in units.units.items():
                if unit.registered or name in units.top_loads:
                    pending.append((path, name))

        def follow(path: str, loads: frozenset[str], chains: frozenset[str],
                   test_side: bool) -> None:
            units = self.units(path)
            if units is None:
                return
            roots = test_roots if test_side else project.module_roots(path)
            for name in sorted(loads):
                if name in units.units and not test_side:
                    pending.append((path, name))
                    continue
                bound = units.bindings.get(name)
                if bound is None:
                    if test_side and name in units.units:
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
        while pending:
            path, name = pending.pop()
            if (path, name) in reach.units:
                continue
            reach.units.add((path, name))
            add_module(path)
            units = self.units(path)
            unit = units.units.get(name) if units else None
            if unit is None:
                continue
            if unit.dynamic:
                pending.extend((path, other) for other in units.units)  # type: ignore[union-attr]
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
        tree = self.tree(path)
        found: dict[str, Unit] = {}
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
        unit = units.units.get(unit_name) if units else None
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
