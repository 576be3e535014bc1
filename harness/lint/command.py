"""`harness lint`: the command line of the phantom-patch linter.

Exit codes: 0 nothing found, 1 findings, 2 usage error or a file that could not be read (each
such file is reported on one line, and the run goes on with the others).

`# noqa: LH101` silences one finding on its line.  ruff deletes `# noqa` codes it does not know
(RUF100) unless they are declared: add `external = ["LH"]` to `[tool.ruff.lint]`.
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from harness.lint.report import FORMATS

    parser = subparsers.add_parser(
        "lint",
        help="find patches, sys.modules fakes and env setup that no longer match the code under test",
        description=(
            "Check tests and conftests against the real imports of the code under test: "
            "phantom patch targets, stale or incomplete sys.modules fakes, environment and "
            "thread setup missing or placed after the import. Never imports what it reads."
        ),
        epilog="Exit codes: 0 clean, 1 findings, 2 usage error or unreadable input.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to lint (default: the current directory)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format (default: text, path:line:col: CODE message)",
    )
    parser.add_argument(
        "--select", metavar="CODES", help="comma-separated code prefixes to report (default: all)"
    )
    parser.add_argument(
        "--ignore", metavar="CODES", help="comma-separated code prefixes not to report"
    )
    parser.add_argument(
        "--src",
        action="append",
        default=[],
        metavar="DIR",
        help="where modules under test are found (repeatable)",
    )
    parser.add_argument("--fix", action="store_true", help="rewrite fixable patch targets in place")
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff, change nothing"
    )
    parser.add_argument(
        "--explain", metavar="CODE", help="print a rule's documentation and examples, then exit"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read the cache (an existing one is replaced by this run's results)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where results are kept between runs (default: cache-dir of the configuration, "
        ".harness_cache in the project)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="processes reading files (default: one per core)",
    )
    parser.add_argument(
        "--config", metavar="PYPROJECT", help="pyproject.toml to read [tool.harness.lint] from"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from harness.lint.config import LintConfigError, find_root, load_config, rule_codes
    from harness.lint.engine import LintRun
    from harness.lint.explain import explain
    from harness.lint.report import error_line, render, shown_path
    from harness.lint.rules import all_rules

    rules = all_rules()
    if args.explain:
        text = explain(args.explain, rules)
        if text is None:
            known = ", ".join(rule.CODE for rule in rules)
            print(f"harness lint: unknown rule {args.explain!r}; known: {known}", file=sys.stderr)
            return EXIT_USAGE
        print(text, end="")
        return EXIT_OK
    if args.fix and args.diff:
        print("harness lint: --fix and --diff cannot be combined", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs < 0:
        print("harness lint: --jobs must be 0 (every core) or more", file=sys.stderr)
        return EXIT_USAGE

    paths = args.paths or ["."]
    try:
        if args.config:
            if not os.path.isfile(args.config):
                raise LintConfigError(f"{args.config}: no such configuration file")
            root = os.path.dirname(os.path.abspath(args.config))
            config = load_config(root, args.config)
        else:
            config = load_config(find_root(paths[0]))
    except LintConfigError as error:
        print(f"harness lint: {error}", file=sys.stderr)
        return EXIT_USAGE
    for option in ("select", "ignore"):
        value = getattr(args, option)
        if value is None:
            continue
        try:
            codes = rule_codes(value.split(","), f"--{option}")
        except LintConfigError as error:
            print(f"harness lint: {error}", file=sys.stderr)
            return EXIT_USAGE
        config = replace(config, **{option: codes})

    # `--src` is a path on the command line: relative to where the command runs, like PATH.
    src = tuple(os.path.abspath(directory) for directory in args.src)
    for given, directory in zip(args.src, src):
        if not _holds_python(directory):
            print(
                f"harness lint: warning: --src {given} ({directory}) holds no Python file; "
                "modules under test are not looked up there",
                file=sys.stderr,
            )
    result = LintRun(
        config, paths, src=src, use_cache=not args.no_cache, jobs=args.jobs,
        cache_dir=args.cache_dir,
    ).execute()
    findings = result.findings

    if args.fix or args.diff:
        from harness.lint.fix import plan_fixes

        plans = plan_fixes(findings, result.errors)
        fixed_ids = {id(f) for plan in plans for f in plan.applied}
        for plan in plans:
            if args.diff:
                sys.stdout.write(plan.diff(shown_path(plan.path)))
            else:
                with open(plan.path, "wb") as handle:  # same encoding, BOM and line endings
                    handle.write(plan.fixed_bytes())
        if args.fix:
            findings = [f for f in findings if id(f) not in fixed_ids]
            if fixed_ids:
                print(
                    f"harness lint: fixed {len(fixed_ids)} finding(s) in {len(plans)} file(s)",
                    file=sys.stderr,
                )
        elif plans:
            for error in result.errors:
                print(error_line(error), file=sys.stderr)
            return EXIT_USAGE if result.errors else EXIT_FINDINGS

    output = render(args.format, findings, result.errors, rules)
    if not args.diff:
        sys.stdout.write(output)
    if args.format != "sarif":
        for error in result.errors:
            print(error_line(error), file=sys.stderr)
    if args.format == "text" and not args.diff:
        fixable = sum(1 for f in findings if f.fix is not None)
        summary = f"harness lint: {len(findings)} finding(s) in {result.files} file(s)"
        if fixable:
            summary += f" ({fixable} fixable with --fix)"
        if result.errors:
            summary += f"; {len(result.errors)} file(s) could not be read"
        print(summary, file=sys.stderr)
    if result.errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if findings else EXIT_OK


def _holds_python(directory: str) -> bool:
    """Whether a directory has a Python file at its top or one level down (a package)."""
    if not os.path.isdir(directory):
        return False
    for entry in sorted(os.listdir(directory)):
        candidate = os.path.join(directory, entry)
        if entry.endswith(".py") and os.path.isfile(candidate):
            return True
        if os.path.isdir(candidate) and os.path.isfile(os.path.join(candidate, "__init__.py")):
            return True
    return False
