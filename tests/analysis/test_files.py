"""Reading files: module names from packages, and one clear error for what cannot be read."""

from __future__ import annotations

import os

import pytest

from harness.analysis import AnalysisError, analyze_file, import_root, module_name_for


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
