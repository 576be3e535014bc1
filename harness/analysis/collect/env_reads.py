"""Environment reads: which variables a module reads, with what default, and how the value is
used (converted to int, compared to a boolean word, tested against None...)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from harness.analysis.collect.scopes import (
    ENV_PRESENT,
    ScopeWalker,
    keyword,
    tested_names,
)
from harness.analysis.model import EnvRead, EnvUse

ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"})
ENV_SETDEFAULT = frozenset({"os.environ.setdefault"})
_ENV_MAPPINGS = frozenset({"os.environ", "os.environb"})
_BOOL_WORDS = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off", "y", "n"})
_STRING_METHODS = frozenset({"lower", "upper", "strip", "casefold", "lstrip", "rstrip"})


@dataclass
class _Read:
    """An environment read while the pass is still learning how its value is used."""

    name: str
    line: int
    col: int
    required: bool
    default: str | None
    has_default: bool
    at_import_time: bool
    assigned: str | None = None
    none_breaks: bool = False
    conversions: set[str] = field(default_factory=set)



@dataclass
class _Helper:
    """A module-level function that reads the variable named by one of its parameters."""

    key_index: int
    key_param: str
    required: bool
    has_default: bool
    default_index: int | None
    default_literal: str | None



class EnvReadsMixin(ScopeWalker):
    def _start_env_reads(self) -> None:
        self.reads: list[_Read] = []
        self.conversion_by_node: dict[int, str] = {}
        self.none_breaking_nodes: set[int] = set()
        self.or_default_by_node: dict[int, str] = {}
        self.name_conversions: dict[str, set[str]] = {}
        self.none_breaking_names: set[str] = set()
        self.helpers: dict[str, _Helper] = {}
        self.name_calls: list[tuple[str, ast.Call, bool]] = []

    # ----------------------------------------------------------------- how values are used

    def _env_expression(self, node: ast.expr) -> ast.expr | None:
        """`node` itself if it is an environment read, after stripping `.lower()` and friends."""
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _STRING_METHODS
            and not node.args
        ):
            node = node.func.value
        if isinstance(node, ast.Call):
            if self.qualify(node.func) in ENV_GETTERS:
                return node
        elif isinstance(node, ast.Subscript):
            if self.qualify(node.value) in _ENV_MAPPINGS:
                return node
        elif isinstance(node, ast.Name):
            return node
        return None

    def _mark_conversion(self, node: ast.expr, use: str) -> None:
        target = self._env_expression(node)
        if isinstance(target, ast.Name):
            self.name_conversions.setdefault(target.id, set()).add(use)
        elif target is not None:
            self.conversion_by_node[id(target)] = use

    def _mark_none_breaking(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            if not any(node.id in guarded for guarded in self.guards):
                self.none_breaking_names.add(node.id)
        elif isinstance(node, ast.Call) and self.qualify(node.func) in ENV_GETTERS:
            self.none_breaking_nodes.add(id(node))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._mark_none_breaking(node.left)
        if not isinstance(node.op, ast.Mod):  # "%s" % None is fine
            self._mark_none_breaking(node.right)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self._mark_none_breaking(node.value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                self._mark_none_breaking(right)
            elif isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                for operand in operands:
                    self._mark_none_breaking(operand)
        if any(
            isinstance(o, ast.Constant)
            and isinstance(o.value, str)
            and o.value.lower() in _BOOL_WORDS
            for o in operands
        ) or any(
            isinstance(o, (ast.Tuple, ast.List, ast.Set))
            and o.elts
            and all(
                isinstance(e, ast.Constant) and str(e.value).lower() in _BOOL_WORDS for e in o.elts
            )
            for o in node.comparators
        ):
            for operand in operands:
                self._mark_conversion(operand, "bool")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        first, last = node.values[0], node.values[-1]
        if (
            isinstance(node.op, ast.Or)
            and isinstance(first, ast.Call)
            and self.qualify(first.func) in ENV_GETTERS
            and isinstance(last, ast.Constant)
            and last.value is not None
        ):
            self.or_default_by_node[id(first)] = str(last.value)
        if not isinstance(node.op, ast.And):
            self.generic_visit(node)
            return
        # `TERM and TERM.startswith("screen")`: each operand runs only if the previous ones
        # were true, so a name tested before cannot be None after.
        pushed = 0
        for value in node.values:
            self.visit(value)
            self.guards.append(tested_names(value))
            pushed += 1
        del self.guards[len(self.guards) - pushed:]

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        self.guards.append(tested_names(node.test))
        try:
            self.visit(node.body)
        finally:
            self.guards.pop()
        self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            if self.qualify(node.value) in _ENV_MAPPINGS:
                key = node.slice
                present = (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and any(ENV_PRESENT + key.value in guarded for guarded in self.guards)
                )
                # `os.environ["K"] if "K" in os.environ else ...` cannot raise: not required.
                self._record_read(
                    node, key, required=not present, default=None, has_default=present
                )
            else:
                self._mark_none_breaking(node.value)
        self.generic_visit(node)


    def _record_env_call(self, node: ast.Call, default_node: ast.expr | None) -> None:
        key = node.args[0] if node.args else keyword(node, "key")
        has_default = default_node is not None and not (
            isinstance(default_node, ast.Constant) and default_node.value is None
        )
        default = None
        if isinstance(default_node, ast.Constant) and default_node.value is not None:
            default = str(default_node.value)
        if id(node) in self.or_default_by_node:
            default, has_default = self.or_default_by_node[id(node)], True
        if key is not None:
            self._record_read(node, key, required=False, default=default, has_default=has_default)

    def _record_read(
        self,
        node: ast.expr,
        key: ast.expr,
        *,
        required: bool,
        default: str | None,
        has_default: bool,
    ) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            read = _Read(
                key.value,
                node.lineno,
                self.col(node),
                required,
                default,
                has_default,
                self.at_import_time,
                assigned=_single(self.assigned_by_node.get(id(node))),
            )
            if id(node) in self.none_breaking_nodes:
                read.none_breaks = True
            if id(node) in self.conversion_by_node:
                read.conversions.add(self.conversion_by_node[id(node)])
            self.reads.append(read)
            return
        helper = self._helper_for(key, required, has_default, default, node)
        if helper is not None:
            function = self.function_stack[-1].name
            self.helpers[function] = helper
            self.note(
                node,
                f"environment read through {function}(): only calls with a literal "
                f"{helper.key_param!r} are resolved",
            )
        else:
            self.note(node, "environment variable with a computed name: which one is unknown")

    def _helper_for(
        self,
        key: ast.expr,
        required: bool,
        has_default: bool,
        default: str | None,
        node: ast.expr,
    ) -> _Helper | None:
        if len(self.function_stack) != 1 or not isinstance(key, ast.Name):
            return None
        params = [
            a.arg
            for a in (*self.function_stack[0].args.posonlyargs, *self.function_stack[0].args.args)
        ]
        if key.id not in params:
            return None
        default_index = None
        default_literal = default
        if isinstance(node, ast.Call) and len(node.args) > 1 and isinstance(node.args[1], ast.Name):
            name = node.args[1].id
            if name in params:
                default_index = params.index(name)
                arguments = self.function_stack[0].args
                defaults = dict(
                    zip(params[len(params) - len(arguments.defaults) :], arguments.defaults)
                )
                fallback = defaults.get(name)
                has_default = not (isinstance(fallback, ast.Constant) and fallback.value is None)
                default_literal = (
                    str(fallback.value)
                    if isinstance(fallback, ast.Constant) and fallback.value is not None
                    else None
                )
        return _Helper(
            params.index(key.id), key.id, required, has_default, default_index, default_literal
        )


    def _resolve_helper_calls(self) -> None:
        for name, call, at_import_time in self.name_calls:
            helper = self.helpers.get(name)
            if helper is None or len(call.args) <= helper.key_index:
                continue
            key = call.args[helper.key_index]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            default, has_default = helper.default_literal, helper.has_default
            if helper.default_index is not None and len(call.args) > helper.default_index:
                given = call.args[helper.default_index]
                has_default = not (isinstance(given, ast.Constant) and given.value is None)
                default = (
                    str(given.value) if isinstance(given, ast.Constant) and has_default else None
                )
            read = _Read(
                key.value,
                call.lineno,
                self.col(call),
                helper.required,
                default,
                has_default,
                at_import_time,
                assigned=_single(self.assigned_by_node.get(id(call))),
            )
            if id(call) in self.conversion_by_node:
                read.conversions.add(self.conversion_by_node[id(call)])
            self.reads.append(read)
        self.reads.sort(key=lambda read: (read.line, read.col))


    def _finish_read(self, read: _Read) -> EnvRead:
        conversions = set(read.conversions)
        none_breaks = read.none_breaks
        if read.assigned:
            conversions |= self.name_conversions.get(read.assigned, set())
            none_breaks = none_breaks or read.assigned in self.none_breaking_names
        if "int" in conversions or "float" in conversions:
            none_breaks = True
        none_breaks = none_breaks and not read.required and not read.has_default
        return EnvRead(
            name=read.name,
            line=read.line,
            col=read.col,
            required=read.required,
            default=read.default,
            none_breaks=none_breaks,
            use=_use_for(read.name, read.default, conversions),
            at_import_time=read.at_import_time,
        )


def _use_for(name: str, default: str | None, conversions: set[str]) -> EnvUse:
    upper = name.upper()
    if "float" in conversions:
        return EnvUse.FLOAT
    if upper == "PORT" or upper.endswith("_PORT"):
        return EnvUse.PORT
    if "int" in conversions:
        return EnvUse.INT
    if "bool" in conversions:
        return EnvUse.BOOL
    if (
        "url" in conversions
        or upper in ("URL", "URI")
        or upper.endswith(("_URL", "_URI", "_URLS", "_ENDPOINT", "_DSN"))
        or (default is not None and "://" in default)
    ):
        return EnvUse.URL
    if upper in ("HOST", "IP") or upper.endswith(
        ("_HOST", "_HOSTS", "_IP", "_HOSTNAME", "_ADDR", "_ADDRESS", "_SERVER", "_SERVERS")
    ):
        return EnvUse.HOST
    return EnvUse.TEXT



def _single(names: tuple[str, ...] | None) -> str | None:
    return names[0] if names and len(names) == 1 else None

