"""`harness mutants` from the command line: usage errors, a smoke run, and Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main

from .conftest import child_env


def harness(*args: str, cwd: Path, tmp: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "mutants", *args],
        cwd=cwd,
        # TMPDIR: where the run's workspace copies go, checked to be gone afterwards.
        env=child_env(TMPDIR=str(tmp)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def snapshot(root: Path) -> dict[Path, bytes]:
    """The project's files, but for the verdict cache a run keeps there."""
    return {
        p: p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".harness_cache" not in p.parts
    }


def test_a_bad_option_value_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["mutants", "--jobs", "0"])

    assert exit_info.value.code == 2
    assert "must be at least 1, not 0" in capsys.readouterr().err


def test_a_project_without_the_table_is_told_which_one_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')

    assert main(["mutants", "--root", str(tmp_path)]) == 2

    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert (
        f"{tmp_path / 'pyproject.toml'}: no [tool.harness.mutants] targets; add one"
        in error
    )
    assert '[tool.harness.mutants.targets.NAME] mutate = ["path/to/module.py"]' in error
    assert "harness init path/to/module.py" in error


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--service", "worker"], "--service worker: not in"),
        (["--suite", "harness"], "--suite harness: not in"),
    ],
)
def test_targets_and_suites_are_chosen_among_the_configured_ones(
    toy_project: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    expected: str,
) -> None:
    assert main(["mutants", "--root", str(toy_project), *option]) == 2

    error = capsys.readouterr().err
    assert expected in error
    assert "(choose from current)" in error or "(choose from baseline)" in error


def test_a_configured_file_that_is_missing_is_a_usage_error(
    toy_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (toy_project / "legacy_services/current/current.py").unlink()

    assert main(["mutants", "--root", str(toy_project)]) == 2
    assert (
        "[tool.harness.mutants.targets.current] mutate: legacy_services/current/current.py "
        "not found under" in capsys.readouterr().err
    )


def test_a_shard_needs_an_output_path(
    toy_project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "3")

    assert main(["mutants", "--root", str(toy_project)]) == 2
    assert "--shard 2/3 (or CI_NODE_INDEX/CI_NODE_TOTAL) needs --output PATH" in (
        capsys.readouterr().err
    )


@pytest.mark.timeout(300)  # a whole (small) run: slow on a shared machine
def test_a_smoke_run_tests_a_sample_and_writes_the_reports(
    toy_project: Path, tmp_path: Path
) -> None:
    (tmp_path / "tmp").mkdir()
    reports = tmp_path / "reports"
    before = snapshot(toy_project)

    run = harness(
        "--root", str(toy_project), "--service", "current", "--suite", "baseline",
        "--sample", "2", "--verify", "0", "--jobs", "1", "--reports", str(reports),
        cwd=tmp_path, tmp=tmp_path / "tmp",
    )  # fmt: skip
    with run:  # pipes closed and the process reaped, whatever the asserts below say
        out, err = run.communicate(timeout=240)

    assert run.returncode == 0, err
    assert "current/baseline: done" in err
    data = json.loads((reports / "mutation.json").read_text())
    baseline = data["services"][0]["suites"]["baseline"]
    assert data["sample"] == 2
    assert baseline["mutants"] == 2 and baseline["skipped"] == 0
    assert "Smoke run" in (reports / "mutation.md").read_text()
    assert "<svg" in (reports / "mutation.html").read_text()
    assert f"reports: {reports / 'mutation.md'}" in out
    assert snapshot(toy_project) == before
    assert list((tmp_path / "tmp").iterdir()) == []


def test_ctrl_c_stops_the_run_and_leaves_the_checkout_as_it_was(
    toy_project: Path, tmp_path: Path
) -> None:
    (tmp_path / "tmp").mkdir()
    # A second per suite run: on an idle machine the whole toy run can end within the two
    # seconds below, and a finished run has nothing left to interrupt.
    (toy_project / "tests/baseline/current/test_slow.py").write_text(
        "import time\n\n\ndef test_takes_a_second():\n    time.sleep(1.0)\n"
    )
    before = snapshot(toy_project)
    run = harness(
        "--root", str(toy_project), "--service", "current", "--suite", "baseline",
        "--verify", "0", "--reports", str(tmp_path / "reports"),
        cwd=tmp_path, tmp=tmp_path / "tmp",
    )  # fmt: skip
    assert run.stderr is not None
    assert "current/baseline: started" in run.stderr.readline()
    time.sleep(2.0)  # inside mutmut's run by now, a mutant possibly written to the copy

    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)

    assert run.returncode == 130
    assert "harness: interrupted" in err
    assert snapshot(toy_project) == before
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "reports").exists()
