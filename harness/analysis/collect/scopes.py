"""The walk every fact family shares: positions, scopes, name resolution through the imports.

`ScopeWalker` tracks where the walk is (module level or inside a function, class, optional
import or skipped block) and resolves a name to the dotted name its imports give it; the fact
families (`bindings`, `env_reads`, `effects`, `calls`) are mixins that read this state.
"""

from __future__ import annotations

import ast
import builtins
import re

from harness.analysis.model import ImportBinding, SideEffect, Unknowable
from harness.analysis.walk import FastVisitor

BUILTINS = frozenset(dir(builtins))
_DEEP_MARKERS = ("environ", "getenv", "import_module", "__import__")


class ScopeWalker(FastVisitor):
    def __init__(
        self,
        text: str,
        path: str,
        module_name: str | None,
        local_packages: frozenset[str],
    ) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.path = path
        self.module_name = module_name
        self.own_top = module_name.split(".", 1)[0] if module_name else None
        self.is_package = path.endswith("__init__.py")
        self.local_packages = local_packages
        self.deep = any(marker in text for marker in _DEEP_MARKERS)
        self._line_cache: list[str] | None = None

        self.imports: list[ImportBinding] = []
        self.effects: list[SideEffect] = []
        self.definitions: set[str] = set()
        self.unknowable: list[Unknowable] = []

        self.guards: list[set[str]] = []  # names known not to be None here (tested true)
        self.function_depth = 0
        self.optional_depth = 0  # inside `try:` bodies that catch ImportError
        self.class_depth = 0
        self.skipped_depth = 0  # inside `if __name__ == "__main__":` or `if TYPE_CHECKING:`
        self.module_bindings: dict[str, str] = {}
        self.local_scopes: list[dict[str, str]] = []
        self.function_stack: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        # Names an expression's value is assigned to, seen from the assignment before the
        # expression itself is visited.
        self.assigned_by_node: dict[int, tuple[str, ...]] = {}

    # ----------------------------------------------------------------- positions and names

    @property
    def at_import_time(self) -> bool:
        return self.function_depth == 0 and self.skipped_depth == 0

    def col(self, node: ast.AST) -> int:
        """1-based character column (ast gives a 0-based UTF-8 byte offset)."""
        offset = node.col_offset  # type: ignore[attr-defined]
        if self.ascii:
            return offset + 1
        if self._line_cache is None:
            self._line_cache = re.split(r"\r\n|\r|\n", self.text)
        line = self._line_cache[node.lineno - 1]  # type: ignore[attr-defined]
        return len(line.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

    def qualify(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to through the imports, e.g. `os.environ.get`."""
        if isinstance(node, ast.Name):
            name = node.id
            for scope in reversed(self.local_scopes):
                if name in scope:
                    return scope[name]
            bound = self.module_bindings.get(name)
            if bound is not None:
                return bound
            if name in BUILTINS and name not in self.definitions:
                return name
            return None
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None


    def note(self, node: ast.AST, message: str) -> None:
        self.unknowable.append(Unknowable(node.lineno, self.col(node), message))  # type: ignore[attr-defined]


    # ----------------------------------------------------------------- scopes

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.define(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        if node.name == "__getattr__" and self.function_depth == 0 and self.class_depth == 0:
            self.note(node, "module-level __getattr__: any attribute may exist")
        self.function_depth += 1
        self.local_scopes.append({})
        self.function_stack.append(node)
        try:
            if self.deep:
                for statement in node.body:
                    self.visit(statement)
            else:
                self._scan_statements(node.body)
        finally:
            self.function_stack.pop()
            self.local_scopes.pop()
            self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.function_depth += 1
        try:
            self.visit(node.body)
        finally:
            self.function_depth -= 1

    def _scan_statements(self, body: list[ast.stmt]) -> None:
        """Imports, `global` names and nested scopes of a body whose expressions do not matter."""
        for statement in body:
            kind = type(statement)
            if kind is ast.Import or kind is ast.ImportFrom or kind is ast.Global:
                self.visit(statement)
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.visit_FunctionDef(statement)  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                self._scan_statements(statement.body)  # type: ignore[attr-defined]
            elif kind is ast.Try or kind is getattr(ast, "TryStar", ast.Try):
                guarded = any(_catches_import_error(h.type) for h in statement.handlers)  # type: ignore[attr-defined]
                self.optional_depth += guarded
                try:
                    self._scan_statements(statement.body)  # type: ignore[attr-defined]
                finally:
                    self.optional_depth -= guarded
                for part in (statement.orelse, statement.finalbody):  # type: ignore[attr-defined]
                    self._scan_statements(part)
                for handler in statement.handlers:  # type: ignore[attr-defined]
                    self._scan_statements(handler.body)
            else:
                for name in ("body", "orelse", "finalbody"):
                    inner = getattr(statement, name, None)
                    if inner:
                        self._scan_statements(inner)
                for handler in getattr(statement, "handlers", ()):
                    self._scan_statements(handler.body)
                for case in getattr(statement, "cases", ()):
                    self._scan_statements(case.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.define(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
            self._class_base(node.name, base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.class_depth += 1
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.class_depth -= 1


    def visit_Try(self, node: ast.Try) -> None:
        guarded = any(_catches_import_error(handler.type) for handler in node.handlers)
        self.optional_depth += guarded
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.optional_depth -= guarded
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        skipped = _is_main_guard(node.test) or self._is_type_checking(node.test)
        self.skipped_depth += skipped
        self.guards.append(tested_names(node.test))
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.guards.pop()
            self.skipped_depth -= skipped
        for statement in node.orelse:
            self.visit(statement)

    def _is_type_checking(self, test: ast.expr) -> bool:
        return self.qualify(test) in (
            "typing.TYPE_CHECKING",
            "typing_extensions.TYPE_CHECKING",
        ) or (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")


    def _class_base(self, name: str, base: ast.expr) -> None:
        """Hook for the fact families: class `name` has `base` among its bases."""

    def _bound_by_import(self, name: str, qualified: str) -> None:
        """Hook for the fact families: `from module import x as name` bound `name` to
        `qualified` (`module.x`)."""

    def _assigned_at_import(self, value: ast.expr, names: tuple[str, ...]) -> None:
        """Hook for the fact families: `names` are assigned `value` (at import time or not)."""


ENV_PRESENT = "environ:"  # a guard entry: `ENV_PRESENT + KEY` once `"KEY" in os.environ` held


def tested_names(test: ast.expr) -> set[str]:
    """Names a condition proves non-None when true: `X`, `X is not None`, `X and Y`; and the
    environment keys it proves present (`"KEY" in os.environ`), as `ENV_PRESENT + KEY`."""
    if isinstance(test, ast.Name):
        return {test.id}
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return set().union(*(tested_names(value) for value in test.values))
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.IsNot, ast.NotEq))
        and isinstance(test.left, ast.Name)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return {test.left.id}
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.In)
        and isinstance(test.left, ast.Constant)
        and isinstance(test.left.value, str)
        and _names_environ(test.comparators[0])
    ):
        return {ENV_PRESENT + test.left.value}
    return set()



def _names_environ(node: ast.expr) -> bool:
    """`os.environ` or `environ` (after `from os import environ`)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(kind: ast.expr | None) -> bool:
    if kind is None:
        return True  # a bare except
    if isinstance(kind, ast.Tuple):
        return any(_catches_import_error(element) for element in kind.elts)
    name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")
    return name in _IMPORT_ERRORS


def _is_main_guard(test: ast.expr) -> bool:
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )



def keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None

