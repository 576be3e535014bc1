"""Loading the plugin costs nothing: no legacy module, no fake, no heavy library; the config is
read once, at configure time, so that a bad value is a usage error."""

from __future__ import annotations

import pytest

from .conftest import Project

# Runs inside a session where the plugin is registered (it always is) but no test uses it.
NOTHING_HEAVY_TEST = """
import sys

HEAVY = (
    "harness.contract", "harness.fakes", "harness.analysis", "harness.session",
    "mongomock", "confluent_kafka", "kafka", "pymongo", "fastavro", "responses", "libcst",
    "_harness_legacy_",
)

def test_plugin_is_registered(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("harness")

def test_nothing_heavy_is_imported():
    loaded = sorted(name for name in sys.modules if name.startswith(HEAVY))
    assert loaded == []
"""


def test_loading_the_plugin_imports_no_fake_no_legacy_module_and_no_heavy_library(
    project: Project,
) -> None:
    project.legacy("svc/service.py", "import pymongo\nCLIENT = pymongo.MongoClient()\n")
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(NOTHING_HEAVY_TEST)

    result = project.pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


def _usage_error_lines(result: pytest.RunResult) -> list[str]:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    return [line for line in result.errlines if line.strip()]


def test_a_bad_fidelity_option_stops_pytest_with_one_usage_line(project: Project) -> None:
    project.tests("def test_plain():\n    assert True\n")

    result = project.pytester.runpytest("--harness-fidelity=bogus")

    assert _usage_error_lines(result) == [
        "ERROR: --harness-fidelity: bogus is 'bogus'; expected one of stub, fake, wire"
    ]
    assert "test_plain" not in result.stdout.str()  # stopped before collection


def test_a_bad_level_for_one_package_names_the_package(project: Project) -> None:
    project.tests("def test_plain():\n    assert True\n")

    result = project.pytester.runpytest("--harness-fidelity=pymongo=real")

    [line] = _usage_error_lines(result)
    assert "pymongo=real" in line and "expected one of stub, fake, wire" in line


@pytest.mark.parametrize(
    ("table", "names"),
    [
        ('[tool.harness]\nfidelity = "real"\n', ["[tool.harness] fidelity", "stub, fake, wire"]),
        ("[tool.harness]\ninline_timeout = -1\n", ["inline_timeout", "positive number"]),
        ('[tool.harness]\nfidelty = "fake"\n', ["'fidelty'", "fidelity, import_timeout, inline_timeout"]),
        ('[tool.harness.services.svc]\npaht = "typo.py"\n', ["'paht'", "path"]),
    ],
)
def test_a_bad_harness_table_value_stops_pytest_naming_the_key_and_the_allowed_values(
    project: Project, table: str, names: list[str]
) -> None:
    project.config(table)
    project.tests("def test_plain():\n    assert True\n")

    result = project.pytester.runpytest()

    [line] = _usage_error_lines(result)
    assert line.startswith("ERROR: ") and "pyproject.toml: " in line
    for name in names:
        assert name in line


def test_options_are_listed_in_their_own_help_group(project: Project) -> None:
    result = project.pytester.runpytest("--help")

    result.stdout.fnmatch_lines(
        ["legacy-harness*", "*--harness-fidelity*", "*--harness-report*", "*--harness-config*"]
    )


def test_fixtures_are_documented_for_test_authors(project: Project) -> None:
    result = project.pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(["legacy -- *", "*legacy.load*"])
    for integration in ("kafka", "mongo", "http"):  # one per integration, naming its class
        result.stdout.fnmatch_lines([f"{integration} -- *", "*harness.fixtures.*Fixture*"])


ASYNC_AND_TIMEOUT_SERVICE = """
import pymongo
from pymongo import ASCENDING, AsyncMongoClient, MongoClient, timeout

CLIENT = MongoClient("mongodb://mongo.invalid:27017/")
ASYNC_CLIENT_CLASS = AsyncMongoClient
TIMEOUT = timeout
"""

ASYNC_AND_TIMEOUT_TEST = """
import sys

def test_names_of_the_real_pymongo_resolved_at_import_keep_the_fake_in_place(legacy):
    svc = legacy.load("svc")
    assert svc.ASYNC_CLIENT_CLASS.__module__ == "pymongo.asynchronous.mongo_client"
    assert svc.TIMEOUT(1).__class__.__name__ == "_TimeoutContext"
    assert svc.CLIENT.__class__.__module__ != "pymongo.synchronous.mongo_client"
    assert svc.pymongo.MongoClient is svc.MongoClient
    import pymongo
    assert pymongo is svc.pymongo

def test_the_next_test_gets_the_fake_too(legacy):
    svc = legacy.load("svc")
    import pymongo
    assert pymongo is svc.pymongo and pymongo.MongoClient is svc.MongoClient

def test_reading_a_service_python_parses_loads_no_linter_library(legacy):
    legacy.load("svc")
    assert "libcst" not in sys.modules
"""


def test_a_service_importing_the_async_client_and_timeout_loads_with_the_mongo_fake(
    project: Project,
) -> None:
    # A fresh process: the Mongo fake imports pymongo without its async client (the costliest
    # part of pymongo's import) and resolves the names that need it when a service asks.
    project.legacy("svc/service.py", ASYNC_AND_TIMEOUT_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(ASYNC_AND_TIMEOUT_TEST)

    result = project.pytester.runpytest_subprocess()

    result.assert_outcomes(passed=3)
