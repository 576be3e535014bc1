"""One pass over a module's `ast` that fills its `ModuleFacts`.

Built on the standard library's `ast` rather than libcst on purpose: these tables are needed for
every file a lint run touches, and `ast.parse` is about ten times faster than a libcst parse (and
libcst's qualified-name metadata costs another eight to ten parses).  libcst is kept for the few
files that must be rewritten.

Function bodies are walked statement by statement (for their imports and `global` names) unless
the text mentions the environment or a dynamic import, in which case expressions inside them
matter too; module-level code is always walked in full.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

from harness.analysis.model import (
    EffectKind,
    EnvRead,
    EnvUse,
    ImportBinding,
    ModuleFacts,
    SideEffect,
    Unknowable,
)
from harness.analysis.packages import is_stdlib
from harness.analysis.walk import FastVisitor

_BUILTINS = frozenset(dir(builtins))

_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"})
_ENV_SETDEFAULT = frozenset({"os.environ.setdefault"})
_ENV_MAPPINGS = frozenset({"os.environ", "os.environb"})
_DEEP_MARKERS = ("environ", "getenv", "import_module", "__import__")

_THREAD_FACTORIES = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "multiprocessing.Process",
        "multiprocessing.Pool",
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
    }
)
_THREAD_BASES = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process"})
_STARTED_AT_ONCE = frozenset({"_thread.start_new_thread", "_thread.start_new"})
_FILESYSTEM_CALLS = frozenset(
    {
        "open",
        "io.open",
        "os.makedirs",
        "os.mkdir",
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.replace",
        "os.rmdir",
        "os.chdir",
        "os.symlink",
        "shutil.rmtree",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "tempfile.mkdtemp",
        "tempfile.mkstemp",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryDirectory",
    }
)
_PATH_WRITERS = frozenset({"mkdir", "touch", "write_text", "write_bytes", "unlink", "rmdir"})
_LOGGING_CALLS = frozenset(
    {
        "logging.basicConfig",
        "logging.config.dictConfig",
        "logging.config.fileConfig",
        "logging.FileHandler",
        "logging.handlers.RotatingFileHandler",
        "logging.handlers.TimedRotatingFileHandler",
    }
)
_SIGNAL_CALLS = frozenset({"signal.signal", "signal.alarm", "signal.setitimer"})
_NETWORK_CALLS = frozenset(
    {
        "urllib.request.urlopen",
        "socket.socket",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    }
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_HTTP_LIBRARIES = frozenset({"requests", "httpx", "httpx2"})

# A third-party callable whose name says it builds a connection or client.  Anything else
# third-party called at import time is reported as a plain CALL.
_CLIENT_NAME = re.compile(
    r"(Client|Consumer|Producer|Session|Connection|Connector|Pool|Engine|Serializer|Deserializer"
    r"|Admin|Channel|Redis|Cluster|Publisher|Subscriber|Broker|Bucket|Resource|Socket|Database)$"
    r"|^(connect|create_engine|create_client|client|resource|from_url|StrictRedis)$"
)
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
class _Thread:
    effect_index: int
    assigned: tuple[str, ...]
    target: str
    started_line: int | None


@dataclass
class _Helper:
    """A module-level function that reads the variable named by one of its parameters."""

    key_index: int
    key_param: str
    required: bool
    has_default: bool
    default_index: int | None
    default_literal: str | None


class _Collector(FastVisitor):
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
        self.reads: list[_Read] = []
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

        # Facts about expressions seen from their parent before the expression itself is visited.
        self.assigned_by_node: dict[int, tuple[str, ...]] = {}
        self.conversion_by_node: dict[int, str] = {}
        self.none_breaking_nodes: set[int] = set()
        self.or_default_by_node: dict[int, str] = {}
        self.started_call_lines: dict[int, int] = {}
        self.handled_calls: set[int] = set()
        self.name_conversions: dict[str, set[str]] = {}
        self.none_breaking_names: set[str] = set()
        self.started_names: dict[str, int] = {}

        self.threads: list[_Thread] = []
        self.thread_classes: set[str] = set()
        self.client_vars: dict[str, str] = {}  # global bound to a client -> what built it
        self.path_vars: set[str] = set()
        self.helpers: dict[str, _Helper] = {}
        self.name_calls: list[tuple[str, ast.Call, bool]] = []

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
            if name in _BUILTINS and name not in self.definitions:
                return name
            return None
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

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

    def note(self, node: ast.AST, message: str) -> None:
        self.unknowable.append(Unknowable(node.lineno, self.col(node), message))  # type: ignore[attr-defined]

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
            qualified = self.qualify(base)
            if qualified in _THREAD_BASES or (
                isinstance(base, ast.Name) and base.id in self.thread_classes
            ):
                self.thread_classes.add(node.name)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.class_depth += 1
        try:
            for statement in node.body:
                self.visit(statement)
        finally:
            self.class_depth -= 1

    def visit_Global(self, node: ast.Global) -> None:
        # `global x` then `x = ...` in a function makes `x` a module attribute once it runs.
        if self.function_depth:
            self.definitions.update(node.names)

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
        self.guards.append(_tested_names(node.test))
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

    def visit_While(self, node: ast.While) -> None:
        if self.at_import_time and isinstance(node.test, ast.Constant) and node.test.value:
            self.effects.append(
                SideEffect(
                    EffectKind.LOOP,
                    "while True",
                    node.lineno,
                    self.col(node),
                    detail="the import never returns",
                )
            )
        self.generic_visit(node)

    # ----------------------------------------------------------------- bindings by assignment

    def visit_Assign(self, node: ast.Assign) -> None:
        names: list[str] = []
        for target in node.targets:
            names.extend(self.define_target(target))
            if not isinstance(target, (ast.Name, ast.Tuple, ast.List, ast.Starred)):
                if isinstance(target, ast.Subscript) and _is_globals_call(target.value):
                    self.note(target, "names bound through globals() are unknown")
                if isinstance(target, ast.Subscript) and self._is_own_module_entry(target):
                    self.note(target, _REPLACED)
                self.visit(target)
        if (
            self.function_depth == 0
            and isinstance(node.value, ast.Call)
            and any(_is_dunder_name(a) for a in node.value.args)
            and any("module" in name for name in names)
        ):
            # `old_module, new_module = recreate_module(__name__, ...)`: a lazy module that
            # replaces itself in sys.modules (celery, kombu) and grows attributes on demand.
            self.note(node, _REPLACED)
        self._note_assigned_value(node.value, tuple(names))
        self.visit(node.value)

    def _is_own_module_entry(self, target: ast.Subscript) -> bool:
        return self.qualify(target.value) == "sys.modules" and _is_dunder_name(target.slice)

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
        if not self.at_import_time or self.class_depth:
            return
        root = _root_name(value)
        if root is not None and root in self.client_vars and root not in names:
            built_by = self.client_vars[root]
            self.effects.append(
                SideEffect(
                    EffectKind.CLIENT,
                    built_by,
                    value.lineno,
                    self.col(value),
                    names,
                    detail=f"reached from {root}",
                    derived_from=root,
                )
            )
            for name in names:
                self.client_vars[name] = built_by
            if isinstance(value, ast.Call):
                self.handled_calls.add(id(value))
        if isinstance(value, ast.Call) and self.qualify(value.func) in (
            "pathlib.Path",
            "pathlib.PurePath",
        ):
            self.path_vars.update(names)

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
            if self.qualify(node.func) in _ENV_GETTERS:
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
        elif isinstance(node, ast.Call) and self.qualify(node.func) in _ENV_GETTERS:
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
            and self.qualify(first.func) in _ENV_GETTERS
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
            self.guards.append(_tested_names(value))
            pushed += 1
        del self.guards[len(self.guards) - pushed:]

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        self.guards.append(_tested_names(node.test))
        try:
            self.visit(node.body)
        finally:
            self.guards.pop()
        self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            if self.qualify(node.value) in _ENV_MAPPINGS:
                self._record_read(node, node.slice, required=True, default=None, has_default=False)
            else:
                self._mark_none_breaking(node.value)
        self.generic_visit(node)

    # ----------------------------------------------------------------- calls

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

        if qualified in _ENV_GETTERS:
            default_node = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
            self._record_env_call(node, default_node)
        elif qualified in _ENV_SETDEFAULT:
            self._record_env_call(node, node.args[1] if len(node.args) > 1 else None)
        elif qualified in ("importlib.import_module", "__import__"):
            self._record_dynamic_import(node)
        elif qualified == "exec" and self.function_depth == 0:
            self.note(node, "exec() at module level: the names it binds are unknown")
        elif _is_globals_update(func):
            self.note(node, "names bound through globals() are unknown")
        elif isinstance(func, ast.Name) and qualified is None:
            self.name_calls.append((func.id, node, self.at_import_time))

        if self.at_import_time and id(node) not in self.handled_calls:
            self._record_effect(node, qualified)
        self.generic_visit(node)

    def _record_env_call(self, node: ast.Call, default_node: ast.expr | None) -> None:
        key = node.args[0] if node.args else _keyword(node, "key")
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

    def _record_dynamic_import(self, node: ast.Call) -> None:
        argument = node.args[0] if node.args else _keyword(node, "name")
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names = self.assigned_by_node.get(id(node)) or ("",)
            self.imports.append(
                ImportBinding(
                    argument.value, None, names[0], node.lineno, self.col(node), self.at_import_time
                )
            )
        else:
            self.note(node, "dynamic import of a computed name: the module it loads is unknown")

    def _record_effect(self, node: ast.Call, qualified: str | None) -> None:
        assigned = self.assigned_by_node.get(id(node), ())
        line, col = node.lineno, self.col(node)
        func = node.func
        if qualified is None and isinstance(func, ast.Name) and func.id in self.thread_classes:
            qualified = func.id
            self._record_thread(node, qualified, f"{func.id}.run", assigned)
            return
        if qualified is None:
            if isinstance(func, ast.Attribute):
                root = _root_name(func.value)
                if root in self.client_vars and func.attr not in ("start", "join"):
                    self.effects.append(
                        SideEffect(
                            EffectKind.CALL,
                            f"{root}.{func.attr}",
                            line,
                            col,
                            assigned,
                            detail=f"on the client built as {self.client_vars[root]}",
                            derived_from=root,
                        )
                    )
                elif func.attr in _PATH_WRITERS and (
                    root in self.path_vars
                    or (
                        isinstance(func.value, ast.Call)
                        and self.qualify(func.value.func) in ("pathlib.Path", "pathlib.PurePath")
                    )
                ):
                    self.effects.append(
                        SideEffect(
                            EffectKind.FILESYSTEM, f"pathlib.Path.{func.attr}", line, col, assigned
                        )
                    )
            return
        if qualified in _THREAD_FACTORIES:
            if qualified == "threading.Timer":
                target = node.args[1] if len(node.args) > 1 else _keyword(node, "function")
            else:
                target = _keyword(node, "target")
            self._record_thread(node, qualified, _dotted(target), assigned)
        elif qualified in _STARTED_AT_ONCE:
            target = _dotted(node.args[0]) if node.args else ""
            self.effects.append(
                SideEffect(
                    EffectKind.THREAD,
                    qualified,
                    line,
                    col,
                    assigned,
                    detail=f"target={target}; started at line {line}",
                )
            )
        elif qualified in _NETWORK_CALLS or (
            qualified.split(".", 1)[0] in _HTTP_LIBRARIES
            and qualified.rsplit(".", 1)[-1] in _HTTP_VERBS
        ):
            self.effects.append(SideEffect(EffectKind.NETWORK, qualified, line, col, assigned))
        elif qualified in _FILESYSTEM_CALLS:
            self.effects.append(SideEffect(EffectKind.FILESYSTEM, qualified, line, col, assigned))
        elif qualified in _LOGGING_CALLS:
            self.effects.append(SideEffect(EffectKind.LOGGING, qualified, line, col, assigned))
        elif qualified in _SIGNAL_CALLS:
            self.effects.append(SideEffect(EffectKind.SIGNAL, qualified, line, col, assigned))
        elif self._is_third_party(qualified):
            kind = (
                EffectKind.CLIENT
                if _CLIENT_NAME.search(qualified.rsplit(".", 1)[-1])
                else EffectKind.CALL
            )
            self.effects.append(SideEffect(kind, qualified, line, col, assigned))
            if kind is EffectKind.CLIENT and not self.class_depth:
                for name in assigned:
                    self.client_vars[name] = qualified

    def _record_thread(
        self, node: ast.Call, qualified: str, target: str, assigned: tuple[str, ...]
    ) -> None:
        self.effects.append(
            SideEffect(EffectKind.THREAD, qualified, node.lineno, self.col(node), assigned)
        )
        self.threads.append(
            _Thread(len(self.effects) - 1, assigned, target, self.started_call_lines.get(id(node)))
        )

    def _is_third_party(self, qualified: str) -> bool:
        """`qualified` came through an import (or is a builtin): is it someone else's code?"""
        if qualified.startswith(".") or ("." not in qualified and qualified in _BUILTINS):
            return False
        top = qualified.split(".", 1)[0]
        return not (top == self.own_top or top in self.local_packages or is_stdlib(top))

    # ----------------------------------------------------------------- the result

    def facts(self, tree: ast.Module) -> ModuleFacts:
        self.visit(tree)
        self._resolve_helper_calls()
        self._finish_threads()
        reads = tuple(self._finish_read(read) for read in self.reads)
        return ModuleFacts(
            path=self.path,
            module_name=self.module_name,
            imports=tuple(self.imports),
            env_reads=reads,
            effects=tuple(self.effects),
            definitions=frozenset(self.definitions),
            unknowable=tuple(self.unknowable),
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

    def _finish_threads(self) -> None:
        for thread in self.threads:
            started = thread.started_line
            if started is None:
                started = next(
                    (self.started_names[n] for n in thread.assigned if n in self.started_names),
                    None,
                )
            effect = self.effects[thread.effect_index]
            state = f"started at line {started}" if started else "not started at import"
            self.effects[thread.effect_index] = SideEffect(
                effect.kind,
                effect.target,
                effect.line,
                effect.col,
                effect.assigned_to,
                detail=f"target={thread.target}; {state}",
            )

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


_REPLACED = "the module replaces itself in sys.modules: its attributes are unknown"


def _tested_names(test: ast.expr) -> set[str]:
    """Names a condition proves non-None when true: `X`, `X is not None`, `X and Y`."""
    if isinstance(test, ast.Name):
        return {test.id}
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return set().union(*(_tested_names(value) for value in test.values))
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.IsNot, ast.NotEq))
        and isinstance(test.left, ast.Name)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return {test.left.id}
    return set()


def _is_dunder_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__name__"


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


def _is_globals_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"
    )


def _is_globals_update(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute) and func.attr == "update" and _is_globals_call(func.value)
    )


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _dotted(node: ast.expr | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Lambda):
        return "<lambda>"
    return ""


def _root_name(node: ast.expr) -> str | None:
    """`client` for `client["db"]["coll"]`, `client.db`, `client.get_database("x")`."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None


def _single(names: tuple[str, ...] | None) -> str | None:
    return names[0] if names and len(names) == 1 else None


def collect(
    tree: ast.Module,
    text: str,
    path: str,
    module_name: str | None,
    local_packages: frozenset[str] = frozenset(),
) -> ModuleFacts:
    """Facts of a parsed module: the building block of `analyze_source` and the linter."""
    return _Collector(text, path, module_name, local_packages).facts(tree)
