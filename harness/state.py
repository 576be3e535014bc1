"""A legacy module's globals, put back as they were right after its import, before every test.

The module is imported once per session; its globals are the state a test must not inherit:

* every top-level name is rebound to the object it had after the import (a test that assigned
  `module.handler = ...` or a legacy `global counter; counter += 1`), names added since are
  removed;
* every dict, list, set, deque and bytearray reachable from a global through other such
  containers (and tuples) is refilled *in place* with the items it held after the import, so a
  reference held elsewhere (`app.config["STATE"]`, a closure) sees the fresh content;
* the instance attributes of objects whose class the module defines are put back too, and so
  is the state those classes hold themselves: a class-level container (a cache `seen = {}`
  shared by every instance) is refilled in place, a plain value (`Registry.count += 1`) rebound;
  an attribute added to a class later is left alone (SQLAlchemy adds backrefs at the first
  query);
* every `unittest.mock` object the module holds is *replaced* by a fresh one, never
  `reset_mock()`ed: a test that set `collection.find.return_value = [...]` replaced the child
  mock that `.find(...).sort(...)` needs, and `reset_mock()` does not bring it back (the
  shared-mock trap). Mocks derived from one another keep their relation: the fresh
  `collection` is still `fresh_client["db"]["collection"]`.

Objects of other types (clients, Flask apps) are kept as they are: their state belongs to the
fakes, which are reset by their own providers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

_CONTAINERS = (dict, list, set, deque, bytearray)
_ATOMS = (str, bytes, int, float, complex, bool, type(None), frozenset)


@dataclass
class _Container:
    obj: Any
    items: Any  # a shallow copy of the contents right after the import


@dataclass
class _MockSlot:
    holder: MutableMapping[str, Any]  # a module's __dict__, or sys.modules-like overlay
    key: str
    root: Any
    path: tuple[str, ...]  # attribute names and "()" (return_value) from the root
    plain: dict[str, Any]  # non-mock attributes set on it (a stub module's __path__, __name__)


class ModuleState:
    """Snapshot of `namespaces` (module dicts) taken at construction; `restore()` puts it back.

    `namespaces[0]` is the legacy module; the others are modules it brought in (siblings, fake
    modules) whose globals a test can reach through it. `extra_mock_holders` are further
    mappings whose mock values must follow a replacement (the overlay of `sys.modules` entries).
    """

    def __init__(
        self,
        namespaces: Iterable[MutableMapping[str, Any]],
        *,
        owner_module: str,
        extra_mock_holders: Iterable[MutableMapping[str, Any]] = (),
    ) -> None:
        self._namespaces = list(namespaces)
        self._bindings = [dict(namespace) for namespace in self._namespaces]
        self._containers: list[_Container] = []
        self._instances: list[tuple[Any, dict[str, Any]]] = []
        self._classes: list[tuple[type, dict[str, Any]]] = []  # (class, its plain values)
        seen: set[int] = set()
        for namespace in self._namespaces[:1]:  # containers and instances: the module's own
            for name, value in namespace.items():
                if not name.startswith("__"):
                    self._record(value, seen, owner_module)
        self._mocks = _find_mocks([*self._namespaces, *extra_mock_holders])

    @property
    def mock_count(self) -> int:
        return len(self._mocks)

    def restore(self) -> None:
        """Put the snapshot back (see the module docstring). Cost: proportional to the state."""
        if self._mocks:
            self._replace_mocks()
        for namespace, bindings in zip(self._namespaces, self._bindings):
            if len(namespace) != len(bindings) or any(
                namespace.get(name, _MISSING) is not value for name, value in bindings.items()
            ):
                for name in [n for n in namespace if n not in bindings]:
                    del namespace[name]
                namespace.update(bindings)
        for container in self._containers:
            _refill(container.obj, container.items)
        for instance, attributes in self._instances:
            current = instance.__dict__
            if current != attributes:
                current.clear()
                current.update(attributes)
        for cls, atoms in self._classes:
            current = vars(cls)
            for name, value in atoms.items():
                if current.get(name, _MISSING) is not value:
                    setattr(cls, name, value)

    def _record(self, value: Any, seen: set[int], owner_module: str) -> None:
        # By `type(value)`, never `isinstance` or an attribute of the value: a lazy object
        # (celery's task proxy, Django's LazyObject, werkzeug's LocalProxy) answers those by
        # resolving itself, which would run its setup here, after the import's environment.
        cls = type(value)
        if issubclass(cls, _ATOMS) or id(value) in seen:
            return
        if issubclass(cls, _CONTAINERS):
            seen.add(id(value))
            items = _shallow_copy(value)
            self._containers.append(_Container(value, items))
            for child in items.values() if isinstance(items, dict) else items:
                self._record(child, seen, owner_module)
        elif issubclass(cls, tuple):
            seen.add(id(value))
            for child in value:
                self._record(child, seen, owner_module)
        elif issubclass(cls, type):
            if value.__module__ == owner_module:  # a class the module defines
                seen.add(id(value))
                attributes = {n: v for n, v in vars(value).items() if not n.startswith("__")}
                # Its plain values rebound, its containers refilled (below); nothing else is
                # touched: a library may add to a class later (SQLAlchemy's backrefs, at the
                # first query), which must stay.
                atoms = {n: v for n, v in attributes.items() if issubclass(type(v), _ATOMS)}
                if atoms:
                    self._classes.append((value, atoms))
                for child in attributes.values():
                    self._record(child, seen, owner_module)
        elif getattr(cls, "__module__", None) == owner_module:
            try:
                attributes = object.__getattribute__(value, "__dict__")
            except (AttributeError, TypeError):  # a class with __slots__ only
                return
            if isinstance(attributes, dict):
                seen.add(id(value))
                self._instances.append((value, dict(attributes)))

    def _replace_mocks(self) -> None:
        fresh_roots: dict[int, Any] = {}
        for slot in self._mocks:
            root = fresh_roots.get(id(slot.root))
            if root is None:
                root = fresh_roots[id(slot.root)] = _fresh_like(slot.root)
            value = _follow(root, slot.path)
            for name, attribute in slot.plain.items():
                setattr(value, name, attribute)
            slot.holder[slot.key] = value
        # The replacements are what the next restore must bind, and the roots to start from.
        for slot in self._mocks:
            slot.root = fresh_roots[id(slot.root)]
        for namespace, bindings in zip(self._namespaces, self._bindings):
            for name, value in bindings.items():
                if _is_mock(value):
                    bindings[name] = namespace.get(name, value)


_MISSING = object()


def _shallow_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, set):
        return set(value)
    return list(value)


def _refill(target: Any, items: Any) -> None:
    if isinstance(target, dict):
        if target.keys() != items.keys() or any(target[k] is not v for k, v in items.items()):
            target.clear()
            target.update(items)
    elif isinstance(target, set):
        if target != items:
            target.clear()
            target.update(items)
    elif isinstance(target, deque):
        target.clear()
        target.extend(items)
    else:  # list, bytearray
        if len(target) != len(items) or any(a is not b for a, b in zip(target, items)):
            target[:] = items


_MOCK_CLASSES = ("AsyncMock", "MagicMock", "NonCallableMagicMock", "Mock", "NonCallableMock")


def _is_mock(value: Any) -> bool:
    # By the class's module, not isinstance: the mock may come from another copy of
    # unittest.mock than the one in sys.modules now (one imported inside a contract scope).
    # The harness's own mock classes (the stub level's) say so with `_harness_fresh_like`.
    cls = type(value)
    marked = getattr(cls, "_harness_fresh_like", None)
    if marked is not None:  # False: an object of the service's own class over a stubbed base
        return marked is True
    return cls.__module__ == "unittest.mock" and hasattr(cls, "_mock_add_spec")


def _find_mocks(holders: Iterable[MutableMapping[str, Any]]) -> list[_MockSlot]:
    slots = []
    for holder in holders:
        for key, value in holder.items():
            if _is_mock(value):
                root, path = _root_and_path(value)
                slots.append(_MockSlot(holder, key, root, path, _plain_attributes(value)))
    return slots


def _plain_attributes(mock: Any) -> dict[str, Any]:
    """Attributes given real values (not mocks, not the mock's own bookkeeping)."""
    return {
        name: value
        for name, value in vars(mock).items()
        if not name.startswith(("_mock_", "_spec_"))
        and name != "method_calls"
        and not _is_mock(value)
    }


def _root_and_path(mock: Any) -> tuple[Any, tuple[str, ...]]:
    """The mock a child was derived from, and the steps from it: `client["db"]` is
    (client, ("__getitem__", "()"))."""
    steps: list[str] = []
    node = mock
    while True:
        parent = node._mock_new_parent
        if parent is None:
            return node, tuple(reversed(steps))
        steps.append(node._mock_new_name)
        node = parent


def _follow(root: Any, path: tuple[str, ...]) -> Any:
    node = root
    for step in path:
        node = node.return_value if step == "()" else getattr(node, step)
    return node


def _fresh_like(root: Any) -> Any:
    """A new, unconfigured mock of the same class, name and spec as `root`."""
    cls = (
        type(root)
        if getattr(type(root), "_harness_fresh_like", False) is True
        else next(
            c
            for c in type(root).__mro__
            if c.__name__ in _MOCK_CLASSES and c.__module__ == "unittest.mock"
        )
    )
    kwargs: dict[str, Any] = {"name": root._mock_name}
    spec = root._spec_class if root._spec_class is not None else root._mock_methods
    if spec is not None:
        kwargs["spec_set" if root._spec_set else "spec"] = spec
    return cls(**kwargs)
