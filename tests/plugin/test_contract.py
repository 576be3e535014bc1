"""The ordered import contract: every step in place before the module's first line, all of it
undone afterwards (checked by snapshot), and the module kept apart from other suites."""

from __future__ import annotations

import pytest

from .conftest import Project

# Records, at import, whether each step of the contract was already in place.
SPY_SERVICE = """
import os
import socket
import sys
import threading

import vendor_sdk
from vendor_sdk.client.session import Session

SEEN_AT_IMPORT = {
    "fake": type(sys.modules["vendor_sdk.client.session"]).__name__,
    "env": os.environ["VENDOR_URL"],
    "thread_class": threading.Thread.__module__,
}
session = Session(os.environ["VENDOR_URL"])
worker = threading.Thread(target=print)
worker.start()
try:
    socket.create_connection(("203.0.113.9", 443), timeout=1)
    CONNECTION = "connected"
except ConnectionRefusedError as refused:
    CONNECTION = str(refused)
"""

WARMUP_SERVICE = """
import os
from vendor_sdk import Session
session = Session(os.environ["OTHER_URL"])
"""

HARNESS_TOML = """
[tool.harness.services.svc]
path = "svc/service.py"

[tool.harness.services.warmup]
path = "warmup/warmup.py"
"""


def _project(project: Project) -> Project:
    project.legacy("svc/service.py", SPY_SERVICE)
    project.legacy("warmup/warmup.py", WARMUP_SERVICE)
    project.config(HARNESS_TOML)
    return project


def test_every_step_is_in_place_when_the_module_runs_and_gone_after(project: Project) -> None:
    _project(project).tests(
        """
        import os, sys, threading

        def test_at_import_fakes_env_threads_and_guard_were_in_place(legacy):
            svc = legacy.load("svc")
            assert svc.SEEN_AT_IMPORT == {
                "fake": "MagicMock", "env": "http://192.0.2.1:8080", "thread_class": "harness.threads",
            }
            assert svc.CONNECTION.startswith("harness: network guard refused connect 203.0.113.9:443")
            assert [t.started for t in legacy.threads] == [True]

        def test_outside_tests_using_it_nothing_of_it_remains():
            assert not [name for name in sys.modules if name == "service" or name.startswith("vendor_sdk")]
            assert "VENDOR_URL" not in os.environ
            assert threading.Thread.__module__ == "threading"
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=2)


def test_sys_modules_environ_threading_path_and_cwd_equal_their_snapshot_after_a_test(
    project: Project,
) -> None:
    _project(project).tests(
        """
        import os, sys, threading

        SNAPSHOTS = []

        def snapshot():
            threading_attrs = {k: v for k, v in vars(threading).items() if k != "excepthook"}
            environ = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
            return dict(sys.modules), environ, threading_attrs, list(sys.path), list(sys.meta_path), os.getcwd()

        def test_0_warm_up_the_harness(legacy):
            legacy.load("warmup")

        def test_1_snapshot_before():
            SNAPSHOTS.append(snapshot())

        def test_2_import_and_use_the_service(legacy):
            svc = legacy.load("svc")
            assert "vendor_sdk" in sys.modules and os.environ["VENDOR_URL"]

        def test_3_snapshot_after_is_equal():
            before, after = SNAPSHOTS[0], snapshot()
            assert set(after[0]) ^ set(before[0]) == set()
            assert after == before
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=4)


def test_a_suite_importing_the_same_file_by_hand_does_not_meet_the_harness_import(
    project: Project,
) -> None:
    _project(project).tests(
        """
        import importlib.util, os, sys
        from pathlib import Path
        from unittest.mock import MagicMock, patch

        def test_hand_written_ordered_import_of_the_same_file():
            with patch.dict(sys.modules, {"vendor_sdk": MagicMock()}), patch.dict(os.environ, {"OTHER_URL": "http://hand"}):
                spec = importlib.util.spec_from_file_location("warmup", Path("warmup/warmup.py"))
                module = importlib.util.module_from_spec(spec)
                sys.modules["warmup"] = module
                spec.loader.exec_module(module)
            sys.modules["warmup"] = module  # kept, as a hand-written conftest keeps its import
            module.session.marker = "hand"

        def test_harness_import_is_the_real_name_during_the_test_only(legacy):
            hand = sys.modules["warmup"]
            warmup = legacy.load("warmup")
            assert warmup.__name__ == "warmup"
            assert warmup is sys.modules["warmup"] and warmup is not hand
            assert warmup.session.marker != "hand"

        def test_after_it_the_hand_written_import_is_back():
            assert sys.modules["warmup"].session.marker == "hand"
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=3)


@pytest.mark.parametrize("level", ["stub", "fake"])
def test_no_fake_leaks_into_a_later_test_that_imports_the_real_package(
    project: Project, level: str
) -> None:
    project.legacy(
        "svc/service.py",
        "from pymongo import MongoClient\nclient = MongoClient('db.internal')\n",
    )
    project.config(
        f'[tool.harness.services.svc]\npath = "svc/service.py"\nfidelity = {{ pymongo = "{level}" }}\n'
    )
    project.tests(
        """
        def test_1_the_service_sees_its_fake(legacy):
            svc = legacy.load("svc")
            assert type(svc.client).__module__ in ("unittest.mock", "harness.fakes.mongo")

        def test_2_a_later_test_gets_the_real_pymongo():
            import pymongo
            from pymongo.errors import DuplicateKeyError
            assert pymongo.MongoClient.__module__ == "pymongo.synchronous.mongo_client"
            assert not hasattr(pymongo, "__harness_fidelity__")
            assert issubclass(DuplicateKeyError, Exception)
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=2)


def test_each_distinct_configuration_is_imported_once_per_session(project: Project) -> None:
    _project(project).tests(
        """
        SEEN = []

        def test_1(legacy):
            SEEN.append(legacy.load("svc"))

        def test_2(legacy):
            assert legacy.load("svc") is SEEN[0]

        def test_3_other_env_is_another_import(legacy):
            other = legacy.load("svc", env={"VENDOR_URL": "http://elsewhere"})
            assert other is not SEEN[0] and other.SEEN_AT_IMPORT["env"] == "http://elsewhere"
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=3)


def test_the_import_report_is_printed_with_verbose(project: Project) -> None:
    _project(project).tests("def test_1(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest("-v")

    result.stdout.fnmatch_lines(
        [
            "*harness: import-time side effects*",
            "svc: svc*service.py imported as service in * ms",
            "*faked:*vendor_sdk (stub)*",
            "*client:*vendor_sdk.client.session.Session at line 15 -> session*",
            "*env:*VENDOR_URL='http://192.0.2.1:8080' (plausible (url))*",
            "*thread:*Thread(target=builtins.print) at svc*service.py:16, non-daemon, start() recorded, not started*",
            "*refused:*connect 203.0.113.9:443 from svc*service.py:19*",
        ]
    )


def test_the_import_report_is_attached_to_a_failing_test(project: Project) -> None:
    _project(project).tests("def test_1(legacy):\n    legacy.load('svc')\n    assert False\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*- harness -*", "svc: *imported as service in*"])


def test_a_failed_import_says_what_it_ran_with_and_the_error_on_one_line(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py",
        """
        import os

        import requests  # a backend's client, faked
        import json  # imported by the process before the service: nothing to say of it

        DSN = os.environ["ORDERS_DSN"]


        def connect():
            raise RuntimeError("no application context.\\n\\nPush one first.")


        connect()
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*importing svc (svc/service.py) failed at svc/service.py:11:*"
            "RuntimeError: no application context. Push one first.",
            "The import ran with:",
            "*faked:*requests (fake)*",
            "*env:*ORDERS_DSN=*",
            "Fix: if it needs a backend or a variable the harness did not give it, declare it with "
            "fake = *pyproject.toml [[]tool.harness.services.svc[]]; an error of the code itself*",
        ]
    )


def test_a_failed_import_names_the_service_line_not_code_a_library_generated(
    project: Project,
) -> None:
    # SQLAlchemy, attrs and dataclasses compile functions under `<string>`: made absolute, that
    # name looked like a file of the service's directory.
    project.legacy(
        "svc/service.py",
        """
        generated = {}
        exec(compile("def parse(text):\\n    return int(text)\\n", "<string>", "exec"), generated)

        LIMIT = generated["parse"]("ten")
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*importing svc (svc/service.py) failed at svc/service.py:5: `LIMIT = generated*"]
    )


def test_a_missing_package_every_import_of_which_is_guarded_is_left_missing(
    project: Project,
) -> None:
    # A stub would make the import succeed, and the code take its "installed" branch with
    # MagicMocks; a missing package imported unguarded is still stubbed.
    project.legacy(
        "svc/service.py",
        """
        import harness_example_agent_not_installed as agent

        try:
            import harness_example_speedups_not_installed as fast_json
        except ImportError:
            import json as fast_json


        def _has_reports():
            try:
                from harness_example_reports_not_installed import render  # noqa: F401
            except ImportError:
                return False
            return True


        REPORTS = _has_reports()
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_load(legacy):
            svc = legacy.load("svc")
            assert svc.fast_json.dumps([1]) == "[1]"
            assert svc.REPORTS is False
            assert "harness_example_agent_not_installed (stub)" in legacy.report
            assert "harness_example_speedups_not_installed is not installed; every import" in legacy.report
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_a_backend_package_imported_before_the_service_is_reported_as_such(
    project: Project,
) -> None:
    # Faked in case the service uses it (its import would bypass the finder): said so, not
    # listed as if the service had imported it.
    project.legacy("svc/service.py", "VALUE = 1\n")
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        "import requests  # noqa: F401\n\n\n"
        "def test_load(legacy):\n    legacy.load('svc')\n"
    )

    result = project.pytester.runpytest("-v")

    result.stdout.fnmatch_lines(["*faked:*requests (fake, imported before the service)*"])


def test_a_difference_left_after_the_restore_is_named(monkeypatch) -> None:
    from harness.restore import ProcessSnapshot

    snapshot = ProcessSnapshot.take()
    monkeypatch.setenv("LEFT_BEHIND", "1")
    monkeypatch.setattr("threading.Timer", object)

    assert snapshot.differences() == ["os.environ: LEFT_BEHIND", "threading: Timer"]


def test_pytest_capture_handlers_carried_onto_another_logger_leave_it_at_the_restore() -> None:
    import logging

    from harness.restore import ProcessSnapshot, is_pytest_handler

    server = logging.getLogger("harness_tests.carried.server")
    snapshot = ProcessSnapshot.take()
    # What a logging configuration run again by the code under test can leave: the root's
    # handlers, pytest's capture handlers among them, on a logger of its own.
    server.handlers = list(logging.getLogger().handlers)
    server.propagate = False
    assert any(is_pytest_handler(handler) for handler in server.handlers)

    snapshot.restore()

    assert snapshot.differences() == []
    assert (server.handlers, server.propagate) == ([], True)
    assert any(is_pytest_handler(handler) for handler in logging.getLogger().handlers)
