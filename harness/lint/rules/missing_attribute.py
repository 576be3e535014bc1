from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid, similar_names
from harness.lint.targets import display, position, subject_verdicts

SERVICE = """\
from confluent_kafka import DeserializingConsumer

consumer = DeserializingConsumer({"bootstrap.servers": "kafka:9092"})


def handle_message(message):
    return message.value()
"""


class MissingAttribute(Rule):
    """A patch whose target attribute does not exist in the module under test.

    The module was edited (a function renamed, a client removed) and the test kept patching the
    old name.  `patch` raises `AttributeError` for it, unless `create=True` hides the problem by
    creating an attribute nothing reads.  Names bound by star imports, a module `__getattr__` or
    `globals()` cannot be checked and are not reported, nor are builtins patched on a module
    (`patch("svc.open")`, `input`, `print`...): `unittest.mock` sets `create=True` by itself for
    every public name of `builtins` patched on a module (`unittest.mock._builtins`), so the
    module's own `open(...)` finds the mock.  `monkeypatch.setattr` has no such rule.
    """

    CODE = "LH103"
    NAME = "missing-patch-attribute"
    MESSAGE = "patch target attribute does not exist in the module under test"

    VALID: ClassVar[list[Valid]] = [
        Valid(  # a package directory and a module file of the same name: Python imports the
            # package (its __init__.py), whatever the stale module file beside it defines
            {
                "app/__init__.py": "",
                "app/config.py": "LEGACY = True\n",
                "app/config/__init__.py": (
                    "from pathlib import Path\n\n\ndef home():\n    return Path.home()\n"
                ),
                "tests/test_config.py": (
                    "from unittest.mock import patch\n"
                    "from app import config\n\n\n"
                    '@patch("app.config.Path")\n'
                    "def test_home(path):\n"
                    "    assert config.home() is path.home.return_value\n"
                ),
            },
            lint="tests/test_config.py",
        ),
        Valid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_handle():\n"
                    '    with patch("svc.handle_message", return_value=1):\n'
                    "        assert svc.handle_message(None) == 1\n"
                    '    with patch("svc.added_by_test", create=True):\n'
                    "        pass\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # builtins patched on a module: mock creates the attribute itself
            {
                "svc.py": SERVICE + "\n\ndef ask():\n    return input('?')\n",
                "tests/test_svc.py": (
                    "from unittest.mock import mock_open, patch\n"
                    "import svc\n\n"
                    "def test_ask():\n"
                    '    with patch("svc.input", return_value="y"), patch("svc.print"):\n'
                    '        assert svc.ask() == "y"\n\n'
                    '@patch("svc.open", new_callable=mock_open)\n'
                    "def test_open(opened, mocker):\n"
                    '    mocker.patch("svc.len")\n'
                    '    mocker.patch.object(svc, "sorted")\n'
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # a module that hands globals() to a lazy importer: any name may exist
            {
                "lazy/__init__.py": (
                    "from .loader import lazy_import\n\n"
                    'lazy_import(globals(), aliases={"connect": ".client"})\n'
                ),
                "lazy/loader.py": "def lazy_import(namespace, aliases):\n    pass\n",
                "lazy/client.py": "def connect(url):\n    return url\n",
                "tests/test_lazy.py": (
                    "import lazy\n\n\n"
                    "def test_connect(monkeypatch):\n"
                    '    monkeypatch.setattr(lazy, "connect", lambda url: url)\n'
                    '    monkeypatch.setattr("lazy.connect", lambda url: url)\n'
                ),
            },
            lint="tests/test_lazy.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(  # a package written for a newer Python (3.12 type alias, 3.14 except list)
            {
                "hub/__init__.py": (
                    "from hub.client import HubClient\n\n"
                    "type HubConfig = dict[str, str]\n\n\n"
                    "def setup(config: HubConfig):\n"
                    "    try:\n"
                    "        return HubClient(config)\n"
                    "    except KeyError, ValueError:\n"
                    "        return None\n"
                ),
                "hub/client.py": "class HubClient:\n    def __init__(self, config):\n        pass\n",
                "tests/test_hub.py": (
                    "from unittest.mock import patch\n"
                    "import hub\n\n"
                    "def test_setup():\n"
                    '    with patch("hub.HubApiClient"):\n'
                    "        assert hub.setup({})\n"
                ),
            },
            lint="tests/test_hub.py",
            line=5,
        ),
        Invalid(  # monkeypatch has no builtins rule: setattr raises AttributeError
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import svc\n\n"
                    "def test_handle(monkeypatch):\n"
                    '    monkeypatch.setattr("svc.open", None)\n'
                ),
            },
            lint="tests/test_svc.py",
            line=4,
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_handle():\n"
                    '    with patch("svc.process_message"):\n'
                    "        pass\n"
                ),
            },
            lint="tests/test_svc.py",
            line=5,
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import svc\n\n"
                    "def test_handle(monkeypatch):\n"
                    '    monkeypatch.setattr(svc, "kafka_consumer", None)\n'
                ),
            },
            lint="tests/test_svc.py",
            line=4,
        ),
        Invalid(  # a fixture that loads the module with the harness plugin
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import pytest\n\n"
                    "@pytest.fixture\n"
                    "def svc(legacy):\n"
                    '    return legacy.load("svc.py")\n\n'
                    "def test_handle(svc, monkeypatch):\n"
                    '    monkeypatch.setattr(svc, "handle_messages", print)\n'
                ),
            },
            lint="tests/test_svc.py",
            line=8,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for verdict in subject_verdicts(context, self.CODE):
            candidates = [c for c in verdict.detail.split(",") if c]
            close = similar_names(verdict.name, candidates)
            message = (
                f"'{verdict.target}': {display(verdict.subject.path, root)} has no attribute "
                f"'{verdict.name}' (renamed or removed?)"
            )
            if close:
                message += f"; similar: {', '.join(close)}"
            line, col = position(verdict.patch)
            yield self.finding(
                context,
                line,
                col,
                message,
                "patch a name the module defines, or pass create=True if the test adds it",
            )
