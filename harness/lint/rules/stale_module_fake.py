from __future__ import annotations

import os
from collections.abc import Iterator
from typing import ClassVar

from harness.analysis.packages import is_stdlib
from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.setup_facts import Where

SERVICE = """\
from confluent_kafka import DeserializingConsumer

consumer = DeserializingConsumer({"bootstrap.servers": "kafka:9092"})
"""


class StaleModuleFake(Rule):
    """A `sys.modules` fake for a module that no module under test imports any more.

    `sys.modules["kafka"] = MagicMock()`, `sys.modules.setdefault("kafka", ...)`,
    `patch.dict(sys.modules, {"kafka": ...})` and `monkeypatch.setitem(sys.modules, "kafka",
    ...)` are there to let the code under test import without the real library.  Once the code
    moved to another library, the fake only hides that the conftest no longer matches the code:
    the real replacement is imported for real, with whatever it connects to.
    """

    CODE = "LH201"
    NAME = "stale-sys-modules-fake"
    MESSAGE = "sys.modules fake for a module that no module under test imports"

    VALID: ClassVar[list[Valid]] = [
        Valid(  # a fake in a helper module: it serves what the tests importing it load
            {
                "drivers/xiv.py": "import pyxcli\n\n\ndef connect():\n    return pyxcli.connect()\n",
                "tests/__init__.py": "",
                "tests/fake_pyxcli.py": (
                    "import sys\nfrom unittest import mock\n\n"
                    'sys.modules["pyxcli"] = mock.Mock()\n'
                ),
                "tests/test_xiv.py": "from tests import fake_pyxcli\nfrom drivers import xiv\n",
            },
            lint="tests/fake_pyxcli.py",
        ),
        Valid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    "import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # a module loaded by path under a stand-in package: `from .types import` finds it
            {
                "pkg/__init__.py": "",
                "pkg/types.py": "Mapping = dict\n",
                "pkg/guard.py": (
                    "from .types import Mapping\n\n\ndef empty():\n    return Mapping()\n"
                ),
                "tests/test_guard.py": (
                    "import importlib.util\n"
                    "import sys\n"
                    "from pathlib import Path\n"
                    "from types import ModuleType\n\n"
                    "import pkg.guard\n\n\n"
                    "def test_guard_alone():\n"
                    '    path = Path(pkg.guard.__file__)\n'
                    '    spec = importlib.util.spec_from_file_location("shadow.guard", path)\n'
                    "    module = importlib.util.module_from_spec(spec)\n"
                    '    sys.modules["shadow"] = ModuleType("shadow")\n'
                    '    sys.modules["shadow.types"] = ModuleType("shadow.types")\n'
                    "    spec.loader.exec_module(module)\n"
                ),
            },
            lint="tests/test_guard.py",
        ),
        Valid(  # the conftest's own fixture imports the faked module
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    "import pytest\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'sys.modules["hub.loader"] = MagicMock()\n'
                    "import svc\n\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def custom_paths():\n"
                    "    import hub.loader as loader\n"
                    "    yield loader\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # a stand-in for the project's own package, pointing at its directory
            {
                "svc.py": SERVICE,
                "pkg/__init__.py": "import heavy_sdk\n",
                "pkg/tools.py": "def double(x):\n    return 2 * x\n",
                "tests/test_tools.py": (
                    "import sys\n"
                    "from pathlib import Path\n"
                    "from types import ModuleType\n\n"
                    "import svc  # noqa: F401\n\n"
                    'stand_in = ModuleType("pkg")\n'
                    'stand_in.__path__ = [str(Path(__file__).parents[1] / "pkg")]\n'
                    'sys.modules["pkg"] = stand_in\n'
                ),
            },
            lint="tests/test_tools.py",
        ),
        Valid(  # the package holding the module under test imports it in its __init__.py
            {
                "plugins/app/__init__.py": "from sdk.const import TIMEOUT\n",
                "plugins/app/ble/__init__.py": "",
                "plugins/app/ble/sensors.py": "def read():\n    return 1\n",
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules["sdk"] = MagicMock()\n'
                    'sys.modules["sdk.const"] = MagicMock()\n'
                ),
                "tests/test_sensors.py": "from plugins.app.ble.sensors import read\n",
            },
            lint="tests/conftest.py",
        ),
        Valid(  # a test takes the faked submodule with `from package import submodule`
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'sys.modules["hub"] = MagicMock()\n'
                    'sys.modules["hub.flow"] = MagicMock()\n'
                ),
                "tests/test_svc.py": (
                    "from hub import flow\n\nimport svc\n\n\n"
                    "def test_flow():\n    assert svc.consumer is not None and flow\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # an entry a test adds for code that reads sys.modules itself
            {
                "purge.py": (
                    "import sys\n\n\ndef purge(prefix):\n"
                    "    for name in [n for n in sys.modules if n.startswith(prefix + '.')]:\n"
                    "        del sys.modules[name]\n"
                ),
                "tests/test_purge.py": (
                    "import sys\nfrom types import ModuleType\n\nimport purge\n\n\n"
                    "def test_keeps_lookalikes(monkeypatch):\n"
                    '    monkeypatch.setitem(sys.modules, "app_other", ModuleType("app_other"))\n'
                    '    purge.purge("app")\n'
                    '    assert "app_other" in sys.modules\n'
                ),
            },
            lint="tests/test_purge.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'sys.modules["kafka"] = MagicMock()\n'
                    "import svc\n"
                ),
            },
            lint="tests/conftest.py",
            line=5,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        if not context.subjects_fully_known or context.is_helper:
            return  # (a helper's fakes serve the modules its importers test)
        if any(event.how == "path" for event in context.setup.imports) or (
            "spec_from_file_location(" in context.project.source_text(context.path)
        ):
            # Code loaded by path under a name of the file's choosing resolves its relative
            # imports (and its own sys.modules lookups) against that name: fakes may serve it.
            return
        reported: set[str] = set()
        # What the test files import themselves (in a fixture, a test): the fake serves them.
        # `from pkg import name` may take the submodule pkg.name: a fake of it serves that too.
        own = {
            imported
            for setup in (*context.chain, context.setup, *context.below)
            for event in setup.imports
            if event.module
            for imported in (event.module, *(f"{event.module}.{name}" for name in event.names))
        }
        for fake in context.setup.fakes:
            module = fake.module
            if module in reported or context.imports_module(module):
                continue
            if any(name == module or name.startswith(module + ".") for name in own):
                continue
            if context.project.find_module(module, context.roots) is not None:
                continue  # a stand-in for the project's own package (a loading shim)
            if _imported_by_packages(context, module):
                continue

            if _inspects_sys_modules(context, fake.where):
                continue
            if any(module in subject.names for subject in context.subjects.values()):
                continue
            reported.add(module)
            imported = sorted(
                {
                    binding.module.split(".")[0]
                    for subject in context.subjects.values()
                    for binding in subject.facts.imports
                    if binding.module
                    and not binding.module.startswith(".")
                    and not is_stdlib(binding.module)
                }
            )
            shown = ", ".join(imported[:8]) + (", ..." if len(imported) > 8 else "")
            yield self.finding(
                context,
                fake.where.line,
                fake.where.col,
                f"sys.modules fake for '{module}' is stale: no module under test imports it",
                f"delete it (the modules under test import: {shown})",
            )


def _imported_by_packages(context: FileContext, module: str) -> bool:
    """Whether the `__init__.py` of a package holding a module under test imports `module`:
    importing `pkg.sub` runs `pkg/__init__.py` first."""
    project = context.project
    seen: set[str] = set()
    for path in context.subjects:
        directory = os.path.dirname(path)
        while directory.startswith(project.root) and directory not in seen:
            seen.add(directory)
            init = os.path.join(directory, "__init__.py")
            if not os.path.isfile(init):
                break
            facts = project.facts(init)
            for binding in facts.imports if facts is not None else ():
                for name in (binding.module or "", binding.qualified):
                    if binding.at_import_time and (
                        name == module or name.startswith(module + ".")
                    ):
                        return True
            directory = os.path.dirname(directory)
    return False


def _inspects_sys_modules(context: FileContext, where: Where) -> bool:
    """Whether an entry a test puts in sys.modules may be data for the code under test: a
    module under test that reads sys.modules itself (counts, purges, looks names up)."""
    entry = context.functions.get(where.scope) if where.scope else None
    if entry is None or not entry[1].is_test:
        return False
    source = context.project.source_text
    return any("sys.modules" in source(path) for path in sorted(context.subjects))
