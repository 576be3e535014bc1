"""`--fix` never turns a passing test into a failing one; output that never depends on hash
seeds or `--jobs`; `--src` taken relative to where the command runs.

The toy project is the one that once broke: `pkg.a` defines `helper()` and its own `run()` calls
it, `pkg.b` took a copy with `from pkg.a import helper`.  Its suite is run for real with pytest
(in a subprocess, on its own small files) before and after `harness lint --fix`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

from .examples import write_project

PKG = {
    "pkg/__init__.py": "",
    "pkg/a.py": 'def helper():\n    return "real"\n\n\ndef run():\n    return helper()\n',
    "pkg/b.py": (
        "from pkg.a import helper\n\n\n"
        'def report():\n    return f"report: {helper()}"\n'
    ),
}

# The test the old --fix broke: it patches pkg.a.helper and exercises run(), which looks helper
# up through pkg.a's globals, so the patch works; pkg.b's copy is never reached.
WORKING = """\
from unittest.mock import patch

import pkg.b
from pkg.a import run


def test_run_sees_the_patched_helper():
    with patch("pkg.a.helper", return_value="mock"):
        assert run() == "mock"


def test_run_is_real_without_the_patch():
    assert run() == "real"
"""

# A really ineffective patch: report() looks helper up through pkg.b's copy.
BROKEN = """\
from unittest.mock import patch

import pkg.b


def test_report_sees_the_patched_helper():
    with patch("pkg.a.helper", return_value="mock"):
        assert pkg.b.report() == "report: mock"
"""


def run_suite(root: Path) -> dict[str, int]:
    """The toy suite's outcome counts, from a real pytest run in its own process."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
        # Plain pytest: the installed plugins only slow a three-test toy down.
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1",
             "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )  # fmt: skip
    return {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error)", completed.stdout)}


def lint(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_fix_leaves_a_patch_that_works_through_the_defining_module_alone(
    tmp_path, monkeypatch, capsys
):
    write_project(tmp_path, {**PKG, "tests/test_run.py": WORKING})
    monkeypatch.chdir(tmp_path)
    before = run_suite(tmp_path)

    code, out, _ = lint(capsys, "--fix", "tests")

    assert before == {"passed": 2}
    assert (code, out) == (0, "")
    assert (tmp_path / "tests/test_run.py").read_text() == WORKING
    assert run_suite(tmp_path) == before


def test_fix_of_an_ineffective_patch_makes_the_failing_test_pass(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {**PKG, "tests/test_run.py": BROKEN})
    monkeypatch.chdir(tmp_path)
    before = run_suite(tmp_path)

    code, out, _ = lint(capsys, "tests")
    lint(capsys, "--fix", "tests")

    assert before == {"failed": 1}
    assert code == 1
    assert "report() at pkg/b.py:4, which looks up that copy" in out
    assert 'patch("pkg.b.helper"' in (tmp_path / "tests/test_run.py").read_text()
    assert run_suite(tmp_path) == {"passed": 1}


# Many modules each copy helper; which one a finding cites once followed hash order.
def _many_copies() -> dict[str, str]:
    files = {"pkg/__init__.py": "", "pkg/a.py": 'def helper():\n    return "real"\n'}
    names = [f"m{index}" for index in range(8)]
    for name in names:
        files[f"pkg/{name}.py"] = (
            "from pkg.a import helper\n\n\n"
            f"def use_{name}():\n    return helper()\n"
        )
    files["pkg/app.py"] = "".join(f"import pkg.{n}\n" for n in names) + (
        "\n\ndef run():\n" + "".join(f"    pkg.{n}.use_{n}()\n" for n in names)
    )
    files["tests/test_app.py"] = (
        "from unittest.mock import patch\n\nimport pkg.app\n\n\n"
        "def test_run():\n"
        '    with patch("pkg.a.helper"):\n'
        "        pkg.app.run()\n"
    )
    files["tests/test_other.py"] = (
        "from unittest.mock import patch\n\nimport pkg.app\n\n\n"
        '@patch("kafka.KafkaConsumer")\n'
        "def test_other(consumer):\n"
        "    pkg.app.run()\n"
    )
    return files


def test_output_is_the_same_whatever_the_hash_seed_and_the_number_of_jobs(tmp_path):
    write_project(tmp_path, _many_copies())
    outputs = set()
    for seed, jobs in (("0", "1"), ("1", "1"), ("2", "2"), ("3", "2")):
        completed = subprocess.run(
            [sys.executable, "-m", "harness", "lint", "--no-cache", "--jobs", jobs, "tests"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert completed.returncode == 1, completed.stderr
        outputs.add(completed.stdout)
    assert len(outputs) == 1
    (output,) = outputs
    assert "pkg/m0.py:1" in output  # the first copy in file order, every time


def test_src_is_relative_to_the_current_directory(tmp_path, monkeypatch, capsys):
    # No pyproject.toml: the root is found elsewhere, but `--src .` still means here.
    work = tmp_path / "work"
    for name, text in {"svc.py": "from requests import get\n\n\ndef archive(url):\n"
                                 "    return get(url)\n",
                       "tests/test_svc.py": "from unittest.mock import patch\n\nimport svc\n\n\n"
                                            "def test_archive():\n"
                                            '    with patch("requests.get"):\n'
                                            '        svc.archive("x")\n'}.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(work)

    code, out, err = lint(capsys, "--src", ".", "tests")

    assert code == 1
    assert "LH102 'requests.get'" in out
    assert "warning" not in err


def test_a_src_without_python_files_is_warned_about(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {**PKG, "tests/test_run.py": WORKING, "docs/index.md": "# docs\n"})
    monkeypatch.chdir(tmp_path)

    code, _, err = lint(capsys, "--src", "docs", "--src", "missing", "tests")

    assert code == 0
    assert f"warning: --src docs ({tmp_path / 'docs'}) holds no Python file" in err
    assert "warning: --src missing" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fixable_findings_in_parallel_are_the_same(tmp_path, jobs, monkeypatch, capsys):
    write_project(tmp_path, {**PKG, "tests/test_run.py": BROKEN})
    monkeypatch.chdir(tmp_path)
    code, out, _ = lint(capsys, "--jobs", jobs, "tests")
    assert code == 1
    assert "[fix: patch 'pkg.b.helper' (fixable with --fix)]" in out
