"""Property: on any generated tree, config and file kinds, lint, scan and init end, in time,
with exit 0, 1 or 2, without a traceback, and write nothing outside the project.

The trees mix Python pieces (patches, fakes, env reads, deep chains, syntax errors, coding
cookies, a BOM, CRLF, NUL bytes) with FIFOs, links to /dev/zero, out of the project and in a
loop, folders named like modules, files above the size limit, and pyproject.toml files that are
valid, wrong in type, or not TOML at all.  The CLI runs in process, each call in a thread it
must leave within a bound.  The warm (cached) lint run must say what the cold one said.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main

CALL_SECONDS = 60  # far above what any call takes; reaching it means a hang

PIECES = [
    "import os\n", "import sys\n", "import svc\n", "from pkg import mod\n",
    "from unittest.mock import patch, MagicMock\n", "from requests import get\n",
    "from confluent_kafka import DeserializingConsumer\n",
    'sys.modules["kafka"] = MagicMock()\n', 'os.environ["HOST"] = "db.invalid"\n',
    "HOST = os.environ['HOST']\n", "PORT = int(os.getenv('PORT', '80'))\n",
    'with patch("kafka.KafkaConsumer"):\n    import svc\n',
    '@patch("requests.get")\ndef test_a(g):\n    g.return_value = [1]\n    g.reset_mock()\n',
    "import threading\nthreading.Thread(target=print).start()\n",
    "X = " + " + ".join(["'a'"] * 400) + "\n", "Y = " + "(" * 150 + "1" + ")" * 150 + "\n",
    "def f(:\n", "\t\tpass\n", "é = 'ü'\n", "while True:\n    break\n",
    "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\n",
]
NAMES = ["svc.py", "pkg/__init__.py", "pkg/mod.py", "tests/conftest.py", "tests/test_a.py",
         "tests/sub/test_b.py", "x.py"]
SPECIAL = ["fifo", "dev-zero", "outside", "loop", "folder", "huge", "binary", "latin-1",
           "bogus-cookie", "bom-crlf"]

python_text = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
lint_values = st.fixed_dictionaries(
    {},
    optional={
        "select": st.sampled_from(['["LH"]', '["LH1O1"]', '["LH1", "LH3"]', "5", '"LH2"']),
        "ignore": st.sampled_from(['["LH401"]', '["ZZ"]', "[]"]),
        "cache-dir": st.sampled_from(['".c"', '"../up"', '"/tmp/abs"', "5", '""', '"a/../.b"']),
        "max-file-size": st.sampled_from(["1", "200", "1000000", '"big"', "true", "-1"]),
        "exclude": st.sampled_from(['["tests/sub"]', '"x.py"', "[1]"]),
        "src": st.sampled_from(['["pkg"]', '["../x"]', '"pkg"']),
        "colour": st.just('"no such key"'),
    },
)
pyproject = st.one_of(
    st.none(),
    lint_values.map(lambda table: "[tool.harness.lint]\n" + "".join(
        f"{key} = {value}\n" for key, value in table.items())),
    st.sampled_from([
        '[tool.harness.services.svc]\npath = "svc.py"\nenv = {HOST = "h"}\n',
        '[tool.pytest.ini_options]\nenv = ["HOST=x"]\npythonpath = ["pkg", "/"]\n',
        'tool = { harness = { lint = { select = ["LH"] } } }\n',
        "[tool.harness.lint\nselect = [\n", "\x00\xff",
    ]),
)


def materialise(root: Path, outside: Path, files: dict[str, str], special: dict[str, str],
                crlf: bool, config: str | None) -> None:
    if config is not None:
        (root / "pyproject.toml").write_bytes(config.encode("utf-8", "surrogateescape"))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode())
    for name, kind in special.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "dev-zero":
            path.symlink_to("/dev/zero")
        elif kind == "outside":
            path.symlink_to(outside / "theirs.py")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "huge":
            path.write_bytes(b"x = 1\n" * 800_000)
        elif kind == "binary":
            path.write_bytes(b"\x7fELF\x00\x01import os\n")
        elif kind == "latin-1":
            path.write_bytes(b"# -*- coding: latin-1 -*-\nimport svc\nA = '\xe9'\n"
                             b"from unittest.mock import patch\npatch('requests.get')\n")
        elif kind == "bogus-cookie":
            path.write_bytes(b"# coding: no-such-codec\nimport os\n")
        elif kind == "bom-crlf":
            path.write_bytes(b"\xef\xbb\xbfimport os\r\nHOST = os.environ['HOST']\r\n")


def call(*argv: str) -> tuple[int, str, str]:
    """`harness *argv` in process, in a thread that must end within CALL_SECONDS."""
    outcome: dict[str, object] = {}
    out, err = io.StringIO(), io.StringIO()

    def target() -> None:
        try:
            outcome["code"] = main(list(argv))
        except SystemExit as stop:  # argparse on a bad option
            outcome["code"] = stop.code
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = error

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(CALL_SECONDS)
    assert not thread.is_alive(), f"harness {' '.join(argv)} did not end in {CALL_SECONDS} s"
    assert "error" not in outcome, f"harness {' '.join(argv)} raised {outcome['error']!r}"
    code = outcome["code"]
    assert code in (0, 1, 2), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code, out.getvalue(), err.getvalue()  # type: ignore[return-value]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.timeout(600)
@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    files=st.dictionaries(st.sampled_from(NAMES), python_text, max_size=5),
    special=st.dictionaries(st.sampled_from(NAMES + ["tests/test_z.py"]),
                            st.sampled_from(SPECIAL), max_size=3),
    crlf=st.booleans(),
    config=pyproject,
)
def test_hostile_trees_never_crash_hang_or_write_outside(files, special, crlf, config) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        root, outside = base / "project", base / "outside"
        root.mkdir()
        outside.mkdir()
        (outside / "theirs.py").write_text("import os\nSECRET = os.environ['SECRET']\n")
        materialise(root, outside, files, special, crlf, config)
        untouched = snapshot(outside)
        modules = sorted(n for n in files if n not in special)

        with contextlib.chdir(root):
            cold = call("lint", "--jobs", "1", ".")
            warm = call("lint", "--jobs", "1", ".")
            assert warm[:2] == cold[:2], "the cached run said something else"
            assert call("lint", "--no-cache", "--jobs", "1", ".")[:2] == cold[:2]
            call("scan", ".")
            for module in modules[:1]:
                call("init", module)
                call("init", module, "--write")
                call("init", module, "--template", "raw", "--write", "--dir", "tests/gen")
            for name in sorted(special)[:1]:  # named explicitly: a FIFO, a link, a folder...
                call("scan", name)
                call("init", name)
                call("lint", "--no-cache", "--jobs", "1", name)
            call("lint", "--jobs", "1", "--fix", ".")

        assert snapshot(outside) == untouched
        assert sorted(p.name for p in outside.iterdir()) == ["theirs.py"]
