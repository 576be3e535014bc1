"""`harness scan PATH...`: list what each module does while it is imported."""

from __future__ import annotations

import argparse
import sys

EXIT_CODES_HELP = """\
exit codes:
  0  nothing runs at import beyond definitions and imports
  1  something does: a side effect, an environment read at import, a package tree to fake,
     something that cannot be known statically, or an import cycle
  2  usage error, or an input that could not be read or parsed (the rest is still reported)
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "scan",
        help="list a module's import-time side effects",
        description=(
            "List what each module does while it is imported: clients and connections built, "
            "threads started, environment variables read (and how they are used), files, logging, "
            "signals and loops, and which third-party package trees must be faked to import it "
            "offline. The source is read, never imported or run."
        ),
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="Python files or directories (searched recursively)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), or one JSON document (its JSON Schema: --schema)",
    )
    parser.add_argument(
        "--schema",
        action=_PrintSchema,
        help="print the JSON Schema of --format json, then exit",
    )
    parser.set_defaults(run=run)
    return parser


class _PrintSchema(argparse.Action):
    """`--schema`: like `--version`, it prints and exits, whatever else is on the line."""

    def __init__(self, option_strings: list[str], dest: str, help: str) -> None:  # noqa: A002
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from harness.scaffold.scan_format import json_schema

        sys.stdout.write(json_schema())
        parser.exit()


def run(args: argparse.Namespace) -> int:
    from harness.scaffold.scan import scan_paths
    from harness.scaffold.scan_format import error_lines, render_json, render_text

    report = scan_paths(args.paths)
    if args.format == "json":
        sys.stdout.write(render_json(report))
    else:
        for line in error_lines(report):
            print(f"harness scan: {line}", file=sys.stderr)
        sys.stdout.write(render_text(report))
    return report.exit_code
