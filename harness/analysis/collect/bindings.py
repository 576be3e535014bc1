"""Imports and bindings: the names a module binds (imports, assignments, definitions) and
where each comes from."""

from __future__ import annotations

import ast

from harness.analysis.collect.scopes import ScopeWalker, keyword
from harness.analysis.model import ImportBinding


class BindingsMixin(ScopeWalker):
    def resolve_relative(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        if self.module_name:
            parts = self.module_name.split(".")
            package = parts if self.is_package else parts[:-1]
            if level - 1 <= len(package):
                base = package[: len(package) - (level - 1)]
                if base:
                    return ".".join(base + ([module] if module else []))
        return "." * level + (module or "")

    def bind(self, name: str, qualified: str) -> None:
        if self.local_scopes:
            self.local_scopes[-1][name] = qualified
        else:
            self.module_bindings[name] = qualified
            self.define(name)

    def define(self, name: str) -> None:
        if self.function_depth == 0 and self.class_depth == 0 and self.skipped_depth == 0:
            self.definitions.add(name)

    def define_target(self, target: ast.expr) -> list[str]:
        names: list[str] = []
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                names.extend(self.define_target(element))
        elif isinstance(target, ast.Starred):
            names.extend(self.define_target(target.value))
        if self.function_depth == 0 and self.class_depth == 0:
            for name in names:
                self.define(name)
        return names


    # ----------------------------------------------------------------- imports

    def visit_Import(self, node: ast.Import) -> None:
        at_import = self.at_import_time
        for alias in node.names:
            if alias.asname:
                bound, qualified = alias.asname, alias.name
            else:
                bound = qualified = alias.name.split(".", 1)[0]
            self.imports.append(
                ImportBinding(alias.name, None, bound, node.lineno, self.col(node), at_import,
                              self.optional_depth > 0)
            )
            self.bind(bound, qualified)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = self.resolve_relative(node.module, node.level)
        at_import = self.at_import_time
        for alias in node.names:
            if alias.name == "*":
                self.imports.append(
                    ImportBinding(module, "*", "*", node.lineno, self.col(node), at_import,
                                  self.optional_depth > 0)
                )
                self.note(node, f"star import from {module}: the names it binds are unknown")
                continue
            bound = alias.asname or alias.name
            self.imports.append(
                ImportBinding(module, alias.name, bound, node.lineno, self.col(node), at_import,
                              self.optional_depth > 0)
            )
            separator = "" if module.endswith(".") else "."
            self.bind(bound, f"{module}{separator}{alias.name}")
            self._bound_by_import(bound, f"{module}{separator}{alias.name}")


    def visit_Global(self, node: ast.Global) -> None:
        # `global x` then `x = ...` in a function makes `x` a module attribute once it runs.
        if self.function_depth:
            self.definitions.update(node.names)


    # ----------------------------------------------------------------- bindings by assignment

    def visit_Assign(self, node: ast.Assign) -> None:
        names: list[str] = []
        for target in node.targets:
            names.extend(self.define_target(target))
            if not isinstance(target, (ast.Name, ast.Tuple, ast.List, ast.Starred)):
                if isinstance(target, ast.Subscript) and is_globals_call(target.value):
                    self.note(target, "names bound through globals() are unknown")
                if isinstance(target, ast.Subscript) and self._is_own_module_entry(target):
                    self.note(target, REPLACED)
                self.visit(target)
        if (
            self.function_depth == 0
            and isinstance(node.value, ast.Call)
            and any(is_dunder_name(a) for a in node.value.args)
            and any("module" in name for name in names)
        ):
            # `old_module, new_module = recreate_module(__name__, ...)`: a lazy module that
            # replaces itself in sys.modules (celery, kombu) and grows attributes on demand.
            self.note(node, REPLACED)
        self._note_assigned_value(node.value, tuple(names))
        self.visit(node.value)

    def _is_own_module_entry(self, target: ast.Subscript) -> bool:
        return self.qualify(target.value) == "sys.modules" and is_dunder_name(target.slice)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        names = self.define_target(node.target)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)
        if node.value is not None:
            self._note_assigned_value(node.value, tuple(names))
            self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.define_target(node.target)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        names = self.define_target(node.target)
        self._note_assigned_value(node.value, tuple(names))
        self.visit(node.value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.define_target(node.target)
        self._mark_none_breaking(node.iter)
        self.generic_visit(node)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self.define_target(item.optional_vars)
        self.generic_visit(node)

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    def _note_assigned_value(self, value: ast.expr, names: tuple[str, ...]) -> None:
        if not names:
            return
        self.assigned_by_node[id(value)] = names
        if isinstance(value, ast.BoolOp):
            self.assigned_by_node[id(value.values[0])] = names
        self._assigned_at_import(value, names)

    def _record_dynamic_import(self, node: ast.Call) -> None:
        argument = node.args[0] if node.args else keyword(node, "name")
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names = self.assigned_by_node.get(id(node)) or ("",)
            self.imports.append(
                ImportBinding(
                    argument.value, None, names[0], node.lineno, self.col(node), self.at_import_time
                )
            )
        else:
            self.note(node, "dynamic import of a computed name: the module it loads is unknown")



REPLACED = "the module replaces itself in sys.modules: its attributes are unknown"


def is_dunder_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__name__"



def is_globals_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"
    )

