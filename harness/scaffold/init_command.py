"""`harness init MODULE`: write the test setup of a legacy module from `conftest_templates/`.

`--template plugin` (default) gives the `[tool.harness]` section for pyproject.toml: printed, or
merged into the file with `--write`, keeping every key already there. `--template raw` gives the
hand-written ordered conftest, for suites that cannot use the plugin: printed, or written into
`--dir` with `--write`, never over an existing file. `--smoke-tests` adds one smoke test per
route of the module's Flask application.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_NOT_WRITTEN = 1
EXIT_USAGE = 2

EXIT_CODES_HELP = """\
exit codes:
  0  printed, or written
  1  not written: a file it would write already exists (nothing was changed)
  2  usage error, or a module that cannot be found, read or parsed
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "init",
        help="write a conftest or [tool.harness] config for a legacy module",
        description=(
            "Write the test setup of a legacy module, from what static analysis finds in it: "
            "the [tool.harness] section of pyproject.toml for the harness plugin, or a "
            "hand-written ordered conftest (fakes, env, thread patch, import, fresh mocks). "
            "Printed unless --write is given."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "module", metavar="MODULE", help="path to the module's file, or its dotted name"
    )
    parser.add_argument(
        "--template",
        choices=("plugin", "raw"),
        default="plugin",
        help="plugin: [tool.harness] section (default); raw: a conftest.py without the plugin",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the files instead of printing them (existing files and keys are kept)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        help="where the conftest and smoke tests go (default: tests/<module name>)",
    )
    parser.add_argument(
        "--pyproject",
        type=Path,
        default=Path("pyproject.toml"),
        help="the file the plugin section is merged into with --write (default: ./pyproject.toml)",
    )
    parser.add_argument(
        "--name", help="service name in [tool.harness.services] (default: the module's name)"
    )
    parser.add_argument(
        "--smoke-tests",
        action="store_true",
        help="also write one smoke test per route of the module's Flask application",
    )
    parser.set_defaults(run=run)
    return parser


@dataclass
class _Output:
    """Files to write (path -> text) and TOML to merge; printed instead without --write."""

    files: dict[Path, str] = field(default_factory=dict)
    toml: str = ""


def run(args: argparse.Namespace) -> int:
    from harness.analysis.model import AnalysisError
    from harness.scaffold.plan import build_plan, resolve_module
    from harness.scaffold.render import TemplateError

    try:
        path = resolve_module(args.module)
        plan = build_plan(path, args.module)
    except AnalysisError as error:
        return _fail(str(error))
    if plan.endless_loops:
        return _fail(
            f"{args.module}: importing it never returns (module-level loop at "
            f"{', '.join(plan.endless_loops)}), so no conftest or plugin can import it for a "
            "test; only code that can be imported can be tested without changes"
        )
    if args.smoke_tests and not plan.shape.routes:
        return _fail(
            f"{args.module}: no Flask routes found (an `app = Flask(...)` with `@app.route(...)` "
            "views), so there is nothing to smoke-test; drop --smoke-tests"
        )
    directory = args.dir or Path("tests") / plan.alias
    command = _command_line(args)
    try:
        output = _render(plan, args, directory, command)
    except TemplateError as error:
        return _fail(str(error))
    if not args.write:
        _print(output, args)
        return EXIT_OK
    return _write(output, args.pyproject)


def _fail(message: str) -> int:
    print(f"harness init: {message}", file=sys.stderr)
    return EXIT_USAGE


def _command_line(args: argparse.Namespace) -> str:
    words = ["harness", "init", args.module, "--template", args.template]
    if args.dir:
        words += ["--dir", args.dir.as_posix()]
    if args.name:
        words += ["--name", args.name]
    if args.smoke_tests:
        words.append("--smoke-tests")
    return shlex.join(words)


def _render(plan, args: argparse.Namespace, directory: Path, command: str) -> _Output:
    from harness.scaffold.render import relative_posix, render

    output = _Output()
    absolute_dir = directory.resolve()
    if args.template == "raw":
        output.files[directory / "conftest.py"] = render(
            "raw/conftest.py.jinja",
            plan=plan,
            service_path=relative_posix(plan.source_path, absolute_dir),
            import_root=relative_posix(plan.import_root, absolute_dir),
            command=command,
        )
        if args.smoke_tests:
            output.files[directory / f"test_{plan.alias}_smoke.py"] = render(
                "raw/test_smoke.py.jinja", plan=plan, command=command
            )
    else:
        config_dir = args.pyproject.resolve().parent
        output.toml = render(
            "plugin/pyproject.toml.jinja",
            plan=plan,
            name=args.name or plan.alias,
            path=relative_posix(plan.source_path, config_dir),
            command=command,
        )
        if args.smoke_tests:
            output.files[directory / f"test_{plan.alias}_smoke.py"] = render(
                "plugin/test_smoke.py.jinja",
                plan=plan,
                name=args.name or plan.alias,
                command=command,
            )
    return output


def _print(output: _Output, args: argparse.Namespace) -> None:
    # One file prints as it is; several are separated by a comment line naming each.
    chunks = [(args.pyproject, output.toml)] if output.toml else []
    chunks.extend(output.files.items())
    if len(chunks) == 1:
        sys.stdout.write(chunks[0][1])
        return
    sys.stdout.write("\n".join(f"# ---- {path.as_posix()} ----\n{text}" for path, text in chunks))


def _write(output: _Output, pyproject: Path) -> int:
    from harness.scaffold.toml_merge import TomlMergeError, merge_into_file

    existing = [path for path in output.files if path.exists()]
    if existing:
        for path in existing:
            print(
                f"harness init: {path.as_posix()} exists and was not overwritten; move it away, "
                "or run without --write and compare",
                file=sys.stderr,
            )
        print("harness init: nothing written", file=sys.stderr)
        return EXIT_NOT_WRITTEN
    if output.toml:
        try:
            added, kept = merge_into_file(pyproject, output.toml)
        except TomlMergeError as error:
            return _fail(str(error))
        for key in kept:
            print(
                f"harness init: {pyproject.as_posix()}: kept the existing value of {key}",
                file=sys.stderr,
            )
        if added:
            print(
                f"harness init: {pyproject.as_posix()}: added {', '.join(added)}", file=sys.stderr
            )
        else:
            print(f"harness init: {pyproject.as_posix()}: nothing to add", file=sys.stderr)
    for path, text in output.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"harness init: wrote {path.as_posix()}", file=sys.stderr)
    return EXIT_OK
