"""Every variable a legacy module reads gets a value; one that cannot work names file and line."""

from __future__ import annotations

import pytest

from harness.analysis.model import EnvRead, EnvUse
from harness.env import plan_environment, plausible_value
from harness.errors import EnvError

from .conftest import Project

READS_ENV = """
import os

HOST = os.environ["BROKER_HOST"]
PORT = int(os.environ["KAFKA_PORT"])
MONGO_PORT = int(os.getenv("MONGO_PORT"))
TOPIC = os.environ["EVENTS_TOPIC"]
RETRY_SECONDS = float(os.environ.get("RETRY_SECONDS", "5"))
TIMEOUT = float(os.environ["HTTP_TIMEOUT"])
"""


def test_each_read_gets_a_plausible_value_by_its_use_and_code_defaults_win_over_the_shell(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.legacy("svc/service.py", READS_ENV)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_values(legacy):
            svc = legacy.load("svc")
            assert (svc.HOST, svc.PORT, svc.MONGO_PORT, svc.TOPIC) == ("192.0.2.1", 9092, 27017, "events-topic")
            assert (svc.RETRY_SECONDS, svc.TIMEOUT) == (5.0, 5.0)
        """
    )
    monkeypatch.setenv("RETRY_SECONDS", "99")  # the developer's shell must not leak into the test

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_the_import_report_hides_passwords_and_secrets_the_module_still_gets(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py",
        """
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://admin:hunter@2@db.internal:5432/app")
API_TOKEN = os.environ.get("API_TOKEN", "tok-123")
""",
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_values(legacy):
            svc = legacy.load("svc")
            assert svc.DATABASE_URL == "postgresql://admin:hunter@2@db.internal:5432/app"
            assert svc.API_TOKEN == "tok-123"
        """
    )

    result = project.pytester.runpytest("--harness-report")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*DATABASE_URL='postgresql://admin:***@db.internal:5432/app' (code default)*",
            "*API_TOKEN='***' (code default)*",
        ]
    )
    assert "hunter" not in result.stdout.str() and "tok-123" not in result.stdout.str()


def test_configured_values_override_analysis(project: Project) -> None:
    project.legacy("svc/service.py", READS_ENV)
    project.config(
        """
        [tool.harness.services.svc]
        path = "svc/service.py"
        env = { KAFKA_PORT = "19092", RETRY_SECONDS = "0" }
        """
    )
    project.tests(
        """
        def test_values(legacy):
            svc = legacy.load("svc")
            assert (svc.PORT, svc.RETRY_SECONDS) == (19092, 0.0)
            assert legacy.env()["KAFKA_PORT"] == "19092"
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_the_env_is_in_place_during_the_test_for_reads_at_call_time(project: Project) -> None:
    project.legacy(
        "svc/service.py",
        """
        import os

        def archive_url():
            return os.environ["ARCHIVE_URL"]
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import os

        def test_call_time_read(legacy):
            svc = legacy.load("svc")
            assert svc.archive_url() == "http://192.0.2.1:8080"

        def test_not_outside():
            assert "ARCHIVE_URL" not in os.environ
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)


def test_a_configured_value_that_int_rejects_is_named_with_file_and_line_before_the_import(
    project: Project,
) -> None:
    project.legacy("svc/service.py", READS_ENV)
    project.config(
        """
        [tool.harness.services.svc]
        path = "svc/service.py"
        env = { KAFKA_PORT = "ninety" }
        """
    )
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*svc/service.py:5: environment variable KAFKA_PORT is passed to int(), but * sets it to 'ninety'. Fix:*"
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_read_analysis_cannot_see_gets_a_value_at_run_time_named_with_file_and_line(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py",
        """
        import os

        PREFIX = "SVC"
        USER = os.environ[PREFIX + "_USER"]
        PORT = int(os.environ.get(PREFIX + "_PORT"))
        DSN = os.environ.get(PREFIX + "_SENTRY_DSN")
        TIMEOUT = os.environ.get(PREFIX + "_TIMEOUT", "30")
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_load(legacy):
            svc = legacy.load('svc')
            assert (svc.USER, svc.PORT, svc.DSN, svc.TIMEOUT) == ("svc-user", 8080, None, "30")
            assert "SVC_USER='svc-user' (read at svc/service.py:5, plausible (text))" in legacy.report
            assert "SVC_PORT='8080' (read at svc/service.py:6, plausible (port))" in legacy.report
            assert "SVC_SENTRY_DSN=unset (off when unset, read at svc/service.py:7)" in legacy.report
            assert ") (line " not in legacy.report  # the file and line once, not a second line
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_env_reads_of_libraries_and_tests_are_left_alone(project: Project) -> None:
    project.legacy("svc/service.py", "import os\nHOST = os.environ['SVC_HOST']\n")
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import os, pytest

        def test_a_test_reading_a_missing_variable_gets_a_key_error(legacy):
            legacy.load('svc')
            assert os.environ.get("SOME_PROXY_FOR_THE_TEST") is None
            with pytest.raises(KeyError):
                os.environ["NOT_SET_ANYWHERE"]
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def _read(name: str, use: EnvUse, line: int = 3, default: str | None = None) -> EnvRead:
    return EnvRead(name, line, 1, default is None, default, False, use, True)


@pytest.mark.parametrize(
    ("name", "use", "expected"),
    [
        ("KAFKA_PORT", EnvUse.PORT, "9092"),
        ("MONGO_PORT", EnvUse.PORT, "27017"),
        ("SCHEMA_REGISTRY_PORT", EnvUse.PORT, "8081"),
        ("API_PORT", EnvUse.PORT, "8080"),
        ("WORKERS", EnvUse.INT, "1"),
        ("RETRY_DELAY", EnvUse.FLOAT, "0.0"),
        ("REQUEST_TIMEOUT", EnvUse.FLOAT, "5.0"),
        ("FEATURE_ENABLED", EnvUse.BOOL, "false"),
        ("MONGO_URI", EnvUse.URL, "mongodb://192.0.2.1:27017/test"),
        ("SCHEMA_REGISTRY_URL", EnvUse.URL, "http://192.0.2.1:8081"),
        ("KAFKA_IP", EnvUse.HOST, "192.0.2.1"),
        ("CURRENT_TOPIC", EnvUse.TEXT, "current-topic"),
    ],
)
def test_plausible_values_by_use(name: str, use: EnvUse, expected: str) -> None:
    assert plausible_value(name, use) == expected


def test_precedence_is_config_then_code_default_then_plausible() -> None:
    reads = [
        _read("A", EnvUse.INT),
        _read("B", EnvUse.TEXT, default="b-default"),
        _read("C", EnvUse.PORT),
    ]

    planned = plan_environment(
        reads, {"A": "7"}, path="svc.py", origin="[tool.harness.services.svc]"
    )

    assert {name: (value.value, value.source) for name, value in planned.items()} == {
        "A": ("7", "config"),
        "B": ("b-default", "code default"),
        "C": ("8080", "plausible (port)"),
    }


def test_a_float_read_rejects_text_with_file_and_line() -> None:
    with pytest.raises(
        EnvError,
        match=r"svc\.py:12: environment variable T is passed to float\(\), but .* sets it to 'x'",
    ):
        plan_environment(
            [_read("T", EnvUse.FLOAT, line=12)], {"T": "x"}, path="svc.py", origin="here"
        )


def test_an_optional_read_whose_none_the_code_handles_stays_unset(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.legacy(
        "svc/service.py",
        """
        import os

        SENTRY_DSN = os.getenv("SENTRY_DSN")
        REPORTING = "on" if SENTRY_DSN else "off"
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    assert legacy.load('svc').REPORTING == 'off'\n")
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example.com/1")  # from the shell

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_a_local_development_switch_stays_off_at_import_and_in_a_call(project: Project) -> None:
    # A value would point the clients at localhost (SAM local, serverless-offline).
    project.legacy(
        "svc/service.py",
        """
        import os

        AT_IMPORT = "http://localhost:8000/" if os.environ.get("IS_OFFLINE") else None


        def endpoint():
            return "http://localhost:4569/" if os.getenv("AWS_SAM_LOCAL") else None
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_load(legacy):
            svc = legacy.load("svc")
            assert (svc.AT_IMPORT, svc.endpoint()) == (None, None)
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_a_read_the_codes_default_answers_in_an_imported_module_is_listed_and_left_alone(
    project: Project,
) -> None:
    # It may decide much (whether a pool is built); listed, never set by a later scope, so
    # what a test sets itself still reaches the code.
    project.legacy(
        "svc/settings.py",
        """
        import os

        MODE = os.environ.get("ETL_MODE", "full")


        def mode_now():
            return os.environ.get("ETL_MODE", "full")
        """,
    )
    project.legacy("svc/service.py", "from settings import MODE, mode_now\n")
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_listed(legacy):
            assert legacy.load("svc").MODE == "full"
            assert "ETL_MODE=unset (code default 'full', read at svc/settings.py:4)" in legacy.report

        def test_left_alone(legacy, monkeypatch):
            monkeypatch.setenv("ETL_MODE", "delta")
            assert legacy.load("svc").mode_now() == "delta"
        """
    )

    project.pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
