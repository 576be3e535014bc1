"""The `stub` level: `MagicMock` package trees for any top-level package name.

This is the conftest workaround of putting `MagicMock()` objects in `sys.modules`, made
consistent: every dotted name under the top-level package is served, and a submodule is the
very attribute of its parent (`tree.module("a").b is tree.module("a.b")`), so
`import a.b`, `from a.b import C` and `a.b.C` in the code under test all reach the same mock.
Each mock is named after its path (`<MagicMock name='confluent_kafka.Producer()' ...>`), which
makes assertion messages readable.

A stub has no behaviour: a consumer loop over a stubbed client sees `MagicMock`s, never a
message, and never stops by itself. Use the `fake` level to run such loops.

One exception to "everything is a mock": a name that reads as an exception class
(`OperationalError`, `KafkaException`, `Error`, `DataWarning`) is a real class, made once per
name and place: a `...Warning` derives from `Warning`, any other `...Error` from the package's
own `Error` (the DB-API's shape, PEP 249), the rest from `Exception`. Code around a stubbed client names
them in `except` clauses (`except psycopg2.OperationalError:`, SQLAlchemy's dialects catching
`dbapi.Error`), where a `MagicMock` is a `TypeError: catching classes that do not inherit from
BaseException is not allowed`, raised only when something fails, far from the cause.
"""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import MagicMock

from harness.fakes.tree import FIDELITY_ATTRIBUTE, ModuleTree
from harness.fidelity import Fidelity

LEVEL = Fidelity.STUB


_EXCEPTION_NAME = re.compile(r"^(?:[A-Z]\w*)?(?:Error|Exception|Warning)$")


class _StubMock(MagicMock):
    """A `MagicMock` whose attributes named like exception classes are exception classes."""

    _harness_fresh_like = True  # harness.state replaces it per test by one of this class

    def __getattr__(self, name: str) -> Any:  # a mock's attribute is anything
        if _EXCEPTION_NAME.match(name):
            made = type(name, (self._exception_base(name),), {"__module__": self._extract_mock_name()})
            setattr(self, name, made)
            return made
        return super().__getattr__(name)

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        """As a base class (`class Settings(BaseModel):` over a stubbed pydantic): a real class
        of its name whose instances are mocks (keyword arguments become attributes). Subclassing
        the mock itself would make the derived class a mock too, and two stubbed bases (each
        mock has a class of its own) a metaclass conflict."""
        made = self.__dict__.get("_harness_base")
        if made is None:
            path = self._extract_mock_name()
            made = type(path.rpartition(".")[2], (_StubBase,), {"__module__": path.rpartition(".")[0]})
            self.__dict__["_harness_base"] = made
        return (made,)

    def _exception_base(self, name: str) -> type[BaseException]:
        """`Warning` for a warning; for any other `...Error`, the package's own `Error` (the
        DB-API's shape, PEP 249: `except psycopg2.Error` catches `OperationalError`); else
        `Exception`."""
        if name.endswith("Warning"):
            return Warning
        if name == "Error" or not name.endswith("Error"):
            return Exception
        root = self
        while root._mock_new_parent is not None:
            root = root._mock_new_parent
        return root.Error


class _StubBase(MagicMock):
    """The base of a class the service derives from a stubbed one (see `__mro_entries__`): its
    instances are the service's own objects, which `harness.state` keeps (not mocks to replace
    by fresh ones per test)."""

    _harness_fresh_like = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The stubbed class's own arguments (`super().__init__(uri, connect=False)` in a class
        # derived from a stubbed client): a mock would take the first as its spec.
        super().__init__(**kwargs)

    def _get_child_mock(self, **kwargs: Any) -> MagicMock:
        # Its attributes and results are plain stub mocks: mock builds them as `type(self)(...)`,
        # which would call the derived class's own `__init__`.
        return _StubMock(**kwargs)


# Shown as what it is to the code and the test: a MagicMock (`<MagicMock name='psycopg2.connect()'
# ...>`, `type(x).__name__`); `isinstance(x, MagicMock)` holds as for any subclass.
_StubMock.__name__ = _StubMock.__qualname__ = "MagicMock"


class StubTree(ModuleTree):
    """Serves a `MagicMock` module for `top_level` and any dotted name below it."""

    def __init__(self, top_level: str) -> None:
        super().__init__(top_level, LEVEL, {})
        self._root = _StubMock(name=top_level)
        _as_module(self._root, top_level)
        self._modules[top_level] = self._root  # type: ignore[assignment]

    def names(self) -> frozenset[str]:
        """The names served so far (any other name under the package is served on request)."""
        return frozenset(self._modules)

    def serves(self, name: str) -> bool:
        return name == self.top_level or name.startswith(self.top_level + ".")

    def module(self, name: str) -> MagicMock:  # type: ignore[override]
        if not self.serves(name):
            raise KeyError(f"the stub of {self.top_level!r} does not serve {name!r}")
        if name in self._modules:
            return self._modules[name]  # type: ignore[return-value]
        parent_name, _, child = name.rpartition(".")
        child_mock = getattr(self.module(parent_name), child)
        _as_module(child_mock, name)
        self._modules[name] = child_mock  # type: ignore[assignment]
        return child_mock

    __getitem__ = module  # type: ignore[assignment]


def _as_module(mock: MagicMock, name: str) -> None:
    """Give a mock the attributes the import system reads from a package."""
    mock.__name__ = name
    mock.__path__ = []  # a package, so `import name.sub` asks the finder for `sub`
    mock.__file__ = f"<harness stub of {name}>"
    mock.__all__ = []  # `from name import *` binds nothing rather than mock internals
    setattr(mock, FIDELITY_ATTRIBUTE, LEVEL)


def build_tree(top_level: str) -> StubTree:
    return StubTree(top_level)
