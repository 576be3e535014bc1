"""`[tool.harness.lint]` is validated as the command line is: the key is named, the run stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run, write

TEST = "from unittest.mock import patch\n\n\ndef test_x():\n    patch('kafka.KafkaConsumer')\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"tests/test_x.py": TEST})
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('select = ["LH1O1"]', "[tool.harness.lint] select: 'LH1O1' matches no rule; known: LH101"),
        ('ignore = ["LH9"]', "[tool.harness.lint] ignore: 'LH9' matches no rule"),
        ("select = 5", "[tool.harness.lint] select must be a list of strings"),
        ("cache-dir = 5", "[tool.harness.lint] cache-dir must be a folder name (a string), got 5"),
        ('cache-dir = "/tmp/elsewhere"', "[tool.harness.lint] cache-dir: '/tmp/elsewhere' is "
                                         "outside the project"),
        ('cache-dir = "../up"', "[tool.harness.lint] cache-dir: '../up' is outside the project"),
        ('cache-dir = "a/../../up"', "[tool.harness.lint] cache-dir: 'a/../../up' is outside"),
        ('src = ["/usr/lib"]', "[tool.harness.lint] src: '/usr/lib' is outside the project"),
        ('max-file-size = "big"', "[tool.harness.lint] max-file-size must be a positive number"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(project: Path, capsys, table: str,
                                                message: str) -> None:
    write(project, {"pyproject.toml": f"[tool.harness.lint]\n{table}\n"})

    code, out, err = run(capsys, "lint", "--no-cache", "tests")

    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert str(project / "pyproject.toml") in err
    assert not (project / "5").exists() and not (project / ".harness_cache").exists()


def test_the_command_line_and_the_configuration_say_the_same_about_a_code(
    project: Path, capsys
) -> None:
    _, _, from_command_line = run(capsys, "lint", "--no-cache", "--select", "LH1O1", "tests")
    write(project, {"pyproject.toml": '[tool.harness.lint]\nselect = ["LH1O1"]\n'})
    _, _, from_config = run(capsys, "lint", "--no-cache", "tests")

    assert from_command_line.split(": ", 2)[2] == from_config.split(": ", 3)[3]


def test_a_cache_folder_inside_the_project_is_accepted(project: Path, capsys) -> None:
    write(project, {"pyproject.toml": '[tool.harness.lint]\ncache-dir = "build/../.lint"\n'})

    code, _, _ = run(capsys, "lint", "tests")

    assert code == 0 and (project / ".lint").is_dir()
