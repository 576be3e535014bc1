"""Ctrl-C pressed again while `harness mutants` is stopping: the temporary copies still go away."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from .test_command import harness, snapshot


@pytest.mark.parametrize("gap", [0.2])
def test_two_ctrl_c_in_a_row_leave_no_copy_in_the_temporary_folder(
    toy_project: Path, tmp_path: Path, gap: float
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (toy_project / "tests/baseline/current/test_slow.py").write_text(
        "import time\n\n\ndef test_takes_a_second():\n    time.sleep(1.0)\n"
    )
    before = snapshot(toy_project)
    run = harness(
        "--root", str(toy_project), "--service", "current", "--suite", "baseline",
        "--verify", "0", "--reports", str(tmp_path / "reports"), cwd=tmp_path, tmp=tmp,
    )  # fmt: skip
    assert run.stderr is not None
    assert "current/baseline: started" in run.stderr.readline()
    time.sleep(1.5)  # copying or mutating by now

    run.send_signal(signal.SIGINT)
    time.sleep(gap)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=90)

    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert snapshot(toy_project) == before
    assert list(tmp.iterdir()) == []
