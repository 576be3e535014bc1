"""Calls: the one place a call is classified and handed to its fact family (an environment
read, a dynamic import, a side effect, a name that may be an env helper)."""

from __future__ import annotations

import ast

from harness.analysis.collect.bindings import BindingsMixin, is_globals_call
from harness.analysis.collect.effects import EffectsMixin
from harness.analysis.collect.env_reads import (
    ENV_GETTERS,
    ENV_SETDEFAULT,
    EnvReadsMixin,
)
from harness.analysis.collect.scopes import keyword


class CallsMixin(BindingsMixin, EnvReadsMixin, EffectsMixin):
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        qualified = self.qualify(func)
        if qualified in ("int", "float") and node.args:
            self._mark_conversion(node.args[0], qualified)
            self._mark_none_breaking(node.args[0])
        if isinstance(func, ast.Attribute):
            if func.attr == "start" and not node.args:
                if isinstance(func.value, ast.Call):
                    self.started_call_lines[id(func.value)] = node.lineno
                elif isinstance(func.value, ast.Name) and self.at_import_time:
                    self.started_names.setdefault(func.value.id, node.lineno)
            elif func.attr in ("startswith",) and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith("http"):
                    self._mark_conversion(func.value, "url")

        if qualified in ENV_GETTERS:
            default_node = node.args[1] if len(node.args) > 1 else keyword(node, "default")
            self._record_env_call(node, default_node)
        elif qualified in ENV_SETDEFAULT:
            self._record_env_call(node, node.args[1] if len(node.args) > 1 else None)
        elif qualified in ("importlib.import_module", "__import__"):
            self._record_dynamic_import(node)
        elif qualified == "exec" and self.function_depth == 0:
            self.note(node, "exec() at module level: the names it binds are unknown")
        elif _is_globals_update(func):
            self.note(node, "names bound through globals() are unknown")
        elif isinstance(func, ast.Name) and qualified is None:
            self.name_calls.append((func.id, node, self.at_import_time))

        if self.at_import_time and any(
            is_globals_call(value) for value in (*node.args, *(k.value for k in node.keywords))
        ):
            # `lazy_import(globals(), ...)`: the callee may bind any name (or a __getattr__).
            self.note(node, "names bound through globals() are unknown")
        if self.at_import_time and id(node) not in self.handled_calls:
            self._record_effect(node, qualified)
        self.generic_visit(node)



def _is_globals_update(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute) and func.attr == "update" and is_globals_call(func.value)
    )
