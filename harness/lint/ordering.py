"""What importing a module under test needs in place first, and whether it is there in time.

The import of a legacy module is an act with side effects, so a test suite must set things up
in an order: `sys.modules` fakes, then the environment it reads, then a patch that stops its
import-time thread, then the import.  For each place the file imports code under test for the
first time, this works out what that import needs (from the analysis tables of every module it
pulls in at import time) and, for each need, whether some setup provides it at that moment, only
later, or nowhere.  LH301 (env not set), LH302 (import before setup) and LH303 (unstopped
thread) report from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

from harness.analysis import EffectKind
from harness.analysis.packages import is_stdlib
from harness.lint.project import FileContext
from harness.lint.records import is_test_file
from harness.lint.setup_facts import ImportEvent, SetupFacts, Where


@dataclass(frozen=True)
class Need:
    kind: str  # "env", "fake" or "thread"
    name: str  # variable, package, or the thread class
    subject: str  # file of the module that needs it
    line: int  # where it needs it


class Provider(NamedTuple):
    """A setup that provides a need: its file, where it is, and whether it can come too late
    (a fake of a submodule shows the package is in place, but is no setup of the package)."""

    owner: str
    where: Where
    can_be_late: bool = True


@dataclass
class ImportCheck:
    event: ImportEvent
    name: str  # how the file refers to what it imports
    missing: list[Need] = field(default_factory=list)
    late: list[tuple[Need, str, Where]] = field(default_factory=list)  # need, file, setup


def import_checks(context: FileContext) -> list[ImportCheck]:
    cached = context.cache.get("import_checks")
    if cached is None:
        cached = context.cache["import_checks"] = _checks(context)
    return cached  # type: ignore[return-value]


def _checks(context: FileContext) -> list[ImportCheck]:
    if not is_test_file(context.path):
        return []  # an import in the code itself is not a test setting up code under test
    checks: dict[int, ImportCheck] = {}
    inits = [s for s in (context.project.record(p).setup for p in package_inits(context)) if s]
    setups = [*inits, *context.chain, context.setup]
    before_all = {setup.path for setup in inits}
    imported_before = _imported_at_collection(context)
    with_fakes = any(setup.fakes for setup in setups)
    for setup, event, path, name in context.events:
        if setup is not context.setup or event.how == "plugin":
            continue
        subject = context.subjects.get(path)
        if subject is None or subject.by_plugin:
            continue
        if event.how != "path" and _already_imported(context, path, event, imported_before):
            continue
        check = checks.setdefault(id(event), ImportCheck(event, name or path))
        for need in _needs(context, path, with_fakes):
            providers = _providers(context, setups, need, path)
            if providers is None:
                continue  # something not statically visible may provide it
            providers = _serving(context, providers, event.where)
            if providers is None:
                continue  # set up in a helper function: when it runs cannot be told
            if any(
                context.in_effect(where, owner, event.where, context.path)
                or (owner in before_all and where.scope is None and where.active is None)
                for owner, where, _ in providers
            ):
                continue
            late = [(p.owner, p.where) for p in providers if p.can_be_late]
            if late:
                owner, where = min(late, key=lambda p: (p[0] != context.path, p[1].line))
                if (need, owner, where) not in check.late:
                    check.late.append((need, owner, where))
            elif not providers and need.kind != "fake" and need not in check.missing:
                check.missing.append(need)
    return [c for c in checks.values() if c.missing or c.late]


def _serving(
    context: FileContext, providers: list[Provider], event: Where
) -> list[Provider] | None:
    """The providers that can serve an import at `event`: a setup inside another test's body
    serves that test only; one inside a helper function runs whenever it is called (None)."""
    kept = []
    for provider in providers:
        scope = provider.where.scope
        entry = context.functions.get(scope) if scope else None
        if entry is not None and provider.owner == entry[0].path:
            if entry[1].is_test and scope != event.scope:
                continue
            if in_helper(context, provider.where):
                return None
        kept.append(provider)
    return kept


def package_inits(context: FileContext) -> list[str]:
    """The `__init__.py` of each package holding the test file or one of its conftests,
    outermost first: pytest imports them (and runs their module-level code) at collection,
    before the test module."""
    found: list[str] = []
    root = context.project.root
    for start in (*context.chain_paths, context.path):
        directory = os.path.dirname(start)
        while directory.startswith(root):
            init = os.path.join(directory, "__init__.py")
            if not os.path.isfile(init):
                break
            if init not in found:
                found.append(init)
                context.reached_files.add(init)  # a cache dependency of this file's verdicts
            if directory == root:
                break
            directory = os.path.dirname(directory)
    return sorted(found, key=len)


def in_helper(context: FileContext, where: Where) -> bool:
    """Whether a setup sits in a plain function of its file (neither a test nor a fixture),
    which runs whenever something calls it."""
    entry = context.functions.get(where.scope) if where.scope else None
    return entry is not None and not entry[1].is_test and not entry[1].is_fixture


def _imported_at_collection(context: FileContext) -> dict[str, tuple[str, int]]:
    """Files imported at module level by the conftests and by this file: file -> (owner, line)."""
    found: dict[str, tuple[str, int]] = {}
    for setup, event, path, _ in context.events:
        if (
            event.where.scope is None
            and event.how != "path"
            and (setup.path in context.chain_paths or setup is context.setup)
        ):
            for inner in sorted(context.project.import_closure(path)):
                found.setdefault(inner, (setup.path, event.where.line))
    return found


def _already_imported(
    context: FileContext, path: str, event: ImportEvent, imported_before: dict[str, tuple[str, int]]
) -> bool:
    earlier = imported_before.get(path)
    if earlier is None:
        return False
    owner, line = earlier
    if owner != context.path:
        return True  # a conftest imported it first; its own lint judges that import
    return event.where.scope is not None or line < event.where.line


def _needs(context: FileContext, path: str, with_fakes: bool) -> list[Need]:
    """What importing `path` needs: env and threads always; fakes only when the context fakes
    something (a package nobody fakes is simply imported for real)."""
    key = (path, f"needs-{with_fakes}")
    cached = context.project.memo.get(key)
    if cached is None:
        unique: dict[tuple[str, str], Need] = {}
        for inner in sorted(context.project.import_closure(path)):
            for need in _own_needs(context, inner):
                if with_fakes or need.kind != "fake":
                    unique.setdefault((need.kind, need.name), need)
        cached = context.project.memo[key] = list(unique.values())
    return cached  # type: ignore[return-value]


def _own_needs(context: FileContext, inner: str) -> list[Need]:
    key = (inner, "own-needs")
    cached = context.project.memo.get(key)
    if cached is None:
        cached = context.project.memo[key] = _find_needs(context, inner)
    return cached  # type: ignore[return-value]


def _find_needs(context: FileContext, inner: str) -> list[Need]:
    """What the module at `inner` itself needs while it is imported."""
    project = context.project
    facts = project.facts(inner)
    if facts is None:
        return []
    needs = [
        Need("env", read.name, inner, read.line)
        for read in facts.env_reads
        if read.at_import_time and (read.required or read.none_breaks)
    ]
    for binding in facts.imports:
        module = binding.module
        if (
            binding.at_import_time
            and not binding.optional
            and module
            and not module.startswith(".")
            and not is_stdlib(module)
        ):
            top = module.split(".")[0]
            if project.find_module(top, project.module_roots(inner)) is None:
                needs.append(Need("fake", top, inner, binding.line))
    needs.extend(
        Need("thread", effect.target, inner, effect.line)
        for effect in facts.effects
        if effect.kind is EffectKind.THREAD and "started at line" in effect.detail
    )
    return needs


def _providers(
    context: FileContext, setups: list[SetupFacts], need: Need, path: str
) -> list[Provider] | None:
    project = context.project
    found: list[Provider] = []
    if need.kind == "env":
        if need.name in project.ini_env or need.name in project.plugin_env.get(path, ()):
            return None
        for setup in setups:
            if setup.env_unknown:
                return None
            found.extend(Provider(setup.path, e.where) for e in setup.env if e.name == need.name)
    elif need.kind == "fake":
        for setup in setups:
            # A fake of a submodule counts as being in place (the package is then real, or
            # faked elsewhere), but only a fake of the package itself can come too late.
            found.extend(
                Provider(setup.path, fake.where, fake.module == need.name)
                for fake in setup.fakes
                if fake.module == need.name or fake.module.startswith(need.name + ".")
            )
        if not found:
            return []
    else:
        stoppers = {need.name} if "." in need.name else {"threading.Thread"}
        for setup in setups:
            for patch in setup.patches:
                target = patch.target or ""
                if any(target == s or target.startswith(s + ".") for s in stoppers):
                    found.append(Provider(setup.path, patch.where))
    return found
