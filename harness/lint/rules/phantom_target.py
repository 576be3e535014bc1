from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.analysis.packages import is_stdlib
from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid, similar_names
from harness.lint.targets import display, position, verdicts

SERVICE = """\
import os
from confluent_kafka import DeserializingConsumer

consumer = DeserializingConsumer({"bootstrap.servers": os.environ.get("KAFKA", "x:1")})


def poll_once():
    return consumer.poll(1.0)
"""


class PhantomTarget(Rule):
    """A patch whose target is a module that no module under test imports.

    `patch("kafka.KafkaConsumer")` does not fail when `kafka` is installed, even though the
    code under test moved to `confluent_kafka` long ago: the patch replaces a name nobody looks
    up, the code runs against the real client, and a test that never reaches that code stays
    green.  Modules under test are those the test file and its conftests import (or load by
    path, or through the harness plugin), and what they import in turn.

    Only third-party targets are judged: a standard-library patch (`socket.socket`,
    `time.sleep`) reaches every caller of that module.  The message names what the code imports
    instead when a similar name exists in what it imports from another library (a standard-library
    name such as `os.getenv` is never offered in place of a library's `requests.get`).
    """

    CODE = "LH101"
    NAME = "phantom-patch-target"
    MESSAGE = "patch target is a module no module under test imports: it patches nothing"

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_poll():\n"
                    '    with patch("svc.consumer") as consumer:\n'
                    "        assert svc.poll_once() is consumer.poll.return_value\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # standard-library targets reach every caller
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    '@patch("socket.socket")\n'
                    "def test_poll(socket):\n"
                    "    svc.poll_once()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # `writer` is an object of the module the code imports, not a submodule
            {
                "db.py": "from oslo_db.sqlalchemy import enginefacade\n\n\n"
                         "def engine():\n    return enginefacade.writer.get_engine()\n",
                "tests/test_db.py": (
                    "from unittest.mock import patch\n"
                    "import db\n\n"
                    "@patch('oslo_db.sqlalchemy.enginefacade.writer.get_engine')\n"
                    "def test_engine(get_engine):\n"
                    "    assert db.engine() is get_engine.return_value\n"
                ),
            },
            lint="tests/test_db.py",
        ),
        Valid(  # patch.object on a class of the test suite itself: local code, not a library
            {
                "svc.py": SERVICE,
                "tests/__init__.py": "",
                "tests/fakes.py": "class FakeBroker:\n    def poll(self):\n        return None\n",
                "tests/helpers.py": "class Recorder:\n    def record(self):\n        pass\n",
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n"
                    "from tests.fakes import FakeBroker\n"
                    "from .helpers import Recorder\n\n"
                    "def test_poll():\n"
                    '    with patch.object(FakeBroker, "poll"), patch.object(Recorder, "record"):\n'
                    "        svc.poll_once()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # a part of a library the code uses: the library's own code may call it
            {
                "svc.py": "from hub.helpers import session\n\n\ndef ping():\n"
                          "    return session().get('/ping')\n",
                "tests/conftest.py": (
                    "from unittest.mock import patch\n"
                    "import pytest\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def quiet():\n"
                    '    with patch("hub.components.notify.async_create"):\n'
                    "        yield\n"
                ),
                "tests/test_svc.py": "import svc\n\n\ndef test_ping():\n    svc.ping()\n",
            },
            lint="tests/conftest.py",
        ),
        Valid(  # Home Assistant's test plugin loads the integration's modules itself
            {
                "custom_components/__init__.py": "",
                "custom_components/hub/__init__.py": 'DOMAIN = "hub"\n',
                "custom_components/hub/model.py": (
                    "from hubsdk import inventory\n\n\n"
                    "def load():\n    return inventory.read_config()\n"
                ),
                "tests/conftest.py": (
                    "from unittest.mock import patch\n\n"
                    "import pytest\n\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def config_content(enable_custom_integrations):\n"
                    '    with patch("hubsdk.inventory.read_config", return_value={}):\n'
                    "        yield\n"
                ),
                "tests/test_hub.py": (
                    "from custom_components.hub import DOMAIN\n\n\n"
                    "async def test_setup(hass):\n    assert DOMAIN\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # the tests below the conftest import the package, but from a place not found
            # (a src layout the runner puts on PYTHONPATH): unknown, not a library
            {
                "common/log.py": "def setup():\n    pass\n",
                "packages/runner/src/runner_pkg/__init__.py": "",
                "packages/runner/src/runner_pkg/core.py": "STATE = '/workspace/state'\n",
                "packages/runner/tests/conftest.py": (
                    "import pytest\n\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def state(monkeypatch, tmp_path):\n"
                    '    monkeypatch.setattr("runner_pkg.core.STATE", str(tmp_path))\n'
                ),
                "packages/runner/tests/test_core.py": (
                    "from common.log import setup\n"
                    "from runner_pkg import core\n\n\n"
                    "def test_state():\n    setup()\n    assert core.STATE\n"
                ),
            },
            lint="packages/runner/tests/conftest.py",
        ),
        Valid(  # the app imports its optional parts inside a function it calls while loading
            {
                "web/__init__.py": "",
                "web/app.py": (
                    "def load_optional():\n"
                    "    from web import rbac\n"
                    "    return rbac\n\n\n"
                    "parts = load_optional()\n"
                ),
                "web/rbac.py": "import boto3\n\n\ndef roles():\n"
                               "    return boto3.client('iam').list_roles()\n",
                "tests/test_app.py": (
                    "from unittest.mock import patch\n"
                    "from web.app import parts\n\n\n"
                    '@patch("boto3.client")\n'
                    "def test_roles(client):\n"
                    "    assert parts.roles() is client.return_value.list_roles.return_value\n"
                ),
            },
            lint="tests/test_app.py",
        ),
        Valid(  # a patcher started at module level is still running while pytest imports the
            # test modules collected after this one, and what they import
            {
                "svc.py": SERVICE,
                "tests/test_a_svc.py": (
                    "from unittest.mock import MagicMock, patch\n\n"
                    'patch("textlib.Blob", MagicMock()).start()\n'
                    "import svc\n\n\n"
                    "def test_poll():\n    svc.poll_once()\n"
                ),
            },
            lint="tests/test_a_svc.py",
        ),
        Valid(  # importing tools.tracker runs tools/__init__.py first, which imports nlp.lang
            {
                "tools/__init__.py": "from tools.context import Context\n",
                "tools/context.py": "from nlp.lang import Language\n\nContext = Language\n",
                "tools/tracker.py": "def track(text):\n    return len(text)\n",
                "tests/test_tracker.py": (
                    "from unittest.mock import MagicMock, patch\n\n"
                    'with patch("nlp.lang.Language", MagicMock()):\n'
                    "    from tools.tracker import track\n\n\n"
                    "def test_track():\n    assert track('ab') == 2\n"
                ),
            },
            lint="tests/test_tracker.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_poll():\n"
                    '    with patch("kafka.KafkaConsumer"):\n'
                    "        svc.poll_once()\n"
                ),
            },
            lint="tests/test_svc.py",
            line=5,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for verdict in verdicts(context):
            if verdict.code != self.CODE:
                continue
            where = verdict.patch.where
            if where.scope is None and where.active is None:
                # Started at module level: still in effect while pytest collects (imports) the
                # test modules after this one, whose code may import the library then.
                continue
            line, col = position(verdict.patch)
            wanted = verdict.target.rsplit(".", 1)[-1]
            # Only what the code imports from another library can stand in for a library's name.
            imported = [
                (binding.bound_as, binding, subject)
                for subject in context.subjects.values()
                for binding in subject.facts.imports
                if binding.name and binding.name != "*" and binding.module
                and not binding.module.startswith(".") and not is_stdlib(binding.module)
            ]
            close = similar_names(wanted, sorted({name for name, _, _ in imported}), limit=1)
            message = (
                f"patch target '{verdict.target}' patches nothing: no module under test "
                f"imports {verdict.name}"
            )
            hint = "delete the patch, or patch the name the code under test looks up"
            if close:
                _, binding, subject = next(i for i in imported if i[0] == close[0])
                message += (
                    f"; {display(subject.path, root)}:{binding.line} imports {binding.name} "
                    f"from {binding.module}"
                )
                names = sorted(subject.import_names) or sorted(subject.names)
                if names:
                    hint = f"patch '{names[0]}.{binding.bound_as}', the name the code looks up"
            yield self.finding(context, line, col, message, hint)
