"""What the ordered import contract gives back: a snapshot of the process-wide state an import
or a test can change, its restore, and the check that the restore left nothing different.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from harness.modules import ModulesSnapshot

# Attributes of `threading` that others legitimately swap while a test runs (pytest's
# thread-exception plugin sets `excepthook` per test phase; coverage sets the trace hook).
_THREADING_UNCHECKED = frozenset({"excepthook", "_trace_hook", "_profile_hook", "__excepthook__"})
# pytest sets it for each phase of a test; a scope opened in one phase ends in another.
_ENVIRON_UNCHECKED = frozenset({"PYTEST_CURRENT_TEST"})


@dataclass
class ProcessSnapshot:
    """Everything the contract touches, as it was when a scope began."""

    modules: ModulesSnapshot
    environ: dict[str, str]
    path: list[str]
    meta_path: list[Any]
    threading_attrs: dict[str, Any]
    cwd: str

    @classmethod
    def take(cls) -> ProcessSnapshot:
        return cls(
            modules=ModulesSnapshot.take(),
            environ=environ_now(),
            path=list(sys.path),
            meta_path=list(sys.meta_path),
            threading_attrs=_threading_attrs(),
            cwd=os.getcwd(),
        )

    def restore(self) -> None:
        self.modules.restore()
        current = os.environ
        for name in [n for n in current if n not in self.environ and n not in _ENVIRON_UNCHECKED]:
            del current[name]
        for name, value in self.environ.items():
            if current.get(name) != value:
                current[name] = value
        if sys.path != self.path:
            sys.path[:] = self.path
        if sys.meta_path != self.meta_path:
            sys.meta_path[:] = self.meta_path
        for name, value in self.threading_attrs.items():
            if getattr(threading, name, _MISSING) is not value:
                setattr(threading, name, value)
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)

    def differences(self) -> list[str]:
        """What differs from the snapshot now (empty when the process is as it was)."""
        found = self.modules.differences()
        environ = environ_now()
        if environ != self.environ:
            changed = sorted(set(environ.items()) ^ set(self.environ.items()))
            found.append("os.environ: " + ", ".join(sorted({name for name, _ in changed})))
        if sys.path != self.path:
            found.append("sys.path differs")
        if sys.meta_path != self.meta_path:
            found.append("sys.meta_path differs")
        attrs = _threading_attrs()
        if attrs != self.threading_attrs:
            names = sorted(
                n
                for n in attrs.keys() | self.threading_attrs.keys()
                if attrs.get(n) is not self.threading_attrs.get(n)
            )
            found.append("threading: " + ", ".join(names))
        if os.getcwd() != self.cwd:
            found.append(f"working directory is {os.getcwd()}, was {self.cwd}")
        return found


_MISSING = object()


def environ_now() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _ENVIRON_UNCHECKED}


def _threading_attrs() -> dict[str, Any]:
    return {k: v for k, v in vars(threading).items() if k not in _THREADING_UNCHECKED}
