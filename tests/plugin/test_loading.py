"""Loading the plugin costs nothing: no legacy module, no fake, no heavy library, no config read."""

from __future__ import annotations

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


def test_a_broken_harness_table_does_not_disturb_sessions_that_do_not_use_the_fixtures(
    project: Project,
) -> None:
    project.config('[tool.harness.services.svc]\npaht = "typo.py"\n')
    project.tests("def test_plain():\n    assert True\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_options_are_listed_in_their_own_help_group(project: Project) -> None:
    result = project.pytester.runpytest("--help")

    result.stdout.fnmatch_lines(
        ["legacy-harness*", "*--harness-fidelity*", "*--harness-report*", "*--harness-config*"]
    )


def test_fixtures_are_documented_for_test_authors(project: Project) -> None:
    result = project.pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(
        ["legacy -- *", "*legacy.load*", "kafka -- *", "mongo -- *", "http -- *"]
    )
