"""What a scope does to `sys.modules`: the service's world goes after it, the toolkit stays, and
an import gets the one copy of a module."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from harness.modules import FakeTreeFinder, ModulesSnapshot, outside_scopes


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


def test_what_a_block_outside_the_scopes_builds_on_stays_after_them(
    tmp_path, monkeypatch
) -> None:
    # A backend built lazily inside a scope (moto's server, a Flask application) may use a
    # package the service imported first in that scope (Flask): that copy must outlive the scope
    # with the backend, or the backend's lazy imports find another copy later. Packages it does
    # not use are still taken back, and a name answered by a proxy that raises is passed over.
    for name, source in {
        "used_web_pkg": "class App:\n    pass\n",
        "unused_pkg": "",
        "lazy_backend": (
            "from used_web_pkg import App\n"
            "class Proxy:\n"
            "    def __getattribute__(self, name):\n"
            "        raise RuntimeError('working outside of a request')\n"
            "request = Proxy()\n"
        ),
    }.items():
        (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    adopted: dict[str, object] = {}
    finder = FakeTreeFinder({})
    finder.hide_real_modules(adopt=adopted.update)
    sys.meta_path.insert(0, finder)
    try:
        web = importlib.import_module("used_web_pkg")  # the service's import, in the scope
        unused = importlib.import_module("unused_pkg")
        with outside_scopes():
            backend = importlib.import_module("lazy_backend")
    finally:
        sys.meta_path.remove(finder)
        for name in ("used_web_pkg", "unused_pkg", "lazy_backend"):
            sys.modules.pop(name, None)

    assert adopted.get("lazy_backend") is backend
    assert adopted.get("used_web_pkg") is web
    assert unused.__name__ not in adopted
