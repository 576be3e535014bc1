"""Patches and mock state: `patch`, `patch.object`, `patch.dict`, `mocker`, `monkeypatch`,
plain attribute assignment, `return_value` replaced, `reset_mock()`."""

from __future__ import annotations

import ast

from harness.lint.setup_facts.model import (
    EnvSet,
    Literal,
    ModuleFake,
    PatchCall,
    ReturnValueSet,
)
from harness.lint.setup_facts.scopes import SetupWalker, dotted, flag, is_none, keyword

MOCKER_NAMES = frozenset(
    {"mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker"}
)
PATCH_FUNCTIONS = frozenset({"unittest.mock.patch", "mock.patch"})
_WHOLE_ENVIRONMENT = frozenset({"os.environ", "os.getenv", "os.environ.get"})
MOCK_FACTORIES = frozenset(
    {
        "MagicMock",
        "Mock",
        "NonCallableMagicMock",
        "NonCallableMock",
        "AsyncMock",
        "create_autospec",
        "PropertyMock",
    }
)


class PatchesMixin(SetupWalker):
    def _string_patch(self, node: ast.Call, how: str) -> None:
        target_node = node.args[0] if node.args else keyword(node, "target")
        target = self.string(target_node)
        if target is None:
            return
        literal = None
        if isinstance(target_node, ast.Constant):
            literal = Literal(
                target_node.lineno,
                self.col(target_node),
                target_node.end_lineno or target_node.lineno,
                self.end_col(target_node),
            )
        self.patches.append(
            PatchCall(
                target,
                how,
                None,
                target.rsplit(".", 1)[-1],
                flag(node, "create"),
                self.where(node),
                literal,
            )
        )
        if target in _WHOLE_ENVIRONMENT:
            # `patch("os.environ")` replaces the whole mapping (a MagicMock answers every key):
            # which variables the code then finds cannot be told.
            self.env_unknown.append(self.where(node))

    def _object_patch(
        self,
        node: ast.Call,
        obj: ast.expr | None,
        attribute: ast.expr | None,
        how: str,
        create: bool | None = None,
    ) -> None:
        name = self.string(attribute)
        if obj is None or name is None:
            return
        expression = dotted(obj)
        qualified = self.qualify(obj) if expression else None
        target = f"{qualified}.{name}" if qualified else None
        self.patches.append(
            PatchCall(
                target,
                how,
                expression,
                name,
                flag(node, "create") if create is None else create,
                self.where(node),
            )
        )
        if target in _WHOLE_ENVIRONMENT:
            self.env_unknown.append(self.where(node))

    def _patch_dict(self, node: ast.Call) -> None:
        container = node.args[0] if node.args else keyword(node, "in_dict")
        if container is None:
            return
        name = (
            self.string(container)
            if isinstance(container, ast.Constant)
            else self.qualify(container)
        )
        values = node.args[1] if len(node.args) > 1 else keyword(node, "values")
        extra = [
            k.arg for k in node.keywords if k.arg and k.arg not in ("values", "clear", "in_dict")
        ]
        where = self.where(node)
        if name == "sys.modules":
            # `{"sentry_sdk": None}` blocks an import on purpose: a blocker, not a fake.
            keys = self.dict_keys(values, blockers=False) if values is not None else ()
            if keys is None:
                self.fakes_unknown.append(where)
            for key in (*(keys or ()), *extra):
                self.fakes.append(ModuleFake(key, "patch.dict", where))
        elif name == "os.environ":
            keys = self.dict_keys(values) if values is not None else ()
            if keys is None:
                self.env_unknown.append(where)
            for key in (*(keys or ()), *extra):
                self.env.append(EnvSet(key, "patch.dict", where))


    def _monkeypatch(self, node: ast.Call, method: str) -> None:
        where = self.where(node)
        args = node.args
        if method in ("setattr", "delattr"):
            raising = keyword(node, "raising")
            create = isinstance(raising, ast.Constant) and raising.value is False
            first = self.string(args[0]) if args else None
            string_form = (
                first is not None and "." in first and (len(args) == 1 + (method == "setattr"))
            )
            if string_form:
                literal = None
                if isinstance(args[0], ast.Constant):
                    literal = Literal(
                        args[0].lineno,
                        self.col(args[0]),
                        args[0].end_lineno or args[0].lineno,
                        self.end_col(args[0]),
                    )
                self.patches.append(
                    PatchCall(
                        first,
                        f"monkeypatch.{method}",
                        None,
                        first.rsplit(".", 1)[-1],
                        create,
                        where,
                        literal,
                    )
                )
            elif len(args) >= 2:
                self._object_patch(node, args[0], args[1], f"monkeypatch.{method}", create)
        elif method == "setenv" and args:
            name = self.string(args[0])
            if name is not None:
                self.env.append(EnvSet(name, "monkeypatch.setenv", where))
            else:
                self.env_unknown.append(where)
        elif method == "setitem" and len(args) >= 2:
            container = self.qualify(args[0])
            key = self.string(args[1])
            if container == "sys.modules":
                if key is None:
                    self.fakes_unknown.append(where)
                elif len(args) >= 3 and is_none(args[2]):
                    pass  # `setitem(sys.modules, name, None)` blocks the import: no fake
                else:
                    self.fakes.append(ModuleFake(key, "monkeypatch.setitem", where))
            elif container == "os.environ":
                if key is None:
                    self.env_unknown.append(where)
                else:
                    self.env.append(EnvSet(key, "monkeypatch.setitem", where))
        elif method == "syspath_prepend" and args:
            directory = self.paths.evaluate(args[0])
            if directory is not None:
                self.sys_path.append((directory, where))

    def _attribute_assign(self, target: ast.Attribute, value: ast.expr, node: ast.stmt) -> None:
        """`mod.name = ...` (a patch never undone) or `mock.x.return_value = ...`."""
        if target.attr == "return_value":
            chain = dotted(target.value)
            kind = self._real_object_kind(value)
            if chain is not None and kind is not None:
                self.return_values.append(ReturnValueSet(chain, kind, self.where(node)))
            return
        qualified = self.qualify(target)
        if qualified is not None and "." in qualified:
            self.patches.append(
                PatchCall(
                    qualified,
                    "assign",
                    dotted(target.value),
                    target.attr,
                    True,
                    self.where(node, persistent=True),
                )
            )


    def _real_object_kind(self, value: ast.expr) -> str | None:
        """What replaced a mock's return_value, when it is visibly not a mock."""
        if isinstance(value, (ast.List, ast.ListComp)):
            return "list"
        if isinstance(value, (ast.Dict, ast.DictComp)):
            return "dict"
        if isinstance(value, (ast.Tuple,)):
            return "tuple"
        if isinstance(value, (ast.Set, ast.SetComp)):
            return "set"
        if isinstance(value, ast.JoinedStr):
            return "str"
        if isinstance(value, ast.Constant) and value.value is not None:
            return type(value.value).__name__
        if isinstance(value, ast.Call) and self.qualify(value.func) in (
            "list",
            "dict",
            "iter",
            "tuple",
            "set",
        ):
            return self.qualify(value.func)
        return None

