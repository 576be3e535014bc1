"""`[tool.harness.lint]` in pyproject.toml, merged with the command line.

    [tool.harness.lint]
    select = ["LH"]                 # code prefixes to report (default: every rule)
    ignore = ["LH401"]              # code prefixes not to report
    exclude = ["tests/lint/broken"] # paths (globs, relative to the project) skipped when a
                                    # directory is walked; a path named on the command line is
                                    # always linted
    src = ["legacy_services/current"]  # extra places where modules under test are found
    cache-dir = ".harness_cache"    # where results are kept between runs (`--cache-dir` on the
                                    # command line may name a place outside the project)
    max-file-size = 4194304         # bytes; larger files are reported and skipped

Validated as the command line is, by the same functions: an unknown code in `select`/`ignore`
(`"LH1O1"`), a value of the wrong type, a `src` or `cache-dir` that is absolute or leaves the
project (`..`) are errors naming the file, the key and the fix; the run does not start.

Also read from the same file: `[tool.harness.services.*]` (services the harness plugin loads:
their directories are searched, their `env` counts as set) and pytest's `pythonpath` and `env`
(pytest-env) ini options.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.source import DEFAULT_MAX_BYTES

DEFAULT_CACHE_DIR = ".harness_cache"
_KNOWN_KEYS = frozenset({"select", "ignore", "exclude", "src", "cache-dir", "max-file-size"})


class LintConfigError(Exception):
    """The configuration cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class LintConfig:
    root: str
    pyproject: str | None
    select: tuple[str, ...] = ("LH",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    src: tuple[str, ...] = ()
    cache_dir: str = DEFAULT_CACHE_DIR
    max_bytes: int = DEFAULT_MAX_BYTES
    services: Mapping[str, str] = field(default_factory=dict)  # name -> file
    service_env: Mapping[str, frozenset[str]] = field(default_factory=dict)  # file -> names
    ini_env: frozenset[str] = frozenset()
    pythonpath: tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected >= 0 and selected > ignored


def find_root(start: str) -> str:
    """The nearest directory at or above `start` holding a pyproject.toml (else `start`)."""
    current = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    probe = current
    while True:
        if os.path.isfile(os.path.join(probe, "pyproject.toml")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return current
        probe = parent


def load_config(root: str, path: str | None = None) -> LintConfig:
    """The configuration of the project at `root`, from `path` (default: its pyproject.toml)."""
    path = path or os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return LintConfig(root=root, pyproject=None)
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LintConfigError(f"{path}: cannot read configuration: {error}") from None
    tool = document.get("tool", {})
    harness = tool.get("harness", {}) if isinstance(tool, Mapping) else {}
    table = harness.get("lint", {}) if isinstance(harness, Mapping) else {}
    if not isinstance(table, Mapping):
        raise LintConfigError(f"{path}: [tool.harness.lint] must be a table")
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise LintConfigError(
            f"{path}: unknown key(s) in [tool.harness.lint]: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    services, service_env = _services(harness, root)
    pytest_table = (
        tool.get("pytest", {}).get("ini_options", {}) if isinstance(tool, Mapping) else {}
    )
    where = f"{path}: [tool.harness.lint]"
    max_bytes = table.get("max-file-size", DEFAULT_MAX_BYTES)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise LintConfigError(f"{where} max-file-size must be a positive number of bytes")
    cache_dir = table.get("cache-dir", DEFAULT_CACHE_DIR)
    if not isinstance(cache_dir, str) or not cache_dir.strip():
        raise LintConfigError(
            f"{where} cache-dir must be a folder name (a string), got {cache_dir!r}"
        )
    return LintConfig(
        root=root,
        pyproject=path,
        select=rule_codes(_strings(table, "select", path), f"{where} select") or ("LH",),
        ignore=rule_codes(_strings(table, "ignore", path), f"{where} ignore"),
        exclude=_strings(table, "exclude", path),
        src=tuple(inside_project(p, f"{where} src") for p in _strings(table, "src", path)),
        cache_dir=inside_project(cache_dir, f"{where} cache-dir"),
        max_bytes=max_bytes,
        services=services,
        service_env=service_env,
        ini_env=_ini_env(pytest_table),
        pythonpath=tuple(_as_list(pytest_table.get("pythonpath", ()))),
    )


def rule_codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Code prefixes (upper-cased), each matching at least one rule; the one check of both the
    command line (`--select`) and the configuration (`select = [...]`)."""
    from harness.lint.rules import all_rules

    known = sorted(rule.CODE for rule in all_rules())
    codes = tuple(code.strip().upper() for code in values if code.strip())
    bad = [code for code in codes if not any(k.startswith(code) for k in known)]
    if bad:
        raise LintConfigError(
            f"{where}: {', '.join(repr(c) for c in bad)} matches no rule; known: "
            f"{', '.join(known)}"
        )
    return codes


def inside_project(folder: str, where: str) -> str:
    """`folder` if it is relative and stays inside the project (no absolute path, no `..`
    leaving it): a repository's configuration never points the linter elsewhere."""
    normal = os.path.normpath(folder)
    if os.path.isabs(folder) or normal == os.pardir or normal.startswith(os.pardir + os.sep):
        raise LintConfigError(
            f"{where}: {folder!r} is outside the project; use a path relative to the "
            "project's root, inside it (a place outside it can be given on the command line)"
        )
    return normal


def _strings(table: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LintConfigError(f"{path}: [tool.harness.lint] {key} must be a list of strings")
    return tuple(value)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _services(harness: Any, root: str) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Service files of `[tool.harness.services]`, read leniently (the plugin validates them)."""
    services: dict[str, str] = {}
    env: dict[str, frozenset[str]] = {}
    table = harness.get("services", {}) if isinstance(harness, Mapping) else {}
    if not isinstance(table, Mapping):
        return services, env
    for name, spec in table.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("path"), str):
            continue
        file = os.path.normpath(os.path.join(root, spec["path"]))
        services[name] = file
        variables = spec.get("env", {})
        env[file] = frozenset(variables) if isinstance(variables, Mapping) else frozenset()
    return services, env


def _ini_env(pytest_table: Any) -> frozenset[str]:
    """Variable names of pytest-env's `env = ["NAME=value", "D:NAME=value"]`."""
    names = set()
    for entry in _as_list(pytest_table.get("env", [])) if isinstance(pytest_table, Mapping) else []:
        key = entry.split("=", 1)[0].strip()
        if ":" in key:
            key = key.split(":", 1)[1]
        if key:
            names.add(key)
    return frozenset(names)
