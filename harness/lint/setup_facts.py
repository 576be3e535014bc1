"""What a test module or conftest does to prepare the code under test, read from its `ast`.

The linter compares these records with the `ModuleFacts` of the modules under test: the patch
targets, the `sys.modules` fakes, the environment set, the thread patches, and where the code
under test gets imported, each with *when* it is in effect (its scope and, for `with` blocks and
decorators, the lines it covers).  Like the analysis tables, this never imports what it reads.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from harness.analysis.walk import FastVisitor
from harness.lint.paths import PathEvaluator

_MOCKER_NAMES = frozenset(
    {"mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker"}
)
_MONKEYPATCH_NAMES = frozenset({"monkeypatch", "mp", "mpatch"})
_PATCH_FUNCTIONS = frozenset({"unittest.mock.patch", "mock.patch"})
_MOCK_FACTORIES = frozenset(
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
_BY_PATH_LOADERS = frozenset(
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
_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


# The records below are named tuples rather than dataclasses: a large suite has tens of
# thousands of them, and they travel between processes and into the cache, where tuples pickle
# about twice as fast.


class Where(NamedTuple):
    """When a statement is in effect: its scope, its position, and the lines it covers.

    `scope` is None for module-level code, else the qualified name of the function it runs in
    (`"TestX.test_y"`), or `"TestX.*"` for a class decorator.  `active` is None when the setup
    stays in effect until the end of its scope (a started patcher, `monkeypatch`, a plain
    assignment), or the `(first, last)` lines of a `with` block or decorated function.
    """

    scope: str | None
    line: int
    col: int
    active: tuple[int, int] | None = None
    persistent: bool = False  # a direct mutation of global state, never undone


class Literal(NamedTuple):
    """Position of a string literal that an autofix may rewrite (1-based line and column)."""

    line: int
    col: int
    end_line: int
    end_col: int


class PatchCall(NamedTuple):
    """`patch("a.b")`, `patch.object(a, "b")`, `mocker.patch`, `monkeypatch.setattr`, …"""

    target: str | None  # dotted target; for object forms `<object>.<attribute>` when resolvable
    how: str  # "patch", "patch.object", "mocker.patch", "monkeypatch.setattr", "assign"
    obj: str | None  # the object expression of patch.object / setattr(obj, name) (dotted)
    attribute: str | None
    create: bool
    where: Where
    literal: Literal | None = None  # the target string, when the target is one literal


class ModuleFake(NamedTuple):
    module: str
    how: str
    where: Where


class EnvSet(NamedTuple):
    name: str
    how: str
    where: Where


class ImportEvent(NamedTuple):
    """A place where code under test may get imported (and so run its import-time code)."""

    module: str | None  # dotted name imported (import statement, import_module)
    path: str | None  # file loaded by path (spec_from_file_location, a service path constant)
    alias: str | None  # the module name it is loaded under, when given
    names: tuple[str, ...]  # names taken by `from module import a, b`
    how: str  # "import", "from", "import_module", "path", "plugin"
    where: Where
    # For a file path handed to a function of the test suite (`load_by_path(NAME, PATH)`): that
    # function's name; the event counts only if the function itself loads by path.
    via: str | None = None


class ReturnValueSet(NamedTuple):
    """`root.find.return_value = [...]`: chain is "root.find", kind what replaced the mock."""

    chain: str
    kind: str
    where: Where


class ResetMock(NamedTuple):
    chain: str
    where: Where
    return_value: bool = False  # reset_mock(return_value=True) does reset replaced values


class Function(NamedTuple):
    qualname: str
    name: str  # the fixture name (`@pytest.fixture(name=...)`) or the function name
    is_fixture: bool
    is_test: bool
    autouse: bool
    params: tuple[str, ...]
    calls: frozenset[str]
    line: int
    end_line: int
    loads_by_path: bool = False  # calls spec_from_file_location / run_path / SourceFileLoader


@dataclass(frozen=True)
class SetupFacts:
    path: str
    patches: tuple[PatchCall, ...] = ()
    fakes: tuple[ModuleFake, ...] = ()
    fakes_unknown: tuple[Where, ...] = ()  # sys.modules filled from something not visible
    env: tuple[EnvSet, ...] = ()
    env_unknown: tuple[Where, ...] = ()
    imports: tuple[ImportEvent, ...] = ()
    sys_path: tuple[tuple[str, Where], ...] = ()
    return_values: tuple[ReturnValueSet, ...] = ()
    resets: tuple[ResetMock, ...] = ()
    functions: tuple[Function, ...] = ()
    shared_names: frozenset[str] = frozenset()  # module-level mocks and imported names
    noqa: dict[int, frozenset[str] | None] = field(default_factory=dict)


class _SetupCollector(FastVisitor):
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
        self.monkeypatch_names = set(_MONKEYPATCH_NAMES)

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

    def dict_keys(self, node: ast.expr | None) -> tuple[str, ...] | None:
        """String keys of a dict literal (or of a module-level dict constant); None if unknown."""
        if isinstance(node, ast.Dict):
            keys = []
            for key in node.keys:
                text = self.string(key) if key is not None else None
                if text is None:
                    return None
                keys.append(text)
            return tuple(keys)
        if isinstance(node, ast.Name):
            return self.dict_constants.get(node.id)
        if isinstance(node, ast.Call) and self.qualify(node.func) == "dict" and not node.args:
            return tuple(k.arg for k in node.keywords if k.arg)
        return None

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
            if isinstance(value, ast.Call) and _is_monkeypatch_factory(self.qualify(value.func)):
                self.monkeypatch_names.add(target.id)
            return
        if isinstance(target, ast.Subscript):
            container = self.qualify(target.value)
            key = self.string(target.slice)
            if container == "sys.modules":
                if key is not None:
                    self.fakes.append(ModuleFake(key, "assign", self.where(node, persistent=True)))
                else:
                    self.fakes_unknown.append(self.where(node, persistent=True))
            elif container == "os.environ":
                if key is not None:
                    self.env.append(EnvSet(key, "assign", self.where(node, persistent=True)))
                else:
                    self.env_unknown.append(self.where(node, persistent=True))
            return
        if isinstance(target, ast.Attribute):
            if target.attr == "return_value":
                chain = _dotted(target.value)
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
                        _dotted(target.value),
                        target.attr,
                        True,
                        self.where(node, persistent=True),
                    )
                )

    def _module_constant(self, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.string_constants[name] = value.value
        if isinstance(value, (ast.Dict, ast.Call)):
            keys = self.dict_keys(value)
            if keys is not None or isinstance(value, ast.Dict):
                self.dict_constants[name] = keys
        if (
            isinstance(value, ast.Call)
            and (self.qualify(value.func) or "").rsplit(".", 1)[-1] in _MOCK_FACTORIES
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

    # ------------------------------------------------------------------ scopes

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualname = ".".join([*self.scopes_or_classes(), node.name])
        span = (node.lineno, node.end_lineno or node.lineno)
        is_fixture, autouse, fixture_name, used = False, False, node.name, []
        for decorator in node.decorator_list:
            name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
            if name.endswith("fixture"):
                is_fixture = True
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "autouse" and isinstance(keyword.value, ast.Constant):
                            autouse = bool(keyword.value.value)
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            fixture_name = str(keyword.value.value)
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
                if isinstance(expression, ast.Call) and _is_monkeypatch_factory(
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
        receiver = _dotted(func.value) if isinstance(func, ast.Attribute) else None
        head = receiver.split(".", 1)[0] if receiver else None

        if qualified in _PATCH_FUNCTIONS or (
            head in _MOCKER_NAMES and receiver == head and func.attr == "patch"
        ):  # type: ignore[union-attr]
            self._string_patch(node, "mocker.patch" if head in _MOCKER_NAMES else "patch")
        elif qualified.endswith(".object") and (
            qualified[: -len(".object")] in _PATCH_FUNCTIONS
            or (head in _MOCKER_NAMES and receiver == f"{head}.patch")
        ):
            self._object_patch(
                node,
                node.args[0] if node.args else None,
                node.args[1] if len(node.args) > 1 else None,
                "patch.object",
            )
        elif qualified.endswith(".dict") and (
            qualified[: -len(".dict")] in _PATCH_FUNCTIONS
            or (head in _MOCKER_NAMES and receiver == f"{head}.patch")
        ):
            self._patch_dict(node)
        elif qualified.endswith(".multiple") and qualified[: -len(".multiple")] in _PATCH_FUNCTIONS:
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
            chain = _dotted(func.value)
            if chain is not None:
                self.resets.append(ResetMock(chain, self.where(node), _flag(node, "return_value")))
        elif isinstance(func, ast.Attribute) and func.attr == "load" and node.args:
            name = self.string(node.args[0])
            if name is not None and head in ("legacy", "harness", "legacy_harness"):
                self.imports.append(ImportEvent(None, name, None, (), "plugin", self.where(node)))
        self._by_path_load(node, qualified)

    def _by_path_load(self, node: ast.Call, qualified: str) -> None:
        """A Python file path handed to a loader, or to a function of the suite that loads."""
        is_loader = qualified in _BY_PATH_LOADERS
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
                self.imports.append(
                    ImportEvent(None, path, alias, (), "path", self.where(node), via)
                )
                return

    def _string_patch(self, node: ast.Call, how: str) -> None:
        target_node = node.args[0] if node.args else _keyword(node, "target")
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
                _flag(node, "create"),
                self.where(node),
                literal,
            )
        )

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
        dotted = _dotted(obj)
        qualified = self.qualify(obj) if dotted else None
        target = f"{qualified}.{name}" if qualified else None
        self.patches.append(
            PatchCall(
                target,
                how,
                dotted,
                name,
                _flag(node, "create") if create is None else create,
                self.where(node),
            )
        )

    def _patch_dict(self, node: ast.Call) -> None:
        container = node.args[0] if node.args else _keyword(node, "in_dict")
        if container is None:
            return
        name = (
            self.string(container)
            if isinstance(container, ast.Constant)
            else self.qualify(container)
        )
        values = node.args[1] if len(node.args) > 1 else _keyword(node, "values")
        extra = [
            k.arg for k in node.keywords if k.arg and k.arg not in ("values", "clear", "in_dict")
        ]
        keys = self.dict_keys(values) if values is not None else ()
        where = self.where(node)
        if name == "sys.modules":
            if keys is None:
                self.fakes_unknown.append(where)
            for key in (*(keys or ()), *extra):
                self.fakes.append(ModuleFake(key, "patch.dict", where))
        elif name == "os.environ":
            if keys is None:
                self.env_unknown.append(where)
            for key in (*(keys or ()), *extra):
                self.env.append(EnvSet(key, "patch.dict", where))

    def _mapping_call(self, node: ast.Call, method: str, *, fakes: bool) -> None:
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

    def _monkeypatch(self, node: ast.Call, method: str) -> None:
        where = self.where(node)
        args = node.args
        if method in ("setattr", "delattr"):
            raising = _keyword(node, "raising")
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

    # ------------------------------------------------------------------ result

    def facts(self, tree: ast.Module) -> SetupFacts:
        self.visit(tree)
        return SetupFacts(
            path=self.path,
            patches=tuple(self.patches),
            fakes=tuple(self.fakes),
            fakes_unknown=tuple(self.fakes_unknown),
            env=tuple(self.env),
            env_unknown=tuple(self.env_unknown),
            imports=tuple(self.imports),
            sys_path=tuple(self.sys_path),
            return_values=tuple(self.return_values),
            resets=tuple(self.resets),
            functions=self._functions_worth_keeping(),
            shared_names=frozenset(self.shared_names),
            noqa=noqa_lines(self.text),
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


def _is_monkeypatch_factory(qualified: str | None) -> bool:
    return bool(qualified) and qualified.endswith(("MonkeyPatch", "MonkeyPatch.context"))  # type: ignore[union-attr]


def _walk_body(body: list[ast.stmt]):
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            yield node


def _flag(node: ast.Call, name: str) -> bool:
    value = _keyword(node, name)
    return isinstance(value, ast.Constant) and bool(value.value)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def noqa_lines(text: str) -> dict[int, frozenset[str] | None]:
    """`# noqa` comments by line: the codes they name, or None for a bare `# noqa` (every code)."""
    if "noqa" not in text and "NOQA" not in text:
        return {}
    found: dict[int, frozenset[str] | None] = {}
    for match in _NOQA.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        codes = match.group("codes")
        found[line] = (
            frozenset(code.upper() for code in re.split(r"[\s,]+", codes) if code)
            if codes
            else None
        )
    return found


def collect_setup(tree: ast.Module, text: str, path: str) -> SetupFacts:
    """Setup facts of a parsed test module or conftest."""
    return _SetupCollector(text, path).facts(tree)
