"""The `harness` command: one sub-command per capability, each registered by its own package.

Every sub-command lives in a module that exposes `add_parser(subparsers)` and a `run(args) -> int`
function; this file only dispatches, and imports a sub-command's module only when it is asked
for, so `harness lint` does not pay for what `harness mutants` imports.

Exit codes, shared by every sub-command:
  0  success, nothing to report
  1  findings (lint), failures (mutants)
  2  usage error or unreadable input
"""

from __future__ import annotations

import argparse
import importlib
import re
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence
from typing import Any

from harness import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

# sub-command name -> module that implements it
SUBCOMMANDS: dict[str, str] = {
    "lint": "harness.lint.command",
    "scan": "harness.scaffold.scan_command",
    "init": "harness.scaffold.init_command",
    "mutants": "harness.mutation.command",
}


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions and epilogs wrapped to the terminal, paragraph by paragraph, while an indented
    line (a table row such as "  0  clean") keeps its place and its hanging indent.

    argparse's default joins every line of a text into one paragraph; its raw formatter wraps
    nothing, so a one-line description runs off the screen."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks: list[str] = []
        for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
            lines = paragraph.splitlines()
            if any(line[:1].isspace() for line in lines):
                blocks.append(self._table(lines, width, indent))
            else:
                blocks.append(
                    textwrap.fill(
                        " ".join(paragraph.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(blocks)

    @staticmethod
    def _table(lines: list[str], width: int, indent: str) -> str:
        """A heading and indented rows ("  0  text"); a line indented deeper than its row goes
        on that row. Each row is wrapped with its continuation lines under its text."""
        rows: list[list[Any]] = []  # [indent width, text]
        for line in lines:
            depth = len(line) - len(line.lstrip())
            if rows and rows[-1][0] > 0 and depth > rows[-1][0]:
                rows[-1][1] += " " + line.strip()
            else:
                rows.append([depth, line.strip()])
        out = []
        for depth, row in rows:
            lead = indent + " " * depth
            marker = re.match(r"\S+\s{2,}", row) if depth else None
            hanging = lead + " " * (marker.end() if marker else 0)
            out.append(textwrap.fill(row, width, initial_indent=lead, subsequent_indent=hanging))
        return "\n".join(out)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        formatter_class=HelpFormatter,
        description=(
            "Test legacy services without changing them: lint patch targets against the real "
            "imports, scan import-time side effects, write a conftest, and measure how much "
            "logic the tests pin with mutation runs."
        ),
        epilog="Exit codes: 0 clean, 1 findings or failures, 2 usage error or unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        if only is not None and name != only:
            # Listed for --help without importing the implementation.
            subparsers.add_parser(name, help=_summary(module_name), add_help=False)
            continue
        sub = importlib.import_module(module_name).add_parser(subparsers)
        sub.formatter_class = HelpFormatter  # one layout for every command's --help
    return parser


def _summary(module_name: str) -> str:
    return {
        "harness.lint.command": "find patches, sys.modules fakes and env setup that no longer match the code under test",
        "harness.scaffold.scan_command": "list a module's import-time side effects",
        "harness.scaffold.init_command": "write a conftest or [tool.harness] config for a legacy module",
        "harness.mutation.command": "run mutation testing and write before/after reports",
    }[module_name]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=command if command in SUBCOMMANDS else "")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        _hold_signals()
        # Temporary copies still being deleted by worker threads (harness mutants): wait for
        # them, so that the process never exits halfway through.
        workspaces = sys.modules.get("harness.mutation.workspace")
        if workspaces is not None:
            workspaces.remove_all(timeout=60)
        print("harness: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        from harness.extras import install_hint

        hint = install_hint(error)  # a library of one of our extras, e.g. mutmut for `mutants`
        if hint is None:
            raise
        print(f"harness {args.command}: {hint}", file=sys.stderr)
        return EXIT_USAGE


def _hold_signals() -> None:
    """An interrupted command is on its way out: further Ctrl-C and SIGTERM are ignored from
    here on, through its clean-up and the interpreter's exit (Ctrl-\\ still stops it).  Only
    the main thread can change signal handlers."""
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
