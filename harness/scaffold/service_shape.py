"""The parts of a legacy module a generated test setup has to know by name.

Read from the source with `ast` (nothing is imported):

- the Flask application object and its routes, for one smoke test per route, followed across
  the project modules the module imports: in the "application package" layout `app.py` is
  `from application import app`, `application/__init__.py` builds `app = Flask(__name__)` and
  ends with `from application import routes`, whose views do `from application import app`
  and `@app.route(...)`; whichever of the three files is the service, those are its routes;
- the module globals built, at import, out of faked packages (`client = MongoClient(...)`,
  `db = client[NAME]`, `collection = db[TABLE]`): a raw conftest replaces each with a fresh mock
  before every test, because a shared mock whose `return_value` one test replaced with a real
  object breaks the next test, and `reset_mock()` does not undo it (the shared-mock trap);
- the module globals the code changes after import (`state[key] = event`, `global counter`):
  restored from a snapshot before every test.

Static analysis of imports, env reads and side effects lives in `harness.analysis`; this module
only adds what a test template needs.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from harness.analysis.model import ModuleFacts
from harness.scaffold.project import project_bindings

# Methods that change a dict, list, set or deque in place.
_MUTATING_METHODS = frozenset(
    {
        "append", "appendleft", "extend", "extendleft", "insert", "pop", "popleft", "popitem",
        "remove", "discard", "add", "clear", "update", "setdefault", "sort", "reverse",
        "difference_update", "intersection_update", "symmetric_difference_update", "rotate",
    }
)  # fmt: skip
_MUTABLE_FACTORIES = frozenset(
    {
        "dict", "list", "set", "bytearray", "collections.defaultdict", "collections.OrderedDict",
        "collections.Counter", "collections.deque",
    }
)  # fmt: skip
_FLASK = frozenset({"flask.Flask", "flask.app.Flask"})
_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ROUTE_SHORTCUTS = {method.lower(): method for method in _HTTP_METHODS}
_URL_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^>]*\))?:)?(?P<name>\w+)>"
)
# A value for a URL variable of each converter: one that the converter accepts.
_SAMPLE_BY_CONVERTER = {
    "int": "1",
    "float": "1.0",
    "path": "sample/path",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


@dataclass(frozen=True)
class Route:
    """One URL rule of the Flask application, and one of its methods."""

    rule: str  # "/equipment/<identifier>"
    method: str  # "GET"
    view: str  # the view function's name
    line: int
    path: str = ""  # the file of the view when it is not the service's own

    @property
    def place(self) -> str:
        """`line 12` in the service's own file, `application/routes.py:12` in another."""
        if not self.path:
            return f"line {self.line}"
        try:
            shown = os.path.relpath(self.path)
        except ValueError:  # another drive
            shown = self.path
        return f"{Path(shown).as_posix()}:{self.line}"

    @property
    def sample_url(self) -> str:
        """The rule with every variable filled with a value its converter accepts."""

        def sample(match: re.Match[str]) -> str:
            return _SAMPLE_BY_CONVERTER.get(match["converter"] or "", "sample")

        return _URL_VARIABLE.sub(sample, self.rule)


@dataclass(frozen=True)
class NamedGlobal:
    name: str
    line: int
    why: str = ""  # "MongoClient(...)", "changed by consume_data()"


@dataclass(frozen=True)
class ServiceShape:
    app: str | None  # module global holding the Flask application
    routes: tuple[Route, ...]
    fake_built: tuple[NamedGlobal, ...]  # globals whose value comes out of a faked package
    changed_globals: tuple[NamedGlobal, ...]  # globals the code mutates or rebinds after import


def service_shape(
    tree: ast.Module,
    facts: ModuleFacts,
    faked_trees: Iterable[str],
    imported: Sequence[tuple[ModuleFacts, ast.Module]] = (),
) -> ServiceShape:
    """What a template needs about the module parsed as `tree`.

    `faked_trees` are the top-level packages a test replaces with fakes; `imported` the project
    modules its import imports too (`harness.scaffold.project.imported_project_modules`), parsed:
    where its application object may be built, and its views registered.
    """
    faked = frozenset(faked_trees)
    fake_bound = {
        binding.bound_as
        for binding in facts.imports
        if binding.at_import_time and binding.module.split(".", 1)[0] in faked
    }
    fake_built, mutable = _scan_module_level(tree, facts, fake_bound)
    app, routes = _app_and_routes([(facts, tree), *imported])
    return ServiceShape(
        app=app,
        routes=routes,
        fake_built=tuple(fake_built)
        + _fake_names_used_by_functions(tree, facts, fake_bound, fake_built),
        changed_globals=_changed_globals(tree, mutable),
    )


def _fake_names_used_by_functions(
    tree: ast.Module, facts: ModuleFacts, fake_bound: set[str], already: list[NamedGlobal]
) -> tuple[NamedGlobal, ...]:
    """Names imported from faked packages that functions call while tests run
    (`Consumer(...)` inside `consume_data`): their `return_value` is shared between tests too,
    unless they are replaced per test. Constants and exception classes are left alone."""
    known = {g.name for g in already}
    used: dict[str, NamedGlobal] = {}
    for function in tree.body:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        local = _locally_bound(function)
        for node in ast.walk(function):
            callee = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(callee, ast.Name)
                and callee.id in fake_bound
                and callee.id not in local
                and callee.id not in known
            ):
                binding = facts.binding(callee.id)
                line = binding.line if binding else node.lineno
                used.setdefault(
                    callee.id,
                    NamedGlobal(callee.id, line, f"imported, called by {function.name}()"),
                )
    return tuple(sorted(used.values(), key=lambda g: (g.line, g.name)))


def _qualified(expr: ast.expr, facts: ModuleFacts) -> str | None:
    """`Flask` -> `flask.Flask`, `pymongo.MongoClient` -> `pymongo.MongoClient`, via the imports."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    binding = facts.binding(expr.id)
    head = binding.qualified if binding else expr.id
    return ".".join([head, *reversed(parts)])


def _root_name(expr: ast.expr) -> str | None:
    """The name an expression is built on: `db["x"].find(q)` -> `db`."""
    while True:
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, (ast.Attribute, ast.Subscript)):
            expr = expr.value
        elif isinstance(expr, ast.Name):
            return expr.id
        else:
            return None


def _assignments(tree: ast.Module) -> Iterable[tuple[list[str], ast.expr, int]]:
    """Module-level `name = value` statements, in order, including inside if/try/with blocks."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.Assign):
            names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if names:
                yield names, statement.value, statement.lineno
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            if isinstance(statement.target, ast.Name):
                yield [statement.target.id], statement.value, statement.lineno
        elif isinstance(statement, (ast.If, ast.Try, ast.With)):
            nested = list(statement.body)
            for handler in getattr(statement, "handlers", ()):
                nested.extend(handler.body)
            nested.extend(getattr(statement, "orelse", ()))
            nested.extend(getattr(statement, "finalbody", ()))
            pending[:0] = nested


def _scan_module_level(
    tree: ast.Module, facts: ModuleFacts, fake_bound: set[str]
) -> tuple[list[NamedGlobal], dict[str, int]]:
    built: dict[str, NamedGlobal] = {}
    tainted = set(fake_bound)
    mutable: dict[str, int] = {}
    for names, value, line in _assignments(tree):
        called = _qualified(value.func, facts) if isinstance(value, ast.Call) else None
        root = (
            _root_name(value)
            if isinstance(value, (ast.Call, ast.Subscript, ast.Attribute))
            else None
        )
        if root is not None and root in tainted:
            for name in names:
                built[name] = NamedGlobal(name, line, _describe(value))
            tainted.update(names)
        else:
            for name in names:
                built.pop(name, None)
                tainted.discard(name)
        is_mutable = isinstance(
            value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
        )
        if called in _MUTABLE_FACTORIES:
            is_mutable = True
        for name in names:
            if is_mutable:
                mutable[name] = line
            else:
                mutable.pop(name, None)
    return list(built.values()), mutable


def _flask_apps(tree: ast.Module, facts: ModuleFacts) -> list[str]:
    """Module globals bound to `Flask(...)`, in the order of the code."""
    return [
        name
        for names, value, _ in _assignments(tree)
        if isinstance(value, ast.Call) and _qualified(value.func, facts) in _FLASK
        for name in names
    ]


def _app_and_routes(
    modules: Sequence[tuple[ModuleFacts, ast.Module]],
) -> tuple[str | None, tuple[Route, ...]]:
    """The service's global holding its Flask application (`modules[0]` is the service), and
    the routes registered on that application object by any of `modules`.

    An application is known by where it is built (file, global); a module holds it under a name
    when it builds it there or imports it from a module that holds it (`from application import
    app`, followed through re-exports until nothing new is learnt)."""
    held: dict[str, dict[str, tuple[str, str]]] = {}  # file -> {local name: (file, global)}
    for facts, tree in modules:
        path = os.path.abspath(facts.path)
        held[path] = {name: (path, name) for name in _flask_apps(tree, facts)}
    bindings = [
        (os.path.abspath(facts.path), binding, target)
        for facts, _ in modules
        for binding, target, is_module in project_bindings(facts)
        if not is_module and binding.name
    ]
    changed = True
    while changed:
        changed = False
        for path, binding, target in bindings:
            origin = held.get(target, {}).get(binding.name or "")
            if origin is not None and binding.bound_as not in held[path]:
                held[path][binding.bound_as] = origin
                changed = True
    own = held[os.path.abspath(modules[0][0].path)]
    if not own:
        return None, ()
    app, origin = next(iter(own.items()))
    routes: list[Route] = []
    for index, (facts, tree) in enumerate(modules):
        for name, where in held[os.path.abspath(facts.path)].items():
            if where == origin:
                found = _routes(tree, name)
                if index:
                    found = tuple(replace(r, path=facts.path) for r in found)
                routes.extend(found)
    return app, tuple(routes)


def _describe(value: ast.expr) -> str:
    text = ast.unparse(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _changed_globals(tree: ast.Module, mutable: dict[str, int]) -> tuple[NamedGlobal, ...]:
    """Mutable globals changed in place inside a function, and globals rebound through `global`."""
    changed: dict[str, NamedGlobal] = {}
    module_names = _module_level_names(tree)
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        local = _locally_bound(function)
        declared_global: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Global):
                declared_global.update(node.names)
        for node in ast.walk(function):
            name = _mutated_name(node)
            if name in mutable and (name not in local or name in declared_global):
                changed.setdefault(
                    name, NamedGlobal(name, mutable[name], f"changed by {function.name}()")
                )
            rebound = _rebound_name(node)
            if rebound in declared_global and rebound in module_names:
                changed.setdefault(
                    rebound,
                    NamedGlobal(rebound, module_names[rebound], f"rebound by {function.name}()"),
                )
    return tuple(sorted(changed.values(), key=lambda g: g.line))


def _module_level_names(tree: ast.Module) -> dict[str, int]:
    names: dict[str, int] = {}
    for targets, _value, line in _assignments(tree):
        for name in targets:
            names.setdefault(name, line)
    return names


def _locally_bound(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    bound = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


def _mutated_name(node: ast.AST) -> str | None:
    """`x[k] = v`, `del x[k]`, `x[k] += v`, `x.append(v)` -> `x`."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
        if isinstance(node.value, ast.Name):
            return node.value.id
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in _MUTATING_METHODS and isinstance(node.func.value, ast.Name):
            return node.func.value.id
    return None


def _rebound_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return node.id
    return None


def _routes(tree: ast.Module, app: str) -> tuple[Route, ...]:
    """`@app.route(rule, methods=[...])`, `@app.get(rule)` and `app.add_url_rule(rule, ...)`."""
    routes: list[Route] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in statement.decorator_list:
                routes.extend(_routes_of_call(decorator, app, statement.name, statement.lineno))
        elif isinstance(statement, ast.Expr):
            call = statement.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_url_rule"
            ):
                view = _keyword(call, "view_func")
                name = view.id if isinstance(view, ast.Name) else "view"
                routes.extend(
                    _routes_of_call(call, app, name, statement.lineno, rule_call="add_url_rule")
                )
    return tuple(routes)


def _routes_of_call(
    node: ast.expr, app: str, view: str, line: int, rule_call: str = "route"
) -> list[Route]:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == app
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return []
    rule = node.args[0].value
    attribute = node.func.attr
    if attribute in _ROUTE_SHORTCUTS:
        methods = [_ROUTE_SHORTCUTS[attribute]]
    elif attribute == rule_call:
        methods = _literal_methods(_keyword(node, "methods"))
    else:
        return []
    return [Route(rule, method, view, line) for method in methods]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _literal_methods(node: ast.expr | None) -> list[str]:
    if node is None:
        return ["GET"]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        methods = [
            e.value.upper()
            for e in node.elts
            if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        # HEAD and OPTIONS are answered by Flask itself; a smoke test of them proves nothing.
        return [m for m in methods if m in _HTTP_METHODS] or ["GET"]
    return ["GET"]
