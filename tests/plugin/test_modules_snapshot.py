"""What a scope's restore does to `sys.modules`: the service's world goes, the toolkit stays."""

from __future__ import annotations

import sys
from types import ModuleType

from harness.modules import ModulesSnapshot


def test_a_module_of_the_toolkit_imported_inside_a_scope_stays_after_the_restore() -> None:
    # A fake imported lazily during one service's test must stay the one copy: a second copy
    # built later has other classes (an enum member scripted by one copy is not `is` the
    # other's), and the fake silently stops answering as scripted.
    snapshot = ModulesSnapshot.take()
    toolkit = ModuleType("harness._imported_inside_a_scope")
    legacy = ModuleType("imported_inside_a_scope")
    sys.modules[toolkit.__name__] = toolkit
    sys.modules[legacy.__name__] = legacy
    try:
        snapshot.restore()

        assert sys.modules.get(toolkit.__name__) is toolkit
        assert legacy.__name__ not in sys.modules
        assert snapshot.differences() == []
    finally:
        sys.modules.pop(toolkit.__name__, None)
        sys.modules.pop(legacy.__name__, None)
