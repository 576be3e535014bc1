"""Calls: the one place a call in a test module is classified and handed to its family
(a patch, a fake, env set, `sys.path`, an import or a load by path, `reset_mock()`)."""

from __future__ import annotations

import ast

from harness.lint.setup_facts.bindings import BindingsMixin
from harness.lint.setup_facts.environment import EnvironmentMixin
from harness.lint.setup_facts.model import ImportEvent, PatchCall, ResetMock
from harness.lint.setup_facts.patches import MOCKER_NAMES, PATCH_FUNCTIONS, PatchesMixin
from harness.lint.setup_facts.scopes import (
    BY_PATH_LOADERS,
    DEFERRED_LOADERS,
    dotted,
    flag,
)


class CallsMixin(BindingsMixin, PatchesMixin, EnvironmentMixin):
    # ------------------------------------------------------------------ calls

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self.calls_stack and isinstance(func, ast.Name):
            self.calls_stack[-1].add(func.id)
        self._classify_call(node)
        self.generic_visit(node)

    def _classify_call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.qualify(func) or ""
        receiver = dotted(func.value) if isinstance(func, ast.Attribute) else None
        head = receiver.split(".", 1)[0] if receiver else None

        if qualified in PATCH_FUNCTIONS or (
            head in MOCKER_NAMES and receiver == head and func.attr == "patch"
        ):  # type: ignore[union-attr]
            self._string_patch(node, "mocker.patch" if head in MOCKER_NAMES else "patch")
        elif qualified.endswith(".object") and (
            qualified[: -len(".object")] in PATCH_FUNCTIONS
            or (head in MOCKER_NAMES and receiver == f"{head}.patch")
        ):
            self._object_patch(
                node,
                node.args[0] if node.args else None,
                node.args[1] if len(node.args) > 1 else None,
                "patch.object",
            )
        elif qualified.endswith(".dict") and (
            qualified[: -len(".dict")] in PATCH_FUNCTIONS
            or (head in MOCKER_NAMES and receiver == f"{head}.patch")
        ):
            self._patch_dict(node)
        elif qualified.endswith(".multiple") and qualified[: -len(".multiple")] in PATCH_FUNCTIONS:
            base = self.string(node.args[0]) if node.args else None
            if base is not None:
                for keyword in node.keywords:
                    if keyword.arg:
                        self.patches.append(
                            PatchCall(
                                f"{base}.{keyword.arg}",
                                "patch.multiple",
                                None,
                                keyword.arg,
                                False,
                                self.where(node),
                            )
                        )
        elif head in self.monkeypatch_names and receiver == head:
            self._monkeypatch(node, func.attr)  # type: ignore[union-attr]
        elif qualified in (
            "sys.modules.setdefault",
            "sys.modules.update",
            "sys.modules.__setitem__",
        ):
            self._mapping_call(node, qualified.rsplit(".", 1)[-1], fakes=True)
        elif qualified in ("os.environ.setdefault", "os.environ.update", "os.environ.__setitem__"):
            self._mapping_call(node, qualified.rsplit(".", 1)[-1], fakes=False)
        elif qualified in ("sys.path.insert", "sys.path.append"):
            argument = node.args[-1] if node.args else None
            directory = self.paths.evaluate(argument) if argument is not None else None
            if directory is not None:
                self.sys_path.append((directory, self.where(node, persistent=True)))
        elif qualified == "importlib.import_module" or qualified == "__import__":
            name = self.string(node.args[0]) if node.args else None
            if name is not None:
                self.imports.append(
                    ImportEvent(name, None, None, (), "import_module", self.where(node))
                )
        elif isinstance(func, ast.Attribute) and func.attr == "reset_mock":
            chain = dotted(func.value)
            if chain is not None:
                self.resets.append(ResetMock(chain, self.where(node), flag(node, "return_value")))
        elif isinstance(func, ast.Attribute) and func.attr in ("exec_module", "load_module"):
            self.module_runs.append(self.where(node))
        elif isinstance(func, ast.Attribute) and func.attr == "load" and node.args:
            name = self.string(node.args[0])
            if name is not None and head in ("legacy", "harness", "legacy_harness"):
                self.imports.append(ImportEvent(None, name, None, (), "plugin", self.where(node)))
        self._by_path_load(node, qualified)

    def _by_path_load(self, node: ast.Call, qualified: str) -> None:
        """A Python file path handed to a loader, or to a function of the suite that loads."""
        is_loader = qualified in BY_PATH_LOADERS
        if is_loader and self.scopes:
            self.path_loaders.add(self.scopes[-1])
        via = node.func.id if isinstance(node.func, ast.Name) and not is_loader else None
        if not is_loader and via is None:
            return
        arguments = [*node.args, *(k.value for k in node.keywords)]
        for argument in arguments:
            if isinstance(argument, ast.Constant):
                path = argument.value if isinstance(argument.value, str) else None
            elif isinstance(argument, ast.Name):
                path = self.path_constants.get(argument.id)
            else:
                path = self.paths.evaluate(argument)
            if path is not None and path.endswith(".py"):
                alias = next(
                    (self.string(a) for a in arguments if a is not argument and self.string(a)),
                    None,
                )
                if qualified in DEFERRED_LOADERS:
                    self.deferred_loads.append(len(self.imports))
                self.imports.append(
                    ImportEvent(None, path, alias, (), "path", self.where(node), via)
                )
                return

    def imports_when_run(self) -> tuple[ImportEvent, ...]:
        """The import events, a load by path placed where its code runs: at the first
        `exec_module()` / `load_module()` after the loader in the same scope, if there is one."""
        events = list(self.imports)
        for index in self.deferred_loads:
            event = events[index]
            runs = [
                where for where in self.module_runs
                if where.scope == event.where.scope and where.line >= event.where.line
            ]
            if runs:
                events[index] = event._replace(where=min(runs, key=lambda w: (w.line, w.col)))
        return tuple(events)

