"""`harness --help` and each command's: wrapped to the terminal, tables kept as tables."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.cli import SUBCOMMANDS, HelpFormatter, build_parser

WIDTH = 60


def _help(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(WIDTH + 2))  # argparse keeps 2 columns of margin
    parser = build_parser(only=command)
    if not command:
        return parser.format_help()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    return subparsers.choices[command].format_help()


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
def test_every_help_line_fits_the_terminal(command, monkeypatch):
    text = _help(command, monkeypatch)

    too_long = [line for line in text.splitlines() if len(line) > WIDTH]
    assert too_long == []


def test_exit_code_rows_wrap_under_their_own_text(monkeypatch):
    text = _help("scan", monkeypatch)

    rows = text.split("exit codes:\n", 1)[1].splitlines()
    assert rows[0].startswith("  0  nothing runs at import")
    continuation = rows[rows.index(next(r for r in rows if r.startswith("  1  "))) + 1]
    assert continuation.startswith("     ") and not continuation.startswith("      ")


def test_a_description_is_one_wrapped_paragraph():
    formatter = HelpFormatter("prog", width=40)

    text = formatter._fill_text("one two three four five six seven eight nine ten", 20, "")

    assert text.splitlines() == ["one two three four", "five six seven eight", "nine ten"]


def test_python_dash_m_harness_is_the_harness_command():
    result = subprocess.run(
        [sys.executable, "-m", "harness", "--version"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0
    assert result.stdout.strip().startswith("harness ")
