"""Only regular files are read, never more than the size limit, never through a link leading out
of the project: each such file is one line, exit 2, and the rest is still reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.analysis import AnalysisError
from harness.analysis.source import read_bytes

from .helpers import errors, run, write

SERVICE = "from confluent_kafka import DeserializingConsumer\n"
PHANTOM_TEST = (
    "from unittest.mock import patch\n\nimport svc\n\n\n"
    "def test_poll():\n    with patch('kafka.KafkaConsumer'):\n        pass\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    write(root, {"pyproject.toml": "[project]\nname = 'example'\n", "svc.py": SERVICE,
                 "tests/test_svc.py": PHANTOM_TEST})
    os.mkfifo(root / "tests" / "test_fifo.py")
    os.mkfifo(root / "fifo_module.py")
    (root / "tests" / "test_zero.py").symlink_to("/dev/zero")
    (root / "tests" / "test_outside.py").symlink_to(tmp_path / "outside.py")
    (tmp_path / "outside.py").write_text(PHANTOM_TEST)
    (root / "tests" / "test_inside.py").symlink_to(root / "tests" / "test_svc.py")
    monkeypatch.chdir(root)
    return root


@pytest.mark.timeout(60)  # a FIFO opened for reading would block here forever
def test_lint_reports_special_files_and_links_out_of_the_project_and_goes_on(
    project: Path, capsys
) -> None:
    code, out, err = run(capsys, "lint", "--no-cache", "--jobs", "1", ".")

    assert code == 2
    assert sorted(errors(err)) == [
        "fifo_module.py: error: a named pipe (FIFO), not a regular file; not read",
        "tests/test_fifo.py: error: a named pipe (FIFO), not a regular file; not read",
        "tests/test_outside.py: error: symbolic link leading outside the project; not followed",
        "tests/test_zero.py: error: symbolic link leading outside the project; not followed",
    ]
    # A link inside the project is followed; the real test file is still linted.
    assert "tests/test_svc.py:7:" in out and "tests/test_inside.py:7:" in out
    assert "Traceback" not in err


@pytest.mark.timeout(60)
def test_scan_reports_special_files_and_links_out_of_the_folder_and_goes_on(
    project: Path, capsys
) -> None:
    code, out, err = run(capsys, "scan", ".")

    assert code == 2
    assert "./svc.py (module svc)" in out
    lines = sorted(line for line in err.splitlines() if "harness scan:" in line)
    assert len(lines) == 4, err
    assert "fifo_module.py: a named pipe (FIFO), not a regular file; not read" in lines[0]
    assert "test_fifo.py: a named pipe (FIFO), not a regular file; not read" in lines[1]
    assert "test_outside.py: symbolic link leading outside" in lines[2]
    assert "test_zero.py: symbolic link leading outside" in lines[3]


@pytest.mark.timeout(60)
def test_init_on_a_fifo_is_one_line(project: Path, capsys) -> None:
    code, out, err = run(capsys, "init", "fifo_module.py")

    assert (code, out) == (2, "")
    assert err == "harness init: fifo_module.py: a named pipe (FIFO), not a regular file; not read\n"


def test_a_device_is_never_read(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="a character device, not a regular file"):
        read_bytes("/dev/zero", 1000)


def test_the_size_a_file_claims_is_not_trusted(tmp_path: Path) -> None:
    # /proc files say they hold 0 bytes and hold more: the read stops one byte past the limit.
    status = "/proc/self/status"
    assert os.stat(status).st_size == 0
    with pytest.raises(AnalysisError, match="file is more than 100 bytes, above the 100-byte"):
        read_bytes(status, 100)
