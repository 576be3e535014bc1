"""Everything a generated test setup needs to know about one legacy module, decided up front.

A `SetupPlan` is the context the templates in `harness/scaffold/templates/` are rendered with: the
module's import name and root, the package trees to fake, the environment to set (with values),
the thread factories to patch, the objects to replace before each test, the routes to smoke-test,
and what static analysis could not decide. Project modules the legacy module imports at import
time are followed, because their module-level code runs as part of the same import.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from harness.analysis.model import (
    AnalysisError,
    EffectKind,
    EnvRead,
    ModuleFacts,
    SideEffect,
)
from harness.analysis.packages import import_root, is_stdlib, module_name_for
from harness.analysis.source import decode, parse, read_bytes
from harness.env import describe_use, off_when_unset, value_for_read
from harness.scaffold.module_facts import ModuleReader
from harness.scaffold.project import imported_project_modules, module_file, reading_once
from harness.scaffold.scan import FakeTree, merged_package_trees
from harness.scaffold.service_shape import ServiceShape, service_shape

# How many project modules reached through imports are followed before giving up: a legacy
# package can import half of itself at import time; the plan only needs their env and fakes.
_MAX_FOLLOWED_MODULES = 50
# Always patched: the cheapest insurance against a thread static analysis did not see.
_DEFAULT_THREAD_FACTORY = "threading.Thread"


@dataclass(frozen=True)
class EnvSetting:
    name: str
    value: str
    where: str  # "current.py:21"
    note: str  # "required, used as a host"
    needed: bool  # False: it has a literal default, which the test leaves to the module


@dataclass(frozen=True)
class SetupPlan:
    module: str  # dotted import name: "current", "svc.api.views"
    alias: str  # the name the conftest binds the module to
    source: str  # the module's path as the user gave it
    source_path: Path
    import_root: Path  # directory that must be on sys.path
    fakes: tuple[FakeTree, ...]
    real_packages: tuple[str, ...]  # third-party trees imported for real
    import_env: tuple[EnvSetting, ...]
    call_env: tuple[EnvSetting, ...]  # read by functions while tests run, with no default
    thread_factories: tuple[str, ...]
    threads: tuple[SideEffect, ...]
    clients: tuple[SideEffect, ...]
    endless_loops: tuple[str, ...]  # "path:line" of a module-level `while True`: never returns
    # "path:line" of a module-level `while True` polling a Kafka consumer: the plugin ends it
    # once its fake consumers are drained; a raw conftest's MagicMock never does
    consumer_loops: tuple[str, ...]
    shape: ServiceShape
    unknowable: tuple[str, ...]  # "path:line: message"
    followed: tuple[str, ...]  # project modules whose import-time code is part of the import

    @property
    def summary(self) -> str:
        """`builds 4 clients (A, B, C, D), starts 1 thread (consume_data) and reads 6 env vars`."""
        parts = []
        if self.clients:
            names = ", ".join(dict.fromkeys(e.target.rsplit(".", 1)[-1] for e in self.clients))
            parts.append(f"builds {_count(len(self.clients), 'client')} ({names})")
        if self.threads:
            targets = ", ".join(_thread_target(e) for e in self.threads)
            parts.append(f"starts {_count(len(self.threads), 'thread')} ({targets})")
        if self.import_env:
            parts.append(f"reads {_count(len(self.import_env), 'environment variable')}")
        if not parts:
            return "nothing that needs a fake, as far as static analysis can tell"
        return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _thread_target(effect: SideEffect) -> str:
    for part in effect.detail.split(";"):
        part = part.strip()
        if part.startswith("target="):
            return part.removeprefix("target=")
    return effect.target


def resolve_module(spec: str, cwd: Path | None = None) -> Path:
    """A module given as a file path, or as a dotted name looked up (not imported) under `cwd`."""
    base = cwd or Path.cwd()
    candidate = base / spec
    if candidate.is_file():
        return candidate.resolve()
    if candidate.exists() and not candidate.is_dir():
        try:
            read_bytes(str(candidate))  # a FIFO, a device, a socket: the one-line reason
        except AnalysisError as error:
            raise AnalysisError(spec, error.line, error.message) from None
    if candidate.is_dir() and (candidate / "__init__.py").is_file():
        return (candidate / "__init__.py").resolve()
    if spec.replace(".", "").replace("_", "").isalnum():
        found = module_file(spec, [str(base)])
        if found:
            return Path(found)
    raise AnalysisError(
        spec,
        0,
        "no such module file; give the path of a .py file, or a dotted name under the "
        "current directory",
    )


def build_plan(
    path: Path,
    source: str,
    analyze=None,
    *,
    also_fake: Sequence[str] = (),
    env_values: Mapping[str, str] | None = None,
) -> SetupPlan:
    """The plan for the module at `path` (`source` is the path as the user wrote it).

    `also_fake` names package trees to fake although nothing at import needs it (a suite that
    wants the whole library out of reach); `env_values` gives variables a value of the user's
    choosing, including ones the module has a default for. Either naming something the module
    does not import or read is an `AnalysisError`.
    """
    reader = ModuleReader(analyze)
    with reading_once():
        facts = reader(str(path))
        tree = _parse(path)
        followed = imported_project_modules(facts, reader, limit=_MAX_FOLLOWED_MODULES)
        trees = _with_requested_fakes(merged_package_trees(facts, followed), also_fake, source)
        fakes = tuple(t for t in trees if t.must_fake)
        shape = service_shape(tree, facts, [t.root for t in fakes], _parsed(followed))
    everything = [facts, *followed]
    module = facts.module_name or module_name_for(str(path))
    threads = tuple(e for f in everything for e in f.effects if e.kind is EffectKind.THREAD)
    import_env, call_env = _with_given_values(
        _env_settings(everything, at_import_time=True),
        _env_settings(everything, at_import_time=False),
        env_values or {},
        source,
    )
    return SetupPlan(
        module=module,
        alias=module.rsplit(".", 1)[-1],
        source=source,
        source_path=path,
        import_root=Path(import_root(str(path))),
        fakes=fakes,
        real_packages=tuple(t.root for t in trees if not t.must_fake),
        import_env=import_env,
        call_env=call_env,
        thread_factories=_thread_factories(threads),
        threads=threads,
        clients=tuple(
            e
            for f in everything
            for e in f.effects
            if e.kind is EffectKind.CLIENT and not e.derived_from
        ),
        endless_loops=tuple(
            f"{_short_path(f.path)}:{e.line}"
            for f in everything
            for e in f.effects
            if e.kind is EffectKind.LOOP and not e.derived_from
        ),
        consumer_loops=tuple(
            f"{_short_path(f.path)}:{e.line}"
            for f in everything
            for e in f.effects
            if e.kind is EffectKind.LOOP and e.derived_from
        ),
        shape=shape,
        unknowable=tuple(
            f"{_short_path(f.path)}:{u.line}: {u.message}" for f in everything for u in f.unknowable
        ),
        followed=tuple(f.path for f in followed),
    )


def _parse(path: Path) -> ast.Module:
    return parse(decode(read_bytes(str(path)), str(path)), str(path))


def _parsed(modules: Sequence[ModuleFacts]) -> list[tuple[ModuleFacts, ast.Module]]:
    """The modules with their syntax trees; one that cannot be read again is left out."""
    found = []
    for facts in modules:
        try:
            found.append((facts, _parse(Path(facts.path))))
        except AnalysisError:
            continue
    return found


def _with_requested_fakes(
    trees: list[FakeTree], also_fake: Sequence[str], source: str
) -> list[FakeTree]:
    by_root = {tree.root: tree for tree in trees}
    for root in also_fake:
        tree = by_root.get(root)
        if tree is None:
            imported = ", ".join(by_root) or "none"
            raise AnalysisError(
                source,
                0,
                f"--fake {root}: not a third-party package it imports at import time "
                f"(those are: {imported})",
            )
        by_root[root] = replace(tree, reasons=(*tree.reasons, "faked on request (--fake)"))
    return [by_root[tree.root] for tree in trees]


def _with_given_values(
    import_env: tuple[EnvSetting, ...],
    call_env: tuple[EnvSetting, ...],
    values: Mapping[str, str],
    source: str,
) -> tuple[tuple[EnvSetting, ...], tuple[EnvSetting, ...]]:
    """The settings with the user's values; a variable given one is set even if it has a
    default, because a suite may pin what its tests assert on (a timeout, a window)."""
    known = {setting.name for setting in (*import_env, *call_env)}
    for name in values:
        if name not in known:
            raise AnalysisError(
                source,
                0,
                f"--env {name}: not an environment variable it reads at import, nor one its "
                "functions need; check the name",
            )

    def given(setting: EnvSetting) -> EnvSetting:
        if setting.name not in values:
            return setting
        return replace(
            setting,
            value=values[setting.name],
            note=f"{setting.note}; value given by --env",
            needed=True,
        )

    return tuple(map(given, import_env)), tuple(map(given, call_env))


def _env_settings(everything: list[ModuleFacts], *, at_import_time: bool) -> tuple[EnvSetting, ...]:
    settings: dict[str, EnvSetting] = {}
    for facts in everything:
        for read in sorted(facts.env_reads, key=lambda r: r.line):
            if read.at_import_time != at_import_time or read.name in settings:
                continue
            if not at_import_time and not _fails_unset(read):
                continue  # a function's read with a default works unset, as in production
            # The plugin's values and rules (`harness.env`): what init writes is what it does.
            settings[read.name] = EnvSetting(
                read.name,
                value_for_read(read),
                f"{Path(facts.path).name}:{read.line}",
                describe_use(read),
                needed=read.default is None and (read.required or not off_when_unset(read.name)),
            )
    return tuple(settings.values())


def _fails_unset(read: EnvRead) -> bool:
    return read.required or read.none_breaks


def _thread_factories(threads: tuple[SideEffect, ...]) -> tuple[str, ...]:
    factories = [_DEFAULT_THREAD_FACTORY]
    for effect in threads:
        # Only a standard-library factory can be patched before the import; a module's own
        # Thread subclass is caught through its threading.Thread base.
        if is_stdlib(effect.target) and "." in effect.target:
            factories.append(effect.target)
    return tuple(dict.fromkeys(factories))


def _short_path(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path
