"""A library of one of legacy-harness's extras, missing: one line naming the extra to install."""

from __future__ import annotations

import sys

import pytest

from harness.extras import extra_for_module, install_hint

from .conftest import Project

MONGO_SERVICE = """
import pymongo

client = pymongo.MongoClient("mongodb://db.invalid:27017")
items = client["shop"]["items"]


def count():
    return items.count_documents({})
"""


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("mongomock", "mongo"),
        ("fastavro", "kafka"),
        ("confluent_kafka.schema_registry", "kafka"),
        ("kafka", "kafka"),  # the kafka-python distribution
        ("responses", "http"),
        ("werkzeug", "wire"),
        ("mutmut", "mutants"),
        ("boto3", "s3"),
        ("moto", "s3"),
        ("flask", "s3"),  # moto's S3 server is a Flask application
        ("vendor_sdk", None),
    ],
)
def test_the_extra_of_a_module_comes_from_the_installed_metadata(module, extra):
    assert extra_for_module(module) == extra


def test_a_missing_fake_library_fails_the_test_with_the_extra_to_install(project: Project) -> None:
    project.legacy("svc/service.py", MONGO_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import sys

        def test_count(legacy, monkeypatch):
            monkeypatch.setitem(sys.modules, "mongomock", None)  # as if it were not installed
            assert legacy.load("svc").count() == 0
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_count _*",
            (
                "the harness needs mongomock, which is not installed: "
                "pip install 'legacy-harness[mongo]'"
            ),
        ]
    )
    assert "Traceback" not in result.stdout.str() and "fakes/mongo.py" not in result.stdout.str()


def test_a_backend_built_while_the_service_imports_names_its_missing_extra(
    project: Project,
) -> None:
    # moto's S3 store starts at the service's first S3 client, inside its import: the failure
    # names the extra, not the service's line as if its own code lacked a module.
    project.legacy(
        "svc/service.py",
        'import boto3\n\nS3 = boto3.client("s3", region_name="eu-west-1")\n',
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import sys

        def test_load(legacy, monkeypatch):
            monkeypatch.setitem(sys.modules, "moto", None)  # as if it were not installed
            legacy.load("svc")
        """
    )

    result = project.pytester.runpytest_subprocess()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*importing svc failed at svc/service.py:3:*the harness needs moto, which is not "
            "installed: pip install 'legacy-harness[[]s3[]]'"
        ]
    )
    assert "fake = [" not in result.stdout.str()


def test_a_library_the_users_own_code_fails_to_import_keeps_its_traceback(monkeypatch):
    monkeypatch.setitem(sys.modules, "mongomock", None)  # noqa: LH201 (not installed, on purpose)
    with pytest.raises(ModuleNotFoundError) as raised:
        import mongomock  # noqa: F401  (this file's import, not the harness's)

    assert raised.value.name == "mongomock"
    assert install_hint(raised.value, raised.tb) is None
