"""What a scope does to `sys.modules`: the service's world goes after it, the toolkit stays, and
an import gets the one copy of a module."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from harness.modules import FakeTreeFinder, ModulesSnapshot


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


def test_a_package_its_own_decision_imported_is_the_module_the_import_gets(
    tmp_path, monkeypatch
) -> None:
    # A provider that leaves a package real may import it while deciding (to patch it): the
    # import that asked must get that module, not a second run of its `__init__` into a new
    # object without the submodules the decision loaded.
    package = tmp_path / "decided_real_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "client.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    loaded: list[ModuleType] = []

    def decide(top: str) -> None:
        importlib.import_module(f"{top}.client")
        loaded.append(sys.modules[top])
        return None  # the real package stays

    finder = FakeTreeFinder({}, decide=decide, watches=["decided_real_pkg"])
    finder.hide_real_modules(adopt=lambda modules: None)
    sys.meta_path.insert(0, finder)
    try:
        imported = importlib.import_module("decided_real_pkg")
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.partition(".")[0] == "decided_real_pkg"]:
            del sys.modules[name]

    assert imported is loaded[0]
    assert imported.client.VALUE == 1
    assert imported.__spec__.origin == str(package / "__init__.py")
