"""Which variables count as set by the project's test runners (LH301's outside setups)."""

from __future__ import annotations

from harness.lint.project import SKIPPED_DIRS
from harness.lint.runner_env import runner_env


def names(tmp_path, files: dict[str, str]) -> frozenset[str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return runner_env(str(tmp_path), SKIPPED_DIRS)


def test_assignments_in_files_that_run_the_tests_count(tmp_path):
    found = names(tmp_path, {
        "scripts/unit.sh": 'export DB_URL=sqlite://\nAPI_KEY="k" python -m pytest tests\n',
        "Makefile": "TOKEN := abc\ntest:\n\tpytest\n",
        "docker/test.yml": "services:\n  api:\n    command: pytest\n    environment:\n"
                           "      - BROKER=x\n      REGION: eu\n",
        ".github/workflows/ci.yml": "jobs:\n  t:\n    env:\n      SECRET: s\n"
                                    "    steps:\n      - run: pytest\n",
        "tox.ini": "[testenv]\nsetenv =\n    QUEUE = q\ncommands = pytest\n",
    })
    assert {"DB_URL", "API_KEY", "TOKEN", "BROKER", "REGION", "SECRET", "QUEUE"} <= found


def test_reads_and_files_that_run_no_tests_do_not_count(tmp_path):
    found = names(tmp_path, {
        "deploy.sh": "export PROD_KEY=abc\n./server\n",
        "scripts/unit.sh": 'echo "$READ_ONLY=" ${OTHER}\npytest --url=$URL_VALUE\n',
        ".venv/bin/activate.sh": "VENV_ONLY=1 pytest\n",
    })
    assert not {"PROD_KEY", "READ_ONLY", "OTHER", "URL_VALUE", "VENV_ONLY"} & found
