"""Code nested as deeply as Python compiles is analysed; deeper, it is one line naming the file.

No RecursionError ever reaches a user, and the other files are still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import errors, run, write


def chain(terms: int, term: str = "a") -> str:
    return " + ".join([term] * terms)


def service(terms: int) -> str:
    return f"import os\n\na = 1\nTOTAL = {chain(terms)}\nHOST = os.environ['HOST']\n"


def linted_test(terms: int) -> str:
    return (
        "from unittest.mock import patch\n\nimport svc\n\n"
        f"LABEL = {chain(terms, repr('x'))}\n\n\n"
        "def test_poll():\n    with patch('kafka.KafkaConsumer'):\n        pass\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'example'\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("terms", [350, 2500])
def test_scan_and_init_analyse_a_long_chain_python_compiles(project: Path, capsys,
                                                             terms: int) -> None:
    write(project, {"svc.py": service(terms)})
    compile(service(terms), "svc.py", "exec")  # Python itself accepts it

    code, out, err = run(capsys, "scan", "svc.py")
    assert (code, err) == (1, "")
    assert "svc.py:5: HOST" in out

    code, out, err = run(capsys, "init", "svc.py")
    assert code == 0 and "[tool.harness.services.svc]" in out and "Traceback" not in err


@pytest.mark.parametrize("terms", [400, 2500])
def test_lint_analyses_long_string_concatenations_python_compiles(project: Path, capsys,
                                                                    terms: int) -> None:
    module = f"from confluent_kafka import Consumer\n\nLABEL = {chain(terms, repr('x'))}\n"
    write(project, {"svc.py": module, "tests/test_svc.py": linted_test(terms)})
    compile(linted_test(terms), "test_svc.py", "exec")
    compile(module, "svc.py", "exec")

    code, out, err = run(capsys, "lint", "--no-cache", "--jobs", "1", "tests")

    assert code == 1 and errors(err) == []
    assert "tests/test_svc.py:9:16: LH101" in out


@pytest.mark.parametrize(
    "source",
    [f"a = 1\nX = {chain(4_000)}\n", "X = " + "[" * 5000 + "]" * 5000 + "\n",
     "X = " + "-" * 200_000 + "1\n", "X = " + "not " * 200_000 + "1\n"],
    ids=["chain-4k", "nested-lists", "unary-200k", "not-200k"],
)
def test_deeper_than_python_compiles_is_one_line_and_the_rest_goes_on(
    project: Path, capsys, source: str
) -> None:
    write(project, {"deep.py": source, "svc.py": service(3),
                    "tests/test_deep.py": "from unittest.mock import patch\n" + source,
                    "tests/test_svc.py": linted_test(3)})

    # Deeper than Python compiles: analysed all the same (within a bound), or one line.
    code, out, err = run(capsys, "scan", "deep.py", "svc.py")
    assert "svc.py:5: HOST" in out and "Traceback" not in err
    assert (code, err.count("\n")) == (2, 1) and err.startswith("harness scan: deep.py:") or (
        (code, err) == (1, "")
    ), err

    code, out, err = run(capsys, "lint", "--no-cache", "--jobs", "1", "tests")
    assert "tests/test_svc.py:9:16: LH101" in out and "Traceback" not in err
    assert code == 2 and len(errors(err)) == 1 and errors(err)[0].startswith(
        "tests/test_deep.py:") or (code, errors(err)) == (1, []), err

    code, out, err = run(capsys, "init", "deep.py")
    assert (code, out) == (2, "") and "deep.py:" in err and err.count("\n") == 1 or (
        code == 0 and "Traceback" not in err
    ), err


@pytest.mark.parametrize(("terms", "fixed"), [(300, True), (2500, False)])
def test_fix_rewrites_a_long_chain_or_leaves_the_file_as_it_was(
    project: Path, capsys, terms: int, fixed: bool
) -> None:
    test = (
        "from unittest.mock import patch\n\nimport svc\n\n"
        f"LABEL = {chain(terms, repr('x'))}\n\n\n"
        "def test_get():\n    with patch('requests.get'):\n        svc.fetch()\n"
    )
    write(project, {"svc.py": "from requests import get\n\n\ndef fetch():\n    return get('u')\n",
                    "tests/test_svc.py": test})

    code, _, err = run(capsys, "lint", "--no-cache", "--jobs", "1", "--fix", "tests")

    after = (project / "tests/test_svc.py").read_text()
    if fixed:
        assert code == 0, err
        assert after == test.replace("'requests.get'", "'svc.get'")
    else:  # libcst would take minutes: one line, the file untouched
        assert code == 2 and after == test
        assert errors(err) == [
            "tests/test_svc.py:1: error: cannot fix: nested 2,502 levels deep, too deep for "
            "libcst to rewrite in reasonable time (the limit is 1,000); left as it was, fix it "
            "by hand"
        ]
