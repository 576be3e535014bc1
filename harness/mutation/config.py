"""`[tool.harness.mutants]` in pyproject.toml: what `harness mutants` mutates, with which suites.

    [tool.harness.mutants]
    cache = ".harness_cache/mutants.json"   # verdict cache (default; "" turns it off)

    [tool.harness.mutants.suites.baseline]  # optional: a suite's settings, shared by targets
    title = "before: hand-written conftest"  # its name in the report (default: the suite's name)
    gate = false            # its survivors do not make the run fail (default: true)
    args = ["-p", "no:xdist"]   # pytest options of its every run (default: none)
    tests = ["tests"]       # test paths or globs for every target (default: each target's own)

    [tool.harness.mutants.targets.current]  # one target per module (or group of modules)
    mutate = ["legacy_services/current/current.py"]     # files or globs, relative to the project
    tests = { baseline = ["tests/baseline/current"], harness = ["tests/services/test_current*.py"] }
    published = { tests = 16, mutants = 63, killed = 12 }   # optional: figures to compare with

A target is run once per suite it has test paths for: its own `tests.<suite>`, else the suite's
`tests`. Suites run in the order `[tool.harness.mutants.suites]` declares them, then in the order
targets name them. The file is read by `harness.config.read_harness_table`, the project's one
reader of `[tool.harness]`; `harness init MODULE` prints a working table (`table_for`).
"""

from __future__ import annotations

import glob
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import read_harness_table
from harness.errors import ConfigError
from harness.mutation.model import MutationError, Published

DEFAULT_CACHE = ".harness_cache/mutants.json"
_TOP_KEYS = frozenset({"cache", "suites", "targets"})
_SUITE_KEYS = frozenset({"title", "gate", "args", "tests"})
_TARGET_KEYS = frozenset({"mutate", "tests", "published"})
_PUBLISHED_KEYS = ("tests", "mutants", "killed")

EXAMPLE = (
    '[tool.harness.mutants.targets.NAME] mutate = ["path/to/module.py"] '
    'tests = { tests = ["tests"] }'
)


@dataclass(frozen=True)
class Suite:
    """A suite as configured: test paths or globs (relative to the project) and pytest options."""

    name: str
    tests: tuple[str, ...]
    args: tuple[str, ...] = ()
    title: str = ""
    gate: bool = True


@dataclass(frozen=True)
class Target:
    """Modules mutated together (files or globs, relative to the project) and their suites."""

    name: str
    mutate: tuple[str, ...]
    suites: Mapping[str, Suite]
    published: Published | None = None

    def files(self, root: Path) -> tuple[str, ...]:
        """The files `mutate` names under `root`, globs expanded; MutationError if none exist."""
        found: list[str] = []
        for pattern in self.mutate:
            if glob.has_magic(pattern):
                matches = sorted(glob.glob(pattern, root_dir=root, recursive=True))
                found += [
                    m for m in matches if m.endswith(".py") and (root / m).is_file()
                ]
            elif (root / pattern).is_file():
                found.append(pattern)
            else:
                raise MutationError(
                    f"[tool.harness.mutants.targets.{self.name}] mutate: {pattern} not found "
                    f"under {root}; run from the project root or pass --root"
                )
        if not found:
            raise MutationError(
                f"[tool.harness.mutants.targets.{self.name}] mutate: {', '.join(self.mutate)} "
                f"matches no Python file under {root}"
            )
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class MutantsConfig:
    path: Path
    targets: Mapping[str, Target]
    suites: tuple[str, ...]  # every suite name, in run order
    cache: str = DEFAULT_CACHE

    def target(self, name: str) -> Target:
        return self.targets[name]


def load(root: Path) -> MutantsConfig:
    """`[tool.harness.mutants]` of `root`/pyproject.toml; ConfigError (one line) if unusable."""
    path = root / "pyproject.toml"
    table = read_harness_table(path).get("mutants")
    if table is None or (isinstance(table, Mapping) and not table.get("targets")):
        where = str(path) if path.is_file() else f"{path} (none found)"
        raise ConfigError(
            f"{where}: no [tool.harness.mutants] targets; add one, e.g. {EXAMPLE} "
            "(`harness init path/to/module.py` prints one)"
        )
    section = "[tool.harness.mutants]"
    mapping = _table(table, path, section)
    _known(mapping, _TOP_KEYS, path, section)
    suites_table = _table(mapping.get("suites", {}), path, f"{section} suites")
    declared = {
        name: _suite(name, _table(spec, path, f"{section}.suites.{name}"), path)
        for name, spec in suites_table.items()
    }
    order = list(declared)
    targets = {}
    for name, spec in _table(mapping["targets"], path, f"{section} targets").items():
        target = _target(
            name, _table(spec, path, f"{section}.targets.{name}"), declared, path
        )
        order += [s for s in target.suites if s not in order]
        targets[name] = target
    cache = mapping.get("cache", DEFAULT_CACHE)
    if not isinstance(cache, str):
        raise ConfigError(
            f'{path}: {section} cache must be a path, e.g. "{DEFAULT_CACHE}"'
        )
    return MutantsConfig(path=path, targets=targets, suites=tuple(order), cache=cache)


def _suite(name: str, spec: Mapping[str, Any], path: Path) -> Suite:
    section = f"[tool.harness.mutants.suites.{name}]"
    _known(spec, _SUITE_KEYS, path, section)
    title = spec.get("title", name)
    gate = spec.get("gate", True)
    if not isinstance(title, str) or not isinstance(gate, bool):
        raise ConfigError(
            f"{path}: {section} title must be a string and gate true or false"
        )
    return Suite(
        name,
        _strings(spec.get("tests", []), path, section, "tests"),
        _strings(spec.get("args", []), path, section, "args"),
        title,
        gate,
    )


def _target(
    name: str, spec: Mapping[str, Any], declared: Mapping[str, Suite], path: Path
) -> Target:
    section = f"[tool.harness.mutants.targets.{name}]"
    _known(spec, _TARGET_KEYS, path, section)
    if "mutate" not in spec:
        raise ConfigError(f'{path}: {section} needs mutate = ["path/to/{name}.py"]')
    mutate = _strings(spec["mutate"], path, section, "mutate")
    own = _table(spec.get("tests", {}), path, f"{section} tests")
    suites: dict[str, Suite] = {}
    for suite_name, suite in declared.items():
        tests = own.get(suite_name, suite.tests)
        tests = _strings(tests, path, section, f"tests.{suite_name}")
        if tests:
            suites[suite_name] = Suite(
                suite_name, tests, suite.args, suite.title, suite.gate
            )
    for suite_name, tests in own.items():
        if suite_name not in declared:
            suites[suite_name] = Suite(
                suite_name,
                _strings(tests, path, section, f"tests.{suite_name}"),
                title=suite_name,
            )
    if not mutate or not suites:
        raise ConfigError(
            f'{path}: {section} needs mutate = ["path/to/{name}.py"] and test paths, e.g. '
            'tests = { tests = ["tests"] }'
        )
    return Target(
        name, mutate, suites, _published(spec.get("published"), path, section)
    )


def _published(value: Any, path: Path, section: str) -> Published | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or set(value) != set(_PUBLISHED_KEYS)
        or not all(isinstance(value[k], int) and value[k] >= 0 for k in _PUBLISHED_KEYS)
        or value["mutants"] == 0
    ):
        raise ConfigError(
            f"{path}: {section} published must be {{ tests = N, mutants = N, killed = N }} "
            "with whole numbers (mutants > 0)"
        )
    return Published(
        tests=value["tests"], mutants=value["mutants"], killed=value["killed"]
    )


def _table(value: Any, path: Path, section: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: {section} must be a table")
    return value


def _known(
    spec: Mapping[str, Any], known: frozenset[str], path: Path, section: str
) -> None:
    unknown = set(spec) - known
    if unknown:
        raise ConfigError(
            f"{path}: {section} has unknown key(s) {', '.join(sorted(map(repr, unknown)))}; "
            f"known: {', '.join(sorted(known))}"
        )


def _strings(value: Any, path: Path, section: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(
            f'{path}: {section} {key} must be a list of strings, e.g. ["tests"]'
        )
    if not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"{path}: {section} {key} must be a list of non-empty strings"
        )
    return tuple(value)


def table_for(name: str, module: str, tests: str) -> str:
    """The `[tool.harness.mutants]` table `harness init` writes for one module (TOML text)."""
    import tomlkit

    document = tomlkit.document()
    target = tomlkit.table()
    target.add(
        tomlkit.comment("`harness mutants` mutates these files with this suite (see")
    )
    target.add(
        tomlkit.comment(
            "harness/mutation/config.py for suites, pytest args, published figures)."
        )
    )
    target.add("mutate", [module])
    target.add("tests", tomlkit.inline_table())
    target["tests"]["tests"] = [tests]
    targets = tomlkit.table(is_super_table=True)
    targets.add(name, target)
    mutants = tomlkit.table(is_super_table=True)
    mutants.add("targets", targets)
    tool = tomlkit.table(is_super_table=True)
    harness = tomlkit.table(is_super_table=True)
    harness.add("mutants", mutants)
    tool.add("harness", harness)
    document.add("tool", tool)
    return tomlkit.dumps(document)


@dataclass
class Selection:
    """The targets and suites of one run, as asked for on the command line."""

    targets: list[Target] = field(default_factory=list)
    suites: list[str] = field(default_factory=list)


def select(
    config: MutantsConfig, targets: Sequence[str] | None, suites: Sequence[str] | None
) -> Selection:
    """The configured targets and suites named (all when None); ConfigError for unknown names."""
    for kind, asked, known in (
        ("--service", targets, list(config.targets)),
        ("--suite", suites, list(config.suites)),
    ):
        unknown = [n for n in asked or () if n not in known]
        if unknown:
            raise ConfigError(
                f"{kind} {unknown[0]}: not in {config.path} (choose from {', '.join(known)})"
            )
    return Selection(
        targets=[t for n, t in config.targets.items() if not targets or n in targets],
        suites=[s for s in config.suites if not suites or s in suites],
    )
