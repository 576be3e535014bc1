from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.ordering import in_helper, package_inits
from harness.lint.project import FileContext, Subject
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.setup_facts import ModuleFake
from harness.lint.targets import display

SERVICE = """\
from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer

registry = SchemaRegistryClient({"url": "http://registry:8081"})
consumer = DeserializingConsumer({"value.deserializer": AvroDeserializer(registry)})
"""


class IncompleteFakeTree(Rule):
    """A `sys.modules` fake for a package, but not for the submodules the code imports.

    `from confluent_kafka.schema_registry.avro import AvroDeserializer` makes the import system
    look up `confluent_kafka`, then `confluent_kafka.schema_registry`, then
    `confluent_kafka.schema_registry.avro`, each in `sys.modules`.  With only the top package
    faked by a `MagicMock` (which has no `__path__`), the import fails with "No module named
    'confluent_kafka.schema_registry'; 'confluent_kafka' is not a package", and
    `patch("confluent_kafka.schema_registry.avro.X")` shows an even less helpful
    `AttributeError`.  Every module of the tree the code reaches at import needs its own entry.
    """

    CODE = "LH202"
    NAME = "incomplete-fake-tree"
    MESSAGE = "sys.modules fakes a package but not the submodules the code under test imports"

    VALID: ClassVar[list[Valid]] = [
        Valid(  # a fake installed inside a test, after the module under test was imported:
            # its import-time imports are done already
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import MagicMock, patch\n\nimport svc\n\n\n"
                    "def test_later():\n"
                    '    with patch.dict("sys.modules", {"confluent_kafka": MagicMock()}):\n'
                    "        assert svc.DeserializingConsumer\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # None in sys.modules blocks the import on purpose (the code's fallback runs),
            # and the saved entry put back afterwards is the real module
            {
                "errors.py": (
                    "try:\n"
                    "    import sdk\n"
                    "    from sdk.integrations.logging import Handler\n"
                    "except ImportError:\n"
                    "    Handler = None\n"
                ),
                "tests/test_errors.py": (
                    "import sys\n\n\n"
                    "def test_without_sdk(monkeypatch):\n"
                    '    saved = sys.modules.get("sdk")\n'
                    '    sys.modules["sdk"] = None\n'
                    '    monkeypatch.setitem(sys.modules, "sdk", None)\n'
                    "    import errors\n\n"
                    "    assert errors.Handler is None\n"
                    "    if saved:\n"
                    '        sys.modules["sdk"] = saved  # put back, not a fake\n'
                ),
            },
            lint="tests/test_errors.py",
        ),
        Valid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules["confluent_kafka"] = MagicMock()\n'
                    'sys.modules["confluent_kafka.schema_registry"] = MagicMock()\n'
                    'sys.modules["confluent_kafka.schema_registry.avro"] = MagicMock()\n'
                    "import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # the real submodules were imported first: sys.modules keeps them
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    "from confluent_kafka.schema_registry.avro import AvroDeserializer\n\n"
                    'sys.modules["confluent_kafka"] = MagicMock()\n'
                    "import svc\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # the conftest imported the real package (through svc): the fake comes too late
            {
                "svc.py": SERVICE,
                "tests/conftest.py": "import svc\n",
                "tests/test_shim.py": (
                    "import sys\n"
                    "from types import ModuleType\n\n"
                    'sys.modules.setdefault("confluent_kafka", ModuleType("confluent_kafka"))\n\n\n'
                    "def test_shim(monkeypatch):\n"
                    '    monkeypatch.setitem(sys.modules, "confluent_kafka", ModuleType("x"))\n'
                    "    import svc\n"
                ),
            },
            lint="tests/test_shim.py",
        ),
        Valid(  # the shared conftest the local one imports faked the whole tree first
            {
                "svc.py": SERVICE,
                "tests/__init__.py": "",
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    "for name in ('confluent_kafka', 'confluent_kafka.schema_registry',\n"
                    "             'confluent_kafka.schema_registry.avro'):\n"
                    "    sys.modules[name] = MagicMock()\n"
                    'sys.modules["confluent_kafka"] = MagicMock()\n'
                ),
                "tests/unit/conftest.py": "from tests import conftest as shared  # noqa: F401\n",
                "tests/unit/test_svc.py": (
                    "import sys\n"
                    "from types import ModuleType\n\n"
                    'sys.modules.setdefault("confluent_kafka", ModuleType("confluent_kafka"))\n'
                    "import svc\n"
                ),
            },
            lint="tests/unit/test_svc.py",
        ),
        Valid(  # a fake installed by a helper: when it runs, and what follows it, is unknown
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import sys\n"
                    "from types import ModuleType\n\n\n"
                    "def _stub():\n"
                    '    if sys.modules.get("confluent_kafka") is None:\n'
                    '        sys.modules["confluent_kafka"] = ModuleType("confluent_kafka")\n\n\n'
                    "def test_svc():\n"
                    "    _stub()\n"
                    "    import svc\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # the module imported is faked itself: the import never looks up its parents
            {
                "ble.py": "from bleak.backends.device import BLEDevice\n\n\n"
                          "def name(device: BLEDevice):\n    return device.name\n",
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules["bleak"] = MagicMock()\n'
                    'sys.modules["bleak.backends.device"] = MagicMock()\n'
                    "import ble\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # the submodule's import is guarded: the module falls back when it fails
            {
                "panel.py": (
                    "from hub import core\n\n"
                    "try:\n"
                    "    from hub.components.notify import send\n"
                    "except ImportError:\n"
                    "    send = None\n\n\n"
                    "def alert(text):\n"
                    "    return send(text) if send else core.log(text)\n"
                ),
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules["hub"] = MagicMock()\n'
                    'sys.modules["hub.core"] = MagicMock()\n'
                    "import panel\n"
                ),
            },
            lint="tests/conftest.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    'sys.modules["confluent_kafka"] = MagicMock()\n'
                    "import svc\n"
                ),
            },
            lint="tests/conftest.py",
            line=4,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        setups = [*context.chain, context.setup, *context.below]
        if any(setup.fakes_unknown for setup in setups):
            return  # part of the tree is faked from something not visible
        faked = {fake.module for setup in setups for fake in setup.fakes}
        # A submodule the tests import themselves is in sys.modules already (the real one, or
        # their own import fails first): the fake parent does not hide it.
        for setup in (*context.chain, context.setup):
            for event in setup.imports:
                parts = (event.module or "").split(".")
                faked.update(".".join(parts[:cut]) for cut in range(2, len(parts) + 1))
        root = context.project.root
        reported: set[str] = set()
        present = _loaded_by_conftests(context)
        for fake in context.setup.fakes:
            package = fake.module
            if "." in package or package in reported or package in present:
                continue
            if in_helper(context, fake.where):
                continue  # installed whenever a helper is called: what follows it is unknown
            missing: dict[str, tuple[str, int]] = {}
            for subject in _imported_under(context, fake):
                for binding in subject.facts.imports:
                    module = binding.module
                    if not binding.at_import_time or not module.startswith(package + "."):
                        continue
                    if binding.optional:
                        continue  # inside `try: ... except ImportError`: the module copes
                    if module in faked:
                        continue  # found in sys.modules at once: its parents are never looked up
                    parts = module.split(".")
                    for cut in range(2, len(parts) + 1):
                        name = ".".join(parts[:cut])
                        if name not in faked and name not in missing:
                            missing[name] = (display(subject.path, root), binding.line)
            if not missing:
                continue
            reported.add(package)
            first = min(missing)
            path, line = missing[first]
            yield self.finding(
                context,
                fake.where.line,
                fake.where.col,
                f"sys.modules fakes '{package}' but not {', '.join(sorted(missing))}, which "
                f"the code under test imports ({path}:{line}): the import fails with "
                f"\"No module named '{first}'; '{package}' is not a package\"",
                "fake every module of the tree, or let the harness plugin fake the whole package",
            )


def _imported_under(context: FileContext, fake: ModuleFake) -> list[Subject]:
    """The modules under test whose import-time code runs while the fake is in place: all of
    them for a fake installed at module level; for one installed inside a function, those the
    function imports after it (what was imported before has bound its imports already)."""
    if fake.where.scope is None:
        return list(context.subjects.values())
    paths: set[str] = set()
    for event in context.setup.imports:
        if event.where.scope == fake.where.scope and event.where.line >= fake.where.line:
            for path, _ in context.resolve_event(event, context.setup):
                paths |= context.project.import_closure(path)
    return [subject for path, subject in context.subjects.items() if path in paths]


def _loaded_by_conftests(context: FileContext) -> set[str]:
    """Top-level packages in sys.modules before this file runs: imported at module level by its
    conftests, directly or by the modules they load.  Faking one of them then either does
    nothing (`setdefault`) or hides only from imports made afterwards, which cannot be told
    apart from those done already: nothing is reported."""
    chain = {setup.path for setup in context.chain}
    project = context.project
    present: set[str] = set()
    for setup in context.chain:
        for event in setup.imports:
            if event.where.scope is not None:
                continue
            if event.module and not event.module.startswith("."):
                present.add(event.module.split(".")[0])
            # A shared conftest or helper of the suite it imports: its module-level fakes too.
            for path, _ in context.resolve_event(event, setup):
                other = project.record(path).setup
                for fake in other.fakes if other is not None else ():
                    if fake.where.scope is None:
                        present.add(fake.module.split(".")[0])
        for fake in setup.fakes:
            if fake.where.scope is None:
                present.add(fake.module.split(".")[0])
    loaded = [path for setup, event, path, _ in context.events
              if setup.path in chain and event.where.scope is None]
    # The __init__.py of the packages holding the test file or a conftest run first too.
    loaded.extend(package_inits(context))
    for path in loaded:
        for inner in (path, *sorted(project.import_closure(path))):
            facts = project.facts(inner)
            for binding in facts.imports if facts is not None else ():
                module = binding.module
                if binding.at_import_time and module and not module.startswith("."):
                    present.add(module.split(".")[0])
            if facts is not None and facts.module_name:
                present.add(facts.module_name.split(".")[0])
    return present
