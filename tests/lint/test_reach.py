"""The reachability model's own contract: verdicts follow the code a test reaches, and the cache
forgets them when that code changes, even code reached only through a function-level import."""

from __future__ import annotations

from harness.cli import main

from .examples import write_project

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": 'def helper():\n    return "real"\n',
    "pkg/b.py": (
        "from pkg.a import helper\n\n\n"
        "def report():\n"
        "    from pkg import c\n\n"
        '    return f"{helper()} {c.use()}"\n'
    ),
    "pkg/c.py": "def use():\n    return 1\n",
    "tests/test_b.py": (
        "from unittest.mock import patch\n\nimport pkg.b\n\n\n"
        "def test_report():\n"
        '    with patch("pkg.a.helper"):\n'
        "        pkg.b.report()\n"
    ),
}


def lint(capsys) -> tuple[int, str]:
    code = main(["lint", "tests"])  # with the cache
    return code, capsys.readouterr().out


def test_an_edit_in_code_reached_only_at_run_time_invalidates_the_cached_verdict(
    tmp_path, monkeypatch, capsys
):
    write_project(tmp_path, FILES)
    monkeypatch.chdir(tmp_path)
    first, out = lint(capsys)
    assert first == 1
    assert "LH102 'pkg.a.helper'" in out

    # pkg.c now looks helper up through pkg.a itself: the test reaches a lookup that sees the
    # patch, so nothing is wrong any more; pkg.c is imported only inside report().
    (tmp_path / "pkg/c.py").write_text("import pkg.a\n\n\ndef use():\n    return pkg.a.helper()\n")
    second, out = lint(capsys)
    assert (second, out) == (0, "")
