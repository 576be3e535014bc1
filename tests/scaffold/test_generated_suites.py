"""The setup `harness init` writes works on the three services with no hand edits.

One generated project: the services copied in, a raw conftest and a smoke test per route written
for each by `harness init --write`, plus a test per service that the ordered import leaves the
process as it found it; run in a subprocess, because the import contract is about a fresh
process's sys.modules.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
SERVICES = {
    "current": "legacy_services/current/current.py",
    "historyAPI": "legacy_services/history/historyAPI.py",
    "usage": "legacy_services/usage/usage.py",
}

ISOLATION_TEST = """
import os
import sys
import threading
from unittest.mock import NonCallableMock


def test_ordered_import_gives_back_modules_env_and_threading(service_importer):
    modules_before = dict(sys.modules)
    environ_before = dict(os.environ)
    thread_class_before = threading.Thread

    imported = service_importer()

    assert threading.Thread is thread_class_before
    assert dict(os.environ) == environ_before
    assert [n for n, m in modules_before.items() if sys.modules.get(n) is not m] == []
    assert not [n for n, m in sys.modules.items() if isinstance(m, NonCallableMock)]
    assert imported.module.__name__ not in sys.modules
    # The consumer thread was asked for at import, and recorded instead of started.
    assert [c.kwargs["target"].__name__ for c in imported.thread_class.call_args_list] == ["consume_data"]
"""


@pytest.fixture
def generated_project(pytester: pytest.Pytester, harness_cli) -> Path:
    """The services and, for each, what `harness init --template raw --smoke-tests` writes."""
    shutil.copytree(
        REPO_ROOT / "legacy_services",
        pytester.path / "legacy_services",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name, source in SERVICES.items():
        result = harness_cli("init", source, "--template", "raw", "--smoke-tests", "--write")
        assert result.exit_code == 0, result.err
        (pytester.path / "tests" / name / f"test_{name}_isolation.py").write_text(ISOLATION_TEST)
    return pytester.path


def test_generated_raw_suites_pass_for_the_three_services(
    pytester: pytest.Pytester, generated_project, child_session_options
):
    result = pytester.runpytest_subprocess(
        "-W", "error", "-p", "no:cacheprovider", *child_session_options, "tests"
    )  # fmt: skip

    # 3 + 3 + 3 smoke tests (one per route) and one isolation test per service.
    result.assert_outcomes(passed=12)


def test_generated_raw_suites_lint_clean(generated_project, harness_cli):
    clean = harness_cli("lint", "--no-cache", "tests")
    conftest = generated_project / "tests" / "current" / "conftest.py"
    conftest.write_text(conftest.read_text().replace('"KAFKA_IP": "192.0.2.1",', ""))
    broken = harness_cli("lint", "--no-cache", "tests/current")

    assert clean.exit_code == 0, clean.out + clean.err
    # The linter does see the module under test through the generated conftest:
    assert broken.exit_code == 1
    assert re.search(r"conftest\.py:\d+:\d+: \w+ importing current reads KAFKA_IP", broken.out)


def test_generated_plugin_smoke_suite_passes_for_a_flask_application_package(
    pytester: pytest.Pytester, harness_cli, monkeypatch, child_session_options
):
    # Routes registered by shop/views.py on the app shop/__init__.py builds, app.py the service;
    # the SQLAlchemy engine it builds at import is the plugin's to redirect.
    shutil.copytree(
        HERE / "fixtures" / "shop_package",
        pytester.path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.chdir(pytester.path)
    written = harness_cli("init", "app.py", "--smoke-tests", "--write")

    result = pytester.runpytest_subprocess(
        "-W", "error", "-p", "no:cacheprovider", *child_session_options, "tests"
    )  # fmt: skip

    assert written.exit_code == 0, written.err
    result.assert_outcomes(passed=5)  # GET /, /home, /contact, /items/1 and POST /contact
