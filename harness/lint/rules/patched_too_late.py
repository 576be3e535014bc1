from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.targets import display, position, subject_verdicts

SERVICE = """\
from pymongo import MongoClient

mongo_client = MongoClient("mongodb://mongo:27017")
db = mongo_client["usage"]
collection = db["data"]


def count():
    return collection.count_documents({})
"""


class PatchedTooLate(Rule):
    """A patch of a name the module under test only uses while it is being imported.

    `mongo_client = MongoClient(...)` runs once, at import.  Patching `svc.MongoClient` (or
    `pymongo.MongoClient`) in a test or a fixture, after the module was imported, replaces a
    name that is never called again: the client built at import is still the real one.  The
    message names the objects built at import, which are what a test can still replace.

    A patch that takes effect before the import (around it, in a conftest) is fine, but only
    for a name the module takes from elsewhere: `patch("svc.MongoClient")` itself imports `svc`
    before replacing the name, so it can never reach what `svc` built at import, wherever the
    test's own `import svc` sits.  And pytest imports every test module while collecting,
    before any fixture runs: an autouse conftest fixture patching `pymongo.MongoClient` comes
    after a test module's top-level `import svc` has built the real client.  A file that calls
    `importlib.reload` under a patch of the library's name re-runs the import with the mock:
    such a file is not judged (reloading does not help `patch("svc.MongoClient")`: the reload
    binds the real name again).
    """

    CODE = "LH104"
    NAME = "patched-too-late"
    MESSAGE = "patched after the import, but the name is only used while the module is imported"

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_count():\n"
                    '    with patch("svc.collection") as collection:\n'
                    "        collection.count_documents.return_value = 3\n"
                    "        assert svc.count() == 3\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "from unittest.mock import patch\n\n"
                    'with patch("pymongo.MongoClient"):\n'
                    "    import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # the test imports svc inside the patch of the library's name: the mock is bound
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n\n"
                    "def test_count():\n"
                    '    with patch("pymongo.MongoClient"):\n'
                    "        import svc\n"
                    "    svc.count()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # a method of what was built: objects built at import look it up on the class
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_close():\n"
                    '    with patch.object(svc.MongoClient, "close") as close:\n'
                    "        svc.mongo_client.close()\n"
                    '    with patch("svc.MongoClient.close"):\n'
                    "        svc.mongo_client.close()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # reloaded under the patch: the import-time code runs again with the mock
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import importlib\n"
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_count():\n"
                    '    with patch("pymongo.MongoClient"):\n'
                    "        importlib.reload(svc)\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(  # patch() imports svc first: importing svc inside the test is too late too
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n\n"
                    '@patch("svc.MongoClient")\n'
                    "def test_count(client):\n"
                    "    import svc\n"
                    "    svc.count()\n"
                ),
            },
            lint="tests/test_svc.py",
            line=3,
        ),
        Invalid(  # an autouse conftest fixture runs after collection imported the test module
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import pytest\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def fake_mongo(mocker):\n"
                    '    return mocker.patch("pymongo.MongoClient")\n'
                ),
                "tests/test_svc.py": "import svc\n\ndef test_count():\n    svc.count()\n",
            },
            lint="tests/conftest.py",
            line=5,
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    '@patch("svc.MongoClient")\n'
                    "def test_count(client):\n"
                    "    svc.count()\n"
                ),
            },
            lint="tests/test_svc.py",
            line=4,
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import pytest\n"
                    "import svc\n\n"
                    "@pytest.fixture\n"
                    "def fake_mongo(mocker):\n"
                    '    return mocker.patch("pymongo.MongoClient")\n'
                ),
            },
            lint="tests/test_svc.py",
            line=6,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for verdict in subject_verdicts(context, self.CODE):
            subject = verdict.subject
            name = min(subject.import_names or subject.names or {"module"})
            where = display(subject.path, root)
            if verdict.line:
                where += f":{verdict.line}"
            if verdict.lookup == "imports-first":
                message = (
                    f"'{verdict.target}': patch() imports {name} before replacing the name, and "
                    f"{name} uses {verdict.name} only while it is imported ({where}): wherever "
                    "the test imports it, the patch changes nothing"
                )
            else:
                message = (
                    f"'{verdict.target}' is patched after {name} was imported, but {name} uses "
                    f"{verdict.name} only while it is imported ({where}): the patch changes "
                    "nothing"
                )
            built = [b.strip() for b in verdict.detail.split(",") if b.strip()]
            if built:
                hint = "patch what it built at import instead: " + ", ".join(
                    f"{name}.{b}" for b in built
                )
            else:
                hint = f"apply the patch before {name} is imported (or load it with the harness plugin)"
            line, col = position(verdict.patch)
            yield self.finding(context, line, col, message, hint)
