"""The records a test module or conftest yields: patches, fakes, env set, imports, mock state,
functions (fixtures and tests), each with *when* it is in effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

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
    shared_scope: bool = False  # a fixture living longer than one test (`scope="module"`...)


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

