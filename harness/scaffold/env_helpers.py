"""Environment reads made through a helper function imported from another project module.

`harness.analysis` resolves a helper defined in the module it reads (`def env(name): return
os.environ[name]`, then `HOST = env("HOST")`). Legacy projects as often keep that helper in a
`helpers.py` or `config.py` of their own and import it; the variables then hide behind the call.
This module finds such helpers in the project's own files and has the analysis resolve the calls:
it analyses the importing module's text with the helper's import blanked out and the helper's
definition (and the imports it needs) appended after the last line. The module's own lines keep
their numbers, and every rule about defaults, conversions and use stays the analysis's.
"""

from __future__ import annotations

import ast
import dataclasses
import os

from harness.analysis.model import AnalysisError, ModuleFacts
from harness.analysis.packages import import_root, local_packages
from harness.analysis.source import decode, parse, read_bytes
from harness.scaffold.project import module_file

_ENV_FUNCTIONS = frozenset({"getenv", "get", "environ"})


def with_helper_env_reads(facts: ModuleFacts) -> ModuleFacts:
    """`facts` plus the env reads made through helpers imported from project modules."""
    if not facts.path or not os.path.isfile(facts.path):
        return facts
    helpers: dict[int, str] = {}  # line of the import that binds a helper -> helper source
    for binding in facts.imports:
        if (
            not binding.at_import_time
            or binding.name in (None, "*")
            or binding.module.startswith(".")
        ):
            continue
        helper = _helper_source(binding.module, binding.name, binding.bound_as, facts.path)
        if helper:
            helpers[binding.line] = helper
    if not helpers:
        return facts
    try:
        text = decode(read_bytes(facts.path), facts.path)
        lines = text.splitlines()
        # The import that binds the helper is blanked (same number of lines), so the analysis
        # takes the calls for calls of the helper defined below, which it knows how to resolve.
        for statement in parse(text, facts.path).body:
            if isinstance(statement, ast.ImportFrom) and statement.lineno in helpers:
                for index in range(statement.lineno - 1, statement.end_lineno or statement.lineno):
                    lines[index] = ""
    except AnalysisError:
        return facts
    from harness.analysis import analyze_source

    try:
        combined = analyze_source(
            "\n".join([*lines, "", *helpers.values(), ""]),
            facts.path,
            facts.module_name,
            local_packages=local_packages(facts.path),
        )
    except AnalysisError:
        return facts
    known = {(r.name, r.line, r.col) for r in facts.env_reads}
    found = tuple(
        read
        for read in combined.env_reads
        if read.line <= len(lines) and (read.name, read.line, read.col) not in known
    )
    if not found:
        return facts
    reads = tuple(sorted(facts.env_reads + found, key=lambda r: (r.line, r.col)))
    return dataclasses.replace(facts, env_reads=reads)


def _helper_source(module: str, name: str, bound_as: str, importer: str) -> str | None:
    """The helper's imports and definition, renamed to `bound_as`, when it reads the environment
    with one of its parameters as the variable's name."""
    path = module_file(module, _roots(importer))
    if path is None:
        return None
    try:
        text = decode(read_bytes(path), path)
        tree = parse(text, path)
    except AnalysisError:
        return None
    function = next(
        (
            s
            for s in tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name
        ),
        None,
    )
    if function is None or not _reads_env_with_parameter(function):
        return None
    function.name = bound_as
    function.decorator_list = []
    imports = [
        s
        for s in tree.body
        if isinstance(s, ast.Import) or (isinstance(s, ast.ImportFrom) and s.level == 0)
    ]
    return "\n".join(ast.unparse(node) for node in (*imports, function))


def _reads_env_with_parameter(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    params = {
        a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            func = node.func
            attribute = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if attribute in _ENV_FUNCTIONS and node.args and _is_param(node.args[0], params):
                return True
        if isinstance(node, ast.Subscript) and _is_param(node.slice, params):
            value = node.value
            if (isinstance(value, ast.Attribute) and value.attr == "environ") or (
                isinstance(value, ast.Name) and value.id == "environ"
            ):
                return True
    return False


def _is_param(node: ast.AST, params: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in params


def _roots(importer: str) -> list[str]:
    return list(dict.fromkeys([import_root(importer), os.path.dirname(os.path.abspath(importer))]))
