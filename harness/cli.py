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
import sys
from collections.abc import Sequence

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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
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
        importlib.import_module(module_name).add_parser(subparsers)
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
        print("harness: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
