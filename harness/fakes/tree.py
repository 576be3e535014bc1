"""Module trees (what a fake serves in place of a real package) and the log of clients built.

A `ModuleTree` maps full dotted module names to module objects built by a provider for one
state (`harness.fakes.backends.Backends`). The plugin's meta-path finder asks it
`tree.serves(name)` and `tree.module(name)`; nothing here touches `sys.modules`. A subtree may
be built on first request instead (`lazy`: the legacy `confluent_kafka.avro`, the real
package's own code run over the fake, which only the services importing it should pay for).

`ClientLog` records every client a fake builds (library, class, configuration, and the file and
line of the code that built it, outside the fakes and the import machinery), so that the import
of a legacy module can report "DeserializingConsumer built at current.py:42".
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.fidelity import Fidelity

FIDELITY_ATTRIBUTE = "__harness_fidelity__"

_FAKES_DIR = os.path.dirname(os.path.abspath(__file__))


# Builds a subtree on first request: its modules by full dotted name (`harness.modules.NotServed`
# when it cannot be built here).
SubtreeBuilder = Callable[[], Mapping[str, types.ModuleType]]


class ModuleTree:
    """A set of module objects for one top-level package, linked parent to child.

    `lazy`: subtrees built on first request, by the name of their root package (every name at
    or under that root is asked of its builder, once)."""

    def __init__(
        self,
        top_level: str,
        level: Fidelity,
        modules: Mapping[str, types.ModuleType],
        *,
        lazy: Mapping[str, SubtreeBuilder] | None = None,
    ) -> None:
        for name in [*modules, *(lazy or {})]:
            if name != top_level and not name.startswith(top_level + "."):
                raise ValueError(f"{name!r} is outside the {top_level!r} package")
        self.top_level = top_level
        self.level = level
        self._modules = dict(modules)
        self._lazy = dict(lazy or {})
        self._lock = threading.Lock()
        self._link(self._modules)

    def _link(self, modules: Mapping[str, types.ModuleType]) -> None:
        # A package's submodules are attributes of it, as after a real import of the package.
        for name, module in modules.items():
            parent, _, child = name.rpartition(".")
            if parent in self._modules and not hasattr(self._modules[parent], child):
                setattr(self._modules[parent], child, module)

    def names(self) -> frozenset[str]:
        """Every full dotted module name this tree serves (of a lazy subtree not built yet, its
        root)."""
        return frozenset(self._modules) | frozenset(self._lazy)

    def serves(self, name: str) -> bool:
        return name in self._modules or self._lazy_root(name) is not None

    def module(self, name: str) -> types.ModuleType:
        found = self._modules.get(name)
        if found is not None:
            return found
        root = self._lazy_root(name)
        if root is not None:
            self._build(root)
            found = self._modules.get(name)
            if found is not None:
                return found
        served = ", ".join(sorted(self._modules))
        raise KeyError(
            f"the {self.level} {self.top_level!r} fake has no module {name!r} "
            f"(it serves: {served})"
        )

    def _lazy_root(self, name: str) -> str | None:
        return next(
            (root for root in self._lazy if name == root or name.startswith(root + ".")), None
        )

    def _build(self, root: str) -> None:
        with self._lock:
            builder = self._lazy.get(root)
            if builder is None:  # built meanwhile
                return
            built = dict(builder())
            for name in built:
                if name != root and not name.startswith(root + "."):
                    raise ValueError(f"{name!r} is outside the lazy subtree {root!r}")
            self._modules.update(built)
            del self._lazy[root]
            self._link(built)

    __getitem__ = module
    __contains__ = serves

    def __repr__(self) -> str:
        return f"<ModuleTree {self.top_level} level={self.level} modules={len(self._modules)}>"


def new_module(
    name: str,
    attrs: Mapping[str, Any],
    *,
    package: bool,
    level: Fidelity,
    doc: str | None = None,
) -> types.ModuleType:
    """A fresh module object named `name`, holding `attrs`, marked with its fidelity level."""
    module = types.ModuleType(name, doc)
    module.__package__ = name if package else name.rpartition(".")[0]
    if package:
        module.__path__ = []  # a package: the import system asks the finder for submodules
    module.__file__ = f"<harness {level} fake of {name}>"
    setattr(module, FIDELITY_ATTRIBUTE, level)
    for key, value in attrs.items():
        setattr(module, key, value)
    if "__all__" not in attrs:
        module.__all__ = sorted(k for k in attrs if not k.startswith("_"))
    return module


def bind(cls: type, name: str, namespace: Mapping[str, Any], bases: Iterable[type] = ()) -> type:
    """A subclass of `cls` called `name` carrying `namespace` (the state it is bound to).

    This is how one class definition serves many module trees, each bound to its own state.
    """
    attrs = {"__module__": cls.__module__, "__qualname__": name, **namespace}
    return type(name, (cls, *bases), attrs)


@dataclass(frozen=True)
class ClientBuilt:
    """One client built by a fake: what, with which configuration, and where."""

    library: str
    cls: str
    config: Mapping[str, Any]
    file: str | None
    line: int | None
    detail: str = ""  # what the fake did with it (an engine's URL redirected to SQLite)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "<unknown>"

    def __str__(self) -> str:
        built = f"{self.library}.{self.cls} built at {self.location}"
        return f"{built}: {self.detail}" if self.detail else built


class ClientLog:
    """Every client built by the fakes bound to one state, in order. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[ClientBuilt] = []

    def record(
        self,
        library: str,
        cls: str,
        config: Mapping[str, Any] | None,
        *,
        skip: Callable[[str], bool] | None = None,
        detail: str = "",
    ) -> ClientBuilt:
        """Log one client; its location is the nearest caller outside the fakes (and outside
        the files `skip` names: a library calling the patched function on the service's
        behalf)."""
        file, line = caller_outside_fakes(skip)
        entry = ClientBuilt(library, cls, dict(config or {}), file, line, detail)
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[ClientBuilt]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def caller_outside_fakes(
    skip: Callable[[str], bool] | None = None,
) -> tuple[str | None, int | None]:
    """File and line of the nearest frame that is not in the fakes or the import machinery."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        internal = (
            os.path.dirname(os.path.abspath(filename)) == _FAKES_DIR
            or filename.startswith("<frozen importlib")
            or (skip is not None and skip(filename))
        )
        if not internal:
            return filename, frame.f_lineno
        frame = frame.f_back
    return None, None
