"""`--fix`, `--diff` and `init --write` keep what they do not mean to change, byte for byte;
what they cannot handle is one line, exit 2, and the file untouched."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from harness.analysis import AnalysisError
from harness.lint.fix import plan_fixes
from harness.lint.rule import Finding, Fix

from .helpers import run, write

SERVICE = "from requests import get\n\n\ndef fetch():\n    return get('u')\n"
TEST = (
    "from unittest.mock import patch\n\nimport svc\n\n\n"
    "def test_get():\n    with patch('requests.get'):\n        svc.fetch()\n"
)
FIXED = TEST.replace("'requests.get'", "'svc.get'")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'example'\n", "svc.py": SERVICE})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys, *args: str) -> tuple[int, str, str]:
    return run(capsys, "lint", "--no-cache", "--jobs", "1", *args)


LATIN1 = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + TEST


def test_fix_rewrites_a_latin1_file_in_latin1(project: Path, capsys) -> None:
    test = project / "tests" / "test_svc.py"
    write(project, {"tests/test_svc.py": LATIN1.encode("latin-1")})

    code, out, err = lint(capsys, "--diff", "tests")
    assert code == 1 and "+    with patch('svc.get'):" in out and "caf\xe9" not in out, err
    assert test.read_bytes() == LATIN1.encode("latin-1")

    code, _, err = lint(capsys, "--fix", "tests")
    assert code == 0, err
    assert test.read_bytes() == LATIN1.replace("'requests.get'", "'svc.get'").encode("latin-1")


@pytest.mark.parametrize(("bom", "newline"), [(True, "\r\n"), (True, "\n"), (False, "\r\n")])
def test_fix_keeps_a_bom_and_crlf_line_endings(project: Path, capsys, bom: bool,
                                                newline: str) -> None:
    prefix = codecs.BOM_UTF8 if bom else b""
    test = project / "tests" / "test_svc.py"
    write(project, {"tests/test_svc.py": prefix + TEST.replace("\n", newline).encode()})

    code, _, err = lint(capsys, "--fix", "tests")

    assert code == 0, err
    assert test.read_bytes() == prefix + FIXED.replace("\n", newline).encode()


def test_a_target_the_file_encoding_cannot_hold_is_an_error_and_no_change(
    project: Path,
) -> None:
    test = project / "tests" / "test_svc.py"
    write(project, {"tests/test_svc.py": LATIN1.encode("latin-1")})
    # A module under test named in Cyrillic: latin-1 cannot spell the fixed target.
    finding = Finding(str(test), 9, 16, "LH102", "patched where defined",
                      fix=Fix(9, 16, "requests.get", "сервис.get"))
    errors: list[AnalysisError] = []

    assert plan_fixes([finding], errors) == []

    assert [str(e) for e in errors] == [
        f"{test}:9: cannot fix: the new target cannot be written in the file's encoding "
        "(iso-8859-1); left as it was"
    ]
    assert test.read_bytes() == LATIN1.encode("latin-1")


def test_a_file_that_cannot_be_decoded_is_not_fixed(project: Path, capsys) -> None:
    write(project, {"tests/test_svc.py": TEST})
    test = project / "tests" / "test_svc.py"
    finding = Finding(str(test), 7, 16, "LH102", "m", fix=Fix(7, 16, "requests.get", "svc.get"))
    test.write_bytes(b"\xff\xfe" + TEST.encode())
    errors: list[AnalysisError] = []

    assert plan_fixes([finding], errors) == []

    assert len(errors) == 1 and "not valid utf-8 text" in str(errors[0])


MODULE = "import os\n\nHOST = os.environ['HOST']\n"


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_init_write_keeps_crlf_leading_blank_lines_and_a_bom(
    project: Path, capsys, bom: bytes
) -> None:
    original = "\r\n\r\n# ours\r\n[project]\r\nname = 'example'\r\n"
    (project / "pyproject.toml").write_bytes(bom + original.encode())
    write(project, {"worker.py": MODULE})

    code, _, err = run(capsys, "init", "worker.py", "--write")

    assert code == 0, err
    data = (project / "pyproject.toml").read_bytes()
    assert data.startswith(bom + original.encode())
    text = data[len(bom):].decode()
    assert "[tool.harness.services.worker]\r\n" in text
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF


@pytest.mark.parametrize(
    "original",
    ['tool = { harness = { lint = { select = ["LH"] } } }\n',
     '[tool]\nharness = { lint = { select = ["LH"] } }\n'],
    ids=["tool-inline", "harness-inline"],
)
def test_init_write_into_an_inline_table_is_one_line_and_no_change(
    project: Path, capsys, original: str
) -> None:
    (project / "pyproject.toml").write_text(original)
    write(project, {"worker.py": MODULE})

    code, out, err = run(capsys, "init", "worker.py", "--write")

    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "is an inline table" in err and "nothing written" in err
    assert (project / "pyproject.toml").read_text() == original


def test_init_write_never_follows_a_link_out_of_the_folder(
    project: Path, tmp_path_factory: pytest.TempPathFactory, capsys
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "pyproject.toml"
    outside.write_text("[project]\nname = 'theirs'\n")
    (project / "pyproject.toml").unlink()
    (project / "pyproject.toml").symlink_to(outside)
    write(project, {"worker.py": MODULE})

    code, _, err = run(capsys, "init", "worker.py", "--write")

    assert code == 2 and "symbolic link leading out of the current folder" in err
    assert outside.read_text() == "[project]\nname = 'theirs'\n"
