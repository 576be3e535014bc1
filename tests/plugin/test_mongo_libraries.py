"""Libraries built on pymongo (Flask-PyMongo, gridfs) imported by a service: they get the fake.

The library here is our own, installed as a third party would be (a folder on `pythonpath`,
outside the service's project): it imports gridfs and pymongo's validators and subclasses
pymongo's `MongoClient`, as Flask-PyMongo does. Imported for real before the contract, it would
subclass the real client; the harness takes it back and imports it under the contract."""

from __future__ import annotations

import pytest

from .conftest import Project

LIBRARY = """
from pymongo import mongo_client
from pymongo.common import validate_string

import gridfs  # after pymongo, and unseen by the service's analysis: its fake is built
               # while the import runs, pymongo's fake in sys.modules


class Client(mongo_client.MongoClient):
    def __init__(self, uri):
        super().__init__(validate_string("uri", uri), connect=False)


def file_store(database):
    return gridfs.GridFS(database)
"""

SERVICE = """
import os

import mongo_lib

client = mongo_lib.Client(os.environ["MONGO_URL"])
files = mongo_lib.file_store(client["media"])
notes = client["media"]["notes"]


def keep(name, data):
    notes.insert_one({"name": name})
    return files.put(data, filename=name)


def read(name):
    return files.get_last_version(name).read()
"""


def _config_with_site(project: Project) -> None:
    """The service declared with only its path; `site/` on the path, as site-packages is."""
    project.pytester.makefile(
        ".toml",
        pyproject=project.ini.replace(
            "[tool.pytest.ini_options]", '[tool.pytest.ini_options]\npythonpath = ["site"]'
        )
        + '[tool.harness.services.svc]\npath = "svc/service.py"\n',
    )


def _project(project: Project, *, through_a_project_module: bool = False) -> None:
    """The service imports the library itself (imported for real first, then taken back), or
    through a module of its own (imported under the contract only, as Flask apps import
    Flask-PyMongo from their database module)."""
    project.legacy("site/mongo_lib/__init__.py", LIBRARY)
    if through_a_project_module:
        project.legacy("svc/store.py", SERVICE)
        project.legacy("svc/service.py", "from store import client, keep, read  # noqa: F401\n")
    else:
        project.legacy("svc/service.py", SERVICE)
    _config_with_site(project)


FAKE_TESTS = """
def test_the_library_is_built_on_the_fake_and_gridfs_stores_in_it(legacy, mongo):
    svc = legacy.load("svc")
    assert any(c.__module__ == "harness.fakes.mongo" for c in type(svc.client).__mro__)
    svc.keep("a.txt", b"hello")
    assert svc.read("a.txt") == b"hello"
    assert [d["name"] for d in mongo.documents("media", "notes")] == ["a.txt"]
    assert [d["filename"] for d in mongo.documents("media", "fs.files")] == ["a.txt"]


def test_each_test_starts_from_an_empty_store(legacy, mongo):
    legacy.load("svc")
    assert mongo.documents("media", "fs.files") == []
"""


@pytest.mark.parametrize(
    ("level", "through_a_project_module"), [("fake", False), ("fake", True), ("wire", False)]
)
def test_a_library_subclassing_pymongo_and_gridfs_work_on_the_fake(
    project: Project, level: str, through_a_project_module: bool
) -> None:
    _project(project, through_a_project_module=through_a_project_module)
    project.tests(FAKE_TESTS)

    result = project.run_isolated(f"--harness-fidelity={level}", "--harness-report")

    result.assert_outcomes(passed=2)
    if level == "wire":
        result.stdout.fnmatch_lines(["*pymongo at wire: no MongoDB server runs in-process*"])
    result.stdout.fnmatch_lines(["*faked:*pymongo (fake)*"])
    result.stdout.fnmatch_lines(["*faked:*gridfs (fake)*"])


def test_at_stub_the_library_and_gridfs_are_mocks(project: Project) -> None:
    _project(project)
    project.tests(
        """
        def test_nothing_is_stored(legacy, mongo):
            svc = legacy.load("svc")
            assert type(svc.read("a.txt")).__name__ == "MagicMock"
            assert mongo.database_names() == []
        """
    )

    result = project.run_isolated("--harness-fidelity=stub")

    result.assert_outcomes(passed=1)


def test_a_client_submodule_is_refused_naming_the_class(project: Project) -> None:
    project.legacy("svc/service.py", "from pymongo.synchronous.collection import Collection\n")
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*svc/service.py:1 imports 'pymongo.synchronous.collection', *"
                "client class pymongo.synchronous.collection.Collection, *"
            )
        ]
    )


def test_a_client_submodule_a_library_imports_is_refused_naming_the_library(
    project: Project,
) -> None:
    project.legacy("site/raw_lib/__init__.py", "from raw_lib import models\n")
    project.legacy("site/raw_lib/models.py", "from pymongo.synchronous.database import Database\n")
    project.legacy("svc/service.py", "import raw_lib\n")
    _config_with_site(project)
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*svc/service.py:1 (through raw_lib -> raw_lib.models) imports "
                "'pymongo.synchronous.database', *client class pymongo.synchronous.database.*"
            )
        ]
    )
