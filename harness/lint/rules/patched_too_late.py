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

    A patch that takes effect before the import (around it, in a conftest) is fine.
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
    ]
    INVALID: ClassVar[list[Invalid]] = [
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
            message = (
                f"'{verdict.target}' is patched after {name} was imported, but {name} uses "
                f"{verdict.name} only while it is imported ({where}): the patch changes nothing"
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
