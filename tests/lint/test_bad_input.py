"""Bad input gives one line per file and exit 2, never a traceback; nothing read is imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.lint.config import load_config
from harness.lint.engine import LintRun

from .examples import write_project

GOOD_TEST = "from unittest.mock import patch\n\nimport svc\n\n\ndef test_ok():\n    assert svc\n"


def lint(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--no-cache", "--jobs", "1", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_each_unreadable_file_is_one_line_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {
        "svc.py": "import requests\n",
        "tests/test_good.py": GOOD_TEST.replace("assert svc", 'patch("kafka.KafkaConsumer")'),
        "tests/test_syntax.py": "def broken(:\n    pass\n",
    })
    tests = tmp_path / "tests"
    (tests / "test_latin1.py").write_bytes(b"x = '\xe9t\xe9'\n")
    (tests / "test_binary.py").write_bytes(b"\x7fELF\x00\x01\x02")
    (tests / "test_huge.py").write_text("x = 1\n" * 100)
    os.symlink(tests / "test_loop.py", tests / "test_loop.py")
    (tmp_path / "pyproject.toml").write_text("[tool.harness.lint]\nmax-file-size = 300\n")
    monkeypatch.chdir(tmp_path)

    code, out, err = lint(capsys, "tests", "missing_dir")

    assert code == 2
    assert "tests/test_good.py:7:11: LH101" in out  # the good file was still linted
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert sorted(errors) == sorted([
        "missing_dir: error: no such file or directory",
        "tests/test_binary.py:1: error: binary file (contains NUL bytes), not Python source",
        "tests/test_huge.py: error: file is 600 bytes, above the 300-byte limit; skipped",
        (
            "tests/test_latin1.py:1: error: not valid utf-8 text (byte 0xe9); add a coding "
            "declaration or re-save the file as UTF-8"
        ),
        "tests/test_loop.py: error: cannot read: symbolic link loop",
        "tests/test_syntax.py:1: error: syntax error: invalid syntax",
    ])
    assert "Traceback" not in err
    assert "6 file(s) could not be read" in err


def test_an_unreadable_file_exits_two_in_every_format(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {"tests/test_syntax.py": "def broken(:\n"})
    monkeypatch.chdir(tmp_path)
    for fmt in ("json", "sarif", "github"):
        code, _, _ = lint(capsys, "--format", fmt, "tests")
        assert code == 2, fmt
    assert "title=harness lint::syntax error" in lint(capsys, "--format", "github", "tests")[1]


def test_linting_never_imports_or_runs_what_it_reads(tmp_path, monkeypatch, capsys):
    marker = tmp_path / "imported.txt"
    side_effect = f"open({str(marker)!r}, 'w').write('ran')\n"
    write_project(tmp_path, {
        "svc.py": side_effect + "import os\nHOST = os.environ['HOST']\n",
        "tests/conftest.py": side_effect + "import svc\n",
        "tests/test_svc.py": side_effect + 'from unittest.mock import patch\n\n@patch("svc.x")\n'
                             "def test_x(x):\n    pass\n",
    })
    monkeypatch.chdir(tmp_path)
    modules_before = set(sys.modules)

    code, out, _ = lint(capsys, "tests")

    assert not marker.exists()
    assert {"svc", "conftest", "test_svc"} & (set(sys.modules) - modules_before) == set()
    assert code == 1 and "LH301" in out and "LH103" in out


SOURCE_PIECES = [
    "import os\n", "import sys\n", "from unittest.mock import patch, MagicMock\n",
    "import svc\n", "from svc import client\n", 'sys.modules["kafka"] = MagicMock()\n',
    'os.environ.setdefault("HOST", "x")\n', 'with patch("threading.Thread"):\n    import svc\n',
    '@patch("svc.client")\ndef test_a(c):\n    c.find.return_value = [1]\n    c.reset_mock()\n',
    'patch.dict(os.environ, {"A": "1"}).start()\n', "def f(:\n", "x = (\n", "\t\tpass\n",
    'monkeypatch.setattr("svc.a.b", 1)\n', "sys.path.insert(0, __file__ + '/..')\n",
    "class T(threading.Thread):\n    pass\n", "while True:\n    break\n", "é = 'ü'\n",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.sampled_from(SOURCE_PIECES), max_size=8),
    noise=st.text(max_size=30),
    cut=st.integers(min_value=0, max_value=400),
)
def test_fuzzed_sources_never_crash_the_linter(tmp_path: Path, pieces, noise, cut):
    source = "".join(pieces)
    source = source[:cut] + noise + source[cut:]
    root = tmp_path / "fuzz"
    write_project(root, {
        "svc.py": source,
        "tests/conftest.py": source,
        "tests/test_svc.py": source[::-1] if cut % 3 == 0 else source,
    })
    result = LintRun(load_config(str(root)), [str(root / "tests")], use_cache=False,
                     jobs=1).execute()
    assert all(f.line >= 1 and f.col >= 1 for f in result.findings)
    assert all(error.message for error in result.errors)


REPO = Path(__file__).resolve().parents[2]
REAL_SOURCES = {
    "current.py": REPO / "legacy_services/current/current.py",
    "tests/conftest.py": REPO / "tests/lint/broken/trap1_phantom_kafka/conftest.py",
    "tests/test_routes.py": REPO / "tests/lint/broken/where_defined_jsonify/test_current_routes.py",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_real_sources_never_crash_the_linter(tmp_path: Path, data):
    files = {}
    for name, source in REAL_SOURCES.items():
        lines = source.read_text().splitlines(keepends=True)
        start = data.draw(st.integers(0, len(lines)), label=f"{name} start")
        stop = data.draw(st.integers(start, min(len(lines), start + 6)), label=f"{name} stop")
        how = data.draw(st.sampled_from(["drop", "repeat", "dedent", "keep"]), label=name)
        chunk = lines[start:stop]
        if how == "drop":
            lines[start:stop] = []
        elif how == "repeat":
            lines[start:stop] = chunk + chunk
        elif how == "dedent":
            lines[start:stop] = [line.lstrip() for line in chunk]
        files[name] = "".join(lines).replace("..\", \"..\", \"..\", \"..\"", "..\"")
    root = tmp_path / "mutated"
    write_project(root, files)
    result = LintRun(load_config(str(root)), [str(root / "tests")], use_cache=False,
                     jobs=1).execute()
    assert all(f.line >= 1 and f.code.startswith("LH") for f in result.findings)
