"""Module fakes and environment: `sys.modules` and `os.environ` filled by item, `setdefault`
or `update`."""

from __future__ import annotations

import ast

from harness.lint.setup_facts.model import EnvSet, ModuleFake
from harness.lint.setup_facts.scopes import SetupWalker, is_none


class EnvironmentMixin(SetupWalker):
    def _mapping_call(self, node: ast.Call, method: str, *, fakes: bool) -> None:
        if self.restoring:
            return
        where = self.where(node, persistent=True)
        if method in ("setdefault", "__setitem__"):
            keys: tuple[str, ...] | None = (self.string(node.args[0]),) if node.args else None
            if keys == (None,):
                keys = None
        else:
            keys = self.dict_keys(node.args[0]) if node.args else ()
            keys = (
                (*(keys or ()), *(k.arg for k in node.keywords if k.arg))
                if keys is not None
                else None
            )
        if keys is None:
            (self.fakes_unknown if fakes else self.env_unknown).append(where)
            return
        for key in keys:
            if fakes:
                self.fakes.append(ModuleFake(key, method, where))
            else:
                self.env.append(EnvSet(key, method, where))


    def _item_assign(self, target: ast.Subscript, node: ast.stmt) -> None:
        """`sys.modules[...] = ...` or `os.environ[...] = ...`."""
        if self.restoring:
            return  # putting back what a `try:` took away sets nothing up
        container = self.qualify(target.value)
        key = self.string(target.slice)
        if container == "sys.modules":
            value = getattr(node, "value", None)
            if is_none(value):
                return  # `sys.modules[name] = None` blocks the import on purpose: no fake
            if isinstance(value, ast.Name) and value.id in self.saved_modules:
                return  # putting back the entry saved before (`= backup`) sets nothing up
            if key is not None:
                self.fakes.append(ModuleFake(key, "assign", self.where(node, persistent=True)))
            else:
                self.fakes_unknown.append(self.where(node, persistent=True))
        elif container == "os.environ":
            if key is not None:
                self.env.append(EnvSet(key, "assign", self.where(node, persistent=True)))
            else:
                self.env_unknown.append(self.where(node, persistent=True))

    def visit_Try(self, node: ast.Try) -> None:
        for part in (*node.body, *node.handlers, *node.orelse):
            self.visit(part)
        self.restoring += 1  # a `finally:` block restores state (`sys.modules[k] = saved`)
        try:
            for statement in node.finalbody:
                self.visit(statement)
        finally:
            self.restoring -= 1

    visit_TryStar = visit_Try  # type: ignore[assignment]
