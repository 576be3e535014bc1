"""A real package's submodules without its `__init__`: what loads, and when the `__init__` runs."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.fakes.lazy_package import failing_at_once, without_init

INIT = '''
"""A client library whose __init__ gathers its whole client."""
from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["ASCENDING", "Client", "Error", "helper", "version"]

ASCENDING = 1
"""Ascending."""
NAMES = ("a", "b")

from lazypkg import light  # noqa: F401
from lazypkg._version import __version__
from lazypkg.errors import Error
from lazypkg.heavy import Client

version = __version__

if TYPE_CHECKING:
    from lazypkg.heavy import Other

def helper():
    return light.VALUE
'''

FILES = {
    "__init__.py": INIT,
    "_version.py": "__version__ = '1.2'\n",
    "errors.py": "class Error(Exception):\n    pass\n",
    "light.py": "VALUE = 'light'\n",
    "heavy.py": "from lazypkg.errors import Error\n\nclass Client:\n    error = Error\n",
    "unnamed.py": "from lazypkg import errors\nUSES = errors.Error\n",
    "costly.py": "LOADED = True\n",
    "tls.py": "import lazypkg.costly\nimport lazypkg_no_such_dependency\n",
    "tls_ok.py": "import lazypkg.costly\ntry:\n    import lazypkg_no_such_dependency\nexcept ImportError:\n    pass\n",
    # A line that looks like the first definition inside a string: the header alone cannot be
    # cut there.
    "tls_doc.py": 'import lazypkg.costly\nNOTE = """\ndef looks_like_code\n"""\n'
    "import lazypkg_no_such_dependency\n",
    # The missing package imported below a definition: not in the header read.
    "tls_late.py": "import lazypkg.costly\ndef f():\n    pass\nimport lazypkg_no_such_dependency\n",
}


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "lazypkg"
    root.mkdir()
    for name, source in FILES.items():
        (root / name).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [n for n in sys.modules if n == "lazypkg" or n.startswith("lazypkg.")]:
        del sys.modules[name]


def _loaded() -> set[str]:
    return {n.partition(".")[2] for n in sys.modules if n.startswith("lazypkg.")}


def test_submodules_load_alone_and_literals_need_nothing(package: Path) -> None:
    lazy = without_init("lazypkg")
    assert lazy is not None and sys.modules["lazypkg"] is lazy.module

    errors = importlib.import_module("lazypkg.errors")
    module = lazy.module

    assert _loaded() == {"errors"}
    assert (module.ASCENDING, module.NAMES, module.__all__[0]) == (
        1,
        ("a", "b"),
        "ASCENDING",
    )
    assert module.__doc__.strip().startswith("A client library")
    assert module.Error is errors.Error
    assert _loaded() == {"errors"}
    assert module.version == module.__version__ == "1.2"
    assert _loaded() == {"errors", "_version"}
    assert not lazy.completed


def test_a_submodule_not_named_by_the_init_is_imported_by_from_import(
    package: Path,
) -> None:
    lazy = without_init("lazypkg")
    assert lazy is not None

    unnamed = importlib.import_module("lazypkg.unnamed")

    assert unnamed.USES is sys.modules["lazypkg.errors"].Error
    assert not lazy.completed
    assert lazy.is_submodule("light") and not lazy.is_submodule("Error")


def test_a_name_only_the_init_defines_runs_it_once_keeping_the_loaded_objects(
    package: Path,
) -> None:
    lazy = without_init("lazypkg")
    assert lazy is not None
    error = importlib.import_module("lazypkg.errors").Error
    assert "helper" in lazy.needs_init and "Client" not in lazy.needs_init

    assert lazy.module.helper() == "light"

    assert lazy.completed
    assert _loaded() == {"errors", "_version", "light", "heavy"}
    assert lazy.module.Error is error and lazy.module.Client.error is error
    assert sys.modules["lazypkg"] is lazy.module
    with pytest.raises(AttributeError, match="has no attribute 'Other'"):
        lazy.module.Other  # noqa: B018  (bound only while type checking, as in the real one)


def test_an_unknown_name_fails_as_on_the_real_package_without_running_the_init(
    package: Path,
) -> None:
    lazy = without_init("lazypkg")
    assert lazy is not None

    with pytest.raises(
        AttributeError, match="module 'lazypkg' has no attribute 'nothing'"
    ):
        lazy.module.nothing  # noqa: B018

    assert not lazy.completed


def test_a_package_already_imported_is_left_as_it_is(package: Path) -> None:
    real = importlib.import_module("lazypkg")

    assert without_init("lazypkg") is None
    assert sys.modules["lazypkg"] is real
    assert without_init("json") is None  # imported, and not a package
    assert without_init("no_such_package_here") is None


def test_an_import_bound_to_fail_fails_before_importing_what_it_names_first(
    package: Path,
) -> None:
    with failing_at_once("lazypkg.tls", "lazypkg.tls_ok"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("lazypkg.tls")
        assert "costly" not in _loaded()
        importlib.import_module("lazypkg.tls_ok")  # its missing dependency is optional
    assert {"costly", "tls_ok"} <= _loaded() and "tls" not in _loaded()

    with pytest.raises(ModuleNotFoundError, match="lazypkg_no_such_dependency"):
        importlib.import_module(
            "lazypkg.tls"
        )  # outside the block: the real import, failing


@pytest.mark.parametrize(
    ("module", "fails_at_once"), [("tls_doc", True), ("tls_late", False)]
)
def test_only_the_header_of_a_module_bound_to_fail_is_read(
    package: Path, module: str, fails_at_once: bool
) -> None:
    with failing_at_once(f"lazypkg.{module}"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"lazypkg.{module}")
    # Failing at once, it failed before its first import; else the real import ran it up to
    # the missing package.
    assert ("costly" in _loaded()) is not fails_at_once


def test_a_star_importing_init_runs_for_a_name_it_may_bind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "starpkg"
    root.mkdir()
    (root / "__init__.py").write_text("from .parts import *\n__version__ = '2'\n")
    (root / "parts.py").write_text("__all__ = ['Part']\n\nclass Part:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        lazy = without_init("starpkg")
        assert lazy is not None and lazy.open_ended
        assert lazy.module.__version__ == "2" and "starpkg.parts" not in sys.modules
        with pytest.raises(AttributeError):
            lazy.module.__wrapped__  # noqa: B018  (a probe, not a name: nothing runs)
        assert not lazy.completed

        assert lazy.module.Part is sys.modules["starpkg.parts"].Part
        assert lazy.completed
    finally:
        for name in [
            n for n in sys.modules if n == "starpkg" or n.startswith("starpkg.")
        ]:
            del sys.modules[name]
