"""Reading files: module names from packages, and one clear error for what cannot be read."""

from __future__ import annotations

import ast
import os

import pytest

from harness.analysis import AnalysisError, analyze_file, import_root, module_name_for
from harness.analysis.newer_syntax import downgrade


def test_module_name_climbs_through_init_files(tmp_path):
    package = tmp_path / "svc" / "api"
    package.mkdir(parents=True)
    (tmp_path / "svc" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text("from . import models\n")
    facts = analyze_file(package / "views.py")
    assert facts.module_name == "svc.api.views"
    assert facts.imports[0].module == "svc.api"
    assert module_name_for(str(package / "__init__.py")) == "svc.api"
    assert import_root(str(package / "views.py")) == str(tmp_path)


def test_a_script_style_service_is_named_after_its_file(tmp_path):
    service = tmp_path / "current.py"
    service.write_text("import os\n")
    assert analyze_file(service).module_name == "current"


def test_a_latin1_coding_cookie_is_honoured(tmp_path):
    service = tmp_path / "legacy.py"
    service.write_bytes(b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\nimport os\n")
    assert analyze_file(service).imports[0].line == 3


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"import os\ndef broken(:\n", 2, "syntax error"),
        (b"import os\nname = '\xff\xfe'\n", 2, "not valid utf-8"),
        (b"\x7fELF\x02\x01\x00\x00", 1, "binary file"),
    ],
    ids=["syntax", "undecodable", "binary"],
)
def test_bad_content_raises_one_error_with_its_line(tmp_path, content, line, message):
    path = tmp_path / "bad.py"
    path.write_bytes(content)
    with pytest.raises(AnalysisError) as raised:
        analyze_file(path)
    assert raised.value.line == line
    assert message in raised.value.message
    assert str(raised.value).startswith(f"{path}:{line}: ")


def test_unreadable_paths_raise_analysis_errors(tmp_path):
    loop = tmp_path / "loop.py"
    os.symlink(loop, loop)
    with pytest.raises(AnalysisError, match="symbolic link loop"):
        analyze_file(loop)
    with pytest.raises(AnalysisError, match="cannot read"):
        analyze_file(tmp_path / "missing.py")
    with pytest.raises(AnalysisError, match="is a directory"):
        analyze_file(tmp_path)


def test_a_file_above_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.py"
    path.write_text("x = 1\n" * 100)
    with pytest.raises(AnalysisError, match="above the 100-byte limit"):
        analyze_file(path, max_bytes=100)


# Code for a newer Python than the running one (3.12 type aliases, generics and f-strings, 3.14
# except lists): read all the same, every statement on its own line.  On the newest Pythons the
# running parser takes it directly; on 3.11 the fallback of harness/analysis/newer_syntax.py does.
NEWER = '''\
import os

type Config = dict[str, str]


def first[T](items: list[T]) -> T:
    return items[0]


class Box[T]:
    pass


def label(env):
    return f"{env["HOME"]} {os.getenv("USER")}"


def load():
    try:
        return os.environ["PATH"]
    except KeyError, OSError:
        return None


DONE = True
'''


def test_a_module_for_a_newer_python_is_analysed_with_its_lines(tmp_path):
    path = tmp_path / "newer.py"
    path.write_text(NEWER)
    facts = analyze_file(path)
    assert {"Config", "first", "Box", "label", "load", "DONE"} <= facts.definitions
    assert [(binding.module, binding.line) for binding in facts.imports] == [("os", 1)]
    # The f-string's replacement fields are still code: its os.getenv read is seen.
    assert [(read.name, read.line) for read in facts.env_reads] == [("USER", 15), ("PATH", 20)]


def test_newer_syntax_is_rewritten_line_for_line():
    older = downgrade(NEWER)
    assert older is not None
    assert older.count("\n") == NEWER.count("\n")
    tree = ast.parse(older)
    assert [node.lineno for node in tree.body] == [1, 3, 6, 10, 14, 18, 25]
    assert downgrade("def broken(:\n") is None
    # Deeper than Python's parser nests: never handed to libcst's native, recursive parser.
    assert downgrade("type X = int\nY = " + "[" * 300 + "]" * 300 + "\n") is None
