"""The walk every setup family shares: positions, scopes (functions, fixtures, tests, classes,
`with` blocks and decorators: when a setup is in effect) and name resolution through imports."""

from __future__ import annotations

import ast
import re

from harness.analysis.walk import FastVisitor
from harness.lint.paths import PathEvaluator
from harness.lint.setup_facts.model import (
    EnvSet,
    Function,
    ImportEvent,
    ModuleFake,
    PatchCall,
    ResetMock,
    ReturnValueSet,
    Where,
)

MONKEYPATCH_NAMES = frozenset({"monkeypatch", "mp", "mpatch"})
# Loaders that only prepare a module: its code runs at `loader.exec_module(module)` (or
# `load_module()`), which a test may call after setting up what the module needs.
DEFERRED_LOADERS = frozenset(
    {"importlib.util.spec_from_file_location", "importlib.machinery.SourceFileLoader"}
)
BY_PATH_LOADERS = frozenset(
    {
        "importlib.util.spec_from_file_location",
        "importlib.machinery.SourceFileLoader",
        "runpy.run_path",
    }
)
# A function body without any of these cannot patch, fake, set env, load code or touch a
# mock's return value; it is not walked.
_BODY_MARKERS = (
    "patch", "setattr", "environ", "setenv", "modules", "sys.path", "syspath", "import",
    "load", "return_value", "reset_mock", "setitem", "Thread", "spec_from", "run_path",
)
_CALLED_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")
_BUILTIN_CALLS = frozenset({"list", "dict", "iter", "tuple", "set", "__import__"})


class SetupWalker(FastVisitor):
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.path = path
        self._lines: list[str] | None = None
        self.bindings: dict[str, str] = {}
        self.scopes: list[str] = []
        self.class_names: list[str] = []
        self.with_ranges: dict[int, tuple[int, int] | None] = {}
        self.decorator_ranges: dict[int, tuple[str, tuple[int, int]]] = {}
        self.string_constants: dict[str, str] = {}
        self.dict_constants: dict[str, tuple[str, ...] | None] = {}
        self.path_constants: dict[str, str] = {}
        self.paths = PathEvaluator(path)
        self.monkeypatch_names = set(MONKEYPATCH_NAMES)
        self.saved_modules: set[str] = set()  # names holding a module taken from sys.modules
        self.restoring = 0  # inside `finally:` blocks

        self.patches: list[PatchCall] = []
        self.fakes: list[ModuleFake] = []
        self.fakes_unknown: list[Where] = []
        self.env: list[EnvSet] = []
        self.env_unknown: list[Where] = []
        self.imports: list[ImportEvent] = []
        self.sys_path: list[tuple[str, Where]] = []
        self.return_values: list[ReturnValueSet] = []
        self.resets: list[ResetMock] = []
        self.functions: list[Function] = []
        self.shared_names: set[str] = set()
        self.calls_stack: list[set[str]] = []
        self.path_loaders: set[str] = set()  # functions that load a file by path
        # Loads by path whose code runs later, at `exec_module()` / `load_module()` (indexes in
        # `imports`), and where those calls are.
        self.deferred_loads: list[int] = []
        self.module_runs: list[Where] = []

    # ------------------------------------------------------------------ helpers

    def col(self, node: ast.AST) -> int:
        return self._column(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end_col(self, node: ast.AST) -> int:
        return self._column(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def _column(self, line: int, offset: int) -> int:
        """1-based character column from ast's 0-based UTF-8 byte offset."""
        if self.ascii:
            return offset + 1
        if self._lines is None:
            self._lines = re.split(r"\r\n|\r|\n", self.text)
        text = self._lines[line - 1]
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

    @property
    def scope(self) -> str | None:
        return self.scopes[-1] if self.scopes else None

    def where(self, node: ast.AST, *, persistent: bool = False) -> Where:
        """Where a setup made by `node` is in effect, given the with-block or decorator it is in."""
        key = id(node)
        line, col = node.lineno, self.col(node)  # type: ignore[attr-defined]
        if key in self.decorator_ranges:
            scope, active = self.decorator_ranges[key]
            return Where(scope, line, col, active)
        if key in self.with_ranges:
            return Where(self.scope, line, col, self.with_ranges[key])
        return Where(self.scope, line, col, None, persistent)

    def qualify(self, node: ast.expr) -> str | None:
        """The dotted name through the imports; None for a name no import binds (a local)."""
        if isinstance(node, ast.Name):
            if node.id in self.bindings:
                return self.bindings[node.id]
            return node.id if node.id in _BUILTIN_CALLS else None
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def string(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.string_constants.get(node.id)
        return None

    def dict_keys(self, node: ast.expr | None, *, blockers: bool = True) -> tuple[str, ...] | None:
        """String keys of a dict literal (or of a module-level dict constant); None if unknown."""
        if isinstance(node, ast.Dict):
            keys = []
            for key, value in zip(node.keys, node.values):
                text = self.string(key) if key is not None else None
                if text is None:
                    return None
                if blockers or not is_none(value):
                    keys.append(text)
            return tuple(keys)
        if isinstance(node, ast.Name):
            return self.dict_constants.get(node.id)
        if isinstance(node, ast.Call) and self.qualify(node.func) == "dict" and not node.args:
            return tuple(k.arg for k in node.keywords if k.arg)
        return None


    # ------------------------------------------------------------------ scopes

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualname = ".".join([*self.scopes_or_classes(), node.name])
        span = (node.lineno, node.end_lineno or node.lineno)
        is_fixture, autouse, fixture_name, used = False, False, node.name, []
        shared_scope = False
        for decorator in node.decorator_list:
            name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
            if name.endswith("fixture"):
                is_fixture = True
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "autouse" and isinstance(keyword.value, ast.Constant):
                            autouse = bool(keyword.value.value)
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            fixture_name = str(keyword.value.value)
                        if keyword.arg == "scope":
                            shared_scope = not (
                                isinstance(keyword.value, ast.Constant)
                                and keyword.value.value == "function"
                            )
            elif name.endswith("usefixtures") and isinstance(decorator, ast.Call):
                used.extend(
                    a.value
                    for a in decorator.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
            self.decorator_ranges[id(decorator)] = (qualname, span)
            self.visit(decorator)
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        params = [
            a.arg
            for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
            if a.arg not in ("self", "cls")
        ]
        self.scopes.append(qualname)
        self.calls_stack.append(set())
        saved_bindings = dict(self.bindings)
        for parameter in params:
            self.bindings.pop(parameter, None)
        try:
            body = self._body_text(node)
            if self._may_set_up(body):
                for statement in node.body:
                    self.visit(statement)
            else:
                # Nothing in it patches, fakes, sets, loads or resets: only the names it calls
                # matter (the fixture graph), and a regex finds those far faster than a walk.
                self.calls_stack[-1].update(_CALLED_NAME.findall(body))
        finally:
            calls = self.calls_stack.pop()
            self.scopes.pop()
            self.bindings = saved_bindings
        if self.calls_stack:
            self.calls_stack[-1] |= calls
        in_test_class = bool(self.class_names) and self.class_names[-1].startswith("Test")
        is_test = node.name.startswith("test") and (not self.class_names or in_test_class)
        self.functions.append(
            Function(
                qualname,
                fixture_name,
                is_fixture,
                is_test and not is_fixture,
                autouse,
                tuple(params + used),
                frozenset(calls),
                span[0],
                span[1],
                qualname in self.path_loaders,
                shared_scope,
            )
        )

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def scopes_or_classes(self) -> list[str]:
        if self.scopes:
            return [self.scopes[-1]]
        return list(self.class_names)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        span = (node.lineno, node.end_lineno or node.lineno)
        scope = ".".join([*self.scopes_or_classes(), node.name]) + ".*"
        for decorator in node.decorator_list:
            self.decorator_ranges[id(decorator)] = (scope, span)
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        self.class_names.append(node.name)
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.class_names.pop()

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        span: tuple[int, int] | None = (node.lineno, node.end_lineno or node.lineno)
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_body(node.body)):
            span = None  # a fixture yielding inside the block keeps it in effect for the test
        for item in node.items:
            self.with_ranges[id(item.context_expr)] = span
            if item.optional_vars is not None:
                self._unbind(item.optional_vars)
            if item.optional_vars is not None and isinstance(item.optional_vars, ast.Name):
                expression = item.context_expr
                if isinstance(expression, ast.Call) and is_monkeypatch_factory(
                    self.qualify(expression.func)
                ):
                    self.monkeypatch_names.add(item.optional_vars.id)
        self.generic_visit(node)

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    def _body_text(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        if self._lines is None:
            self._lines = re.split(r"\r\n|\r|\n", self.text)
        first = node.body[0].lineno if node.body else node.lineno
        return "\n".join(self._lines[first - 1 : node.end_lineno or first])

    def _may_set_up(self, body: str) -> bool:
        return any(marker in body for marker in _BODY_MARKERS) or any(
            name in body for name in self.path_constants
        )


    def _functions_worth_keeping(self) -> tuple[Function, ...]:
        """Fixtures and helpers, and the tests that set something up: a large suite's other
        tests (most of them) never take part in a timing question."""
        wheres = [
            *(p.where for p in self.patches), *(f.where for f in self.fakes),
            *self.fakes_unknown, *(e.where for e in self.env), *self.env_unknown,
            *(i.where for i in self.imports), *(w for _, w in self.sys_path),
            *(r.where for r in self.return_values), *(r.where for r in self.resets),
        ]
        scopes = {where.scope for where in wheres}
        return tuple(
            function for function in self.functions
            if not function.is_test or function.qualname in scopes
        )



def is_monkeypatch_factory(qualified: str | None) -> bool:
    return bool(qualified) and qualified.endswith(("MonkeyPatch", "MonkeyPatch.context"))  # type: ignore[union-attr]


def _walk_body(body: list[ast.stmt]):
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            yield node


def flag(node: ast.Call, name: str) -> bool:
    value = keyword(node, name)
    return isinstance(value, ast.Constant) and bool(value.value)


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def is_none(node: ast.AST | None) -> bool:
    """The literal `None`: as a `sys.modules` value it makes the import fail (a blocker, not a
    fake)."""
    return isinstance(node, ast.Constant) and node.value is None


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None

