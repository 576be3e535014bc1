"""Imports and bindings of a test module: what each name refers to, module-level constants
(strings, dict keys, file paths, shared mocks), and assignments that set something up."""

from __future__ import annotations

import ast

from harness.lint.setup_facts.model import ImportEvent
from harness.lint.setup_facts.patches import MOCK_FACTORIES
from harness.lint.setup_facts.scopes import SetupWalker, is_monkeypatch_factory


class BindingsMixin(SetupWalker):
    # ------------------------------------------------------------------ bindings and constants

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.bindings[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                self.bindings[top] = top
            if not self.scopes:
                self.shared_names.add(alias.asname or alias.name.split(".", 1)[0])
            self.imports.append(
                ImportEvent(alias.name, None, alias.asname, (), "import", self.where(node))
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            module = "." * node.level + module
        names = tuple(alias.name for alias in node.names)
        for alias in node.names:
            self.bindings[alias.asname or alias.name] = f"{module}.{alias.name}"
            if not self.scopes:
                self.shared_names.add(alias.asname or alias.name)
        self.imports.append(ImportEvent(module, None, None, names, "from", self.where(node)))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assignment(target, node.value, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assignment(node.target, node.value, node)
        self.generic_visit(node)

    def _unbind(self, target: ast.expr) -> None:
        """A local assignment shadows an import of the same name (`driver = Driver()`)."""
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.bindings.pop(node.id, None)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._unbind(node.target)
        self.generic_visit(node)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def _assignment(self, target: ast.expr, value: ast.expr, node: ast.stmt) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            self._unbind(target)
        if isinstance(target, ast.Name):
            self.bindings.pop(target.id, None)
            if not self.scopes:
                self._module_constant(target.id, value)
            if isinstance(value, ast.Call) and is_monkeypatch_factory(self.qualify(value.func)):
                self.monkeypatch_names.add(target.id)
            if self._from_sys_modules(value):
                self.saved_modules.add(target.id)
            return
        if isinstance(target, ast.Subscript):
            self._item_assign(target, node)
            return
        if isinstance(target, ast.Attribute):
            self._attribute_assign(target, value, node)

    def _from_sys_modules(self, value: ast.expr) -> bool:
        """`sys.modules["x"]`, `sys.modules.get("x")`, `sys.modules.pop("x", None)`: a saved
        entry, which a later `sys.modules["x"] = saved` puts back."""
        if isinstance(value, ast.Subscript):
            return self.qualify(value.value) == "sys.modules"
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return (
                value.func.attr in ("get", "pop") and self.qualify(value.func.value) == "sys.modules"
            )
        return False

    def _module_constant(self, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.string_constants[name] = value.value
        if isinstance(value, (ast.Dict, ast.Call)):
            keys = self.dict_keys(value)
            if keys is not None or isinstance(value, ast.Dict):
                self.dict_constants[name] = keys
        if (
            isinstance(value, ast.Call)
            and (self.qualify(value.func) or "").rsplit(".", 1)[-1] in MOCK_FACTORIES
        ):
            self.shared_names.add(name)
        if isinstance(value, ast.Constant):
            # A plain string is a path only when it names a Python file.
            path = (
                value.value
                if isinstance(value.value, str) and value.value.endswith(".py")
                else None
            )
        else:
            path = self.paths.evaluate(value)
        if path is not None:
            self.path_constants[name] = path
            self.paths.constants[name] = path

