"""What importing each module would do, and what a test must fake, from static analysis alone.

`scan_paths` turns paths into a `ScanReport`: per module, the import-time side effects, the
environment read at import, the third-party package trees that must be faked to import it
offline (each with the reason and what is known about the package), and what cannot be known
statically; across modules, the import cycles. A file that cannot be read or parsed is reported
as an error and the rest of the scan goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.model import (
    AnalysisError,
    EffectKind,
    EnvRead,
    ModuleFacts,
    SideEffect,
    Unknowable,
)
from harness.analysis.packages import import_root, module_name_for, third_party_packages
from harness.locations import display_path
from harness.scaffold.module_facts import ModuleReader
from harness.scaffold.packages import PackageInfo, package_info
from harness.scaffold.project import (
    collect_sources,
    imported_project_modules,
    once,
    project_import_sites,
    project_imports,
    reading_once,
)

Analyze = Callable[[str], ModuleFacts]

# Effects that mean "importing this for real would reach a server, or need one".
_CONNECTING = frozenset({EffectKind.CLIENT, EffectKind.NETWORK})


@dataclass(frozen=True)
class FakeTree:
    """A third-party package tree a module imports at import time."""

    root: str
    modules: tuple[str, ...]  # every module of the tree the code imports, parents first
    info: PackageInfo
    reasons: tuple[str, ...]  # why it must be faked; empty: it can be imported for real

    @property
    def must_fake(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Chain:
    """A side effect that importing a module causes through the project modules it imports:
    `app.py:3 -> handlers.py:4 -> messaging.py:3 kafka.KafkaProducer(...)`."""

    steps: tuple[tuple[str, int], ...]  # (file, line of the import), from the scanned module down
    path: str  # the file whose module-level code has the effect
    effect: SideEffect

    def text(self) -> str:
        hops = [f"{display_path(path)}:{line}" for path, line in self.steps]
        return " -> ".join([*hops, f"{display_path(self.path)}:{self.effect.line}"]) + (
            f" {self.effect.target}(...)"
        )


# How deep chains are followed, and which effects they show (those a test has to deal with).
_MAX_CHAIN_DEPTH = 6
_CHAINED = frozenset({EffectKind.CLIENT, EffectKind.NETWORK, EffectKind.THREAD})


@dataclass(frozen=True)
class ModuleScan:
    facts: ModuleFacts
    trees: tuple[FakeTree, ...] = ()
    local_imports: tuple[str, ...] = ()  # project modules whose import-time code runs too
    chains: tuple[Chain, ...] = ()  # effects of those modules, with the imports that reach them

    @property
    def path(self) -> str:
        return self.facts.path

    @property
    def effects(self) -> tuple[SideEffect, ...]:
        return tuple(sorted(self.facts.effects, key=lambda e: (e.line, e.col)))

    @property
    def import_time_env(self) -> tuple[EnvRead, ...]:
        reads = (r for r in self.facts.env_reads if r.at_import_time)
        return tuple(sorted(reads, key=lambda r: (r.line, r.col)))

    @property
    def to_fake(self) -> tuple[FakeTree, ...]:
        return tuple(t for t in self.trees if t.must_fake)

    @property
    def imported_for_real(self) -> tuple[FakeTree, ...]:
        return tuple(t for t in self.trees if not t.must_fake)

    @property
    def unknowable(self) -> tuple[Unknowable, ...]:
        return tuple(sorted(self.facts.unknowable, key=lambda u: (u.line, u.col)))

    @property
    def finding_count(self) -> int:
        """What runs at import: its own findings, and the effects of the project modules it
        imports (`chains`)."""
        return (
            len(self.effects)
            + len(self.import_time_env)
            + len(self.to_fake)
            + len(self.unknowable)
            + len(self.chains)
        )


@dataclass(frozen=True)
class ImportCycle:
    """Project modules that import each other while being imported."""

    modules: tuple[str, ...]  # dotted names, in the order the imports run
    paths: tuple[str, ...]

    def message(self) -> str:
        loop = " -> ".join((*self.modules, self.modules[0]))
        return (
            f"import cycle {loop}: which module-level code runs first, and whether a name exists "
            "yet when the other module reads it, depends on which module is imported first"
        )


@dataclass(frozen=True)
class ScanReport:
    modules: tuple[ModuleScan, ...] = ()
    cycles: tuple[ImportCycle, ...] = ()
    errors: tuple[AnalysisError, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        """2 when any input was unreadable, 1 when anything runs at import, 0 when nothing does."""
        if self.errors:
            return 2
        if self.cycles or any(m.finding_count for m in self.modules):
            return 1
        return 0


def scan_paths(paths: Sequence[str], analyze: Analyze | None = None) -> ScanReport:
    """Scan every Python file under `paths`; nothing is imported or run."""
    reader = ModuleReader(analyze)
    files, errors = collect_sources(paths)
    facts: list[ModuleFacts] = []
    with reading_once():
        for path in files:
            try:
                facts.append(deeply(reader, path))
            except AnalysisError as error:
                errors.append(error)
            except RecursionError:
                errors.append(AnalysisError(path, 1, f"cannot analyse: {NESTED_TOO_DEEPLY}"))
        return scan_facts(facts, errors, reader)


def scan_facts(
    facts: Sequence[ModuleFacts],
    errors: Sequence[AnalysisError] = (),
    analyze: Analyze | None = None,
) -> ScanReport:
    """The report for already analysed modules (`analyze` reads the project modules they import
    that are not among them, for the chains; without it only `facts` are followed)."""
    known = {os.path.abspath(f.path): f for f in facts}

    def facts_of(path: str) -> ModuleFacts | None:
        if path not in known and analyze is not None:
            try:
                known[path] = deeply(analyze, path)
            except (AnalysisError, RecursionError):
                known[path] = None  # type: ignore[assignment]  # reported when scanned itself
        return known.get(path)

    def read(path: str) -> ModuleFacts:
        found = facts_of(path)
        if found is None:
            raise AnalysisError(path, 0, "cannot be read")
        return found

    with reading_once():
        modules = tuple(
            ModuleScan(
                f,
                trees=_trees_to_show(f, imported_project_modules(f, read)),
                local_imports=tuple(project_imports(f)),
                chains=tuple(chains_of(f, facts_of)),
            )
            for f in facts
        )
        cycles = find_cycles(facts)
    return ScanReport(modules=modules, cycles=cycles, errors=tuple(errors))


def chains_of(
    facts: ModuleFacts, facts_of: Callable[[str], ModuleFacts | None]
) -> list[Chain]:
    """Clients, connections and threads that importing `facts`' module causes through the
    project modules it imports, however deep, each with the import lines leading to it."""
    found: list[Chain] = []
    seen = {os.path.abspath(facts.path)}

    def follow(current: ModuleFacts, steps: tuple[tuple[str, int], ...]) -> None:
        if len(steps) >= _MAX_CHAIN_DEPTH:
            return
        for line, target in project_import_sites(current):
            if target in seen:
                continue
            seen.add(target)
            imported = facts_of(target)
            if imported is None:
                continue
            path = (*steps, (current.path, line))
            for effect in sorted(imported.effects, key=lambda e: (e.line, e.col)):
                if effect.kind in _CHAINED and not effect.derived_from:
                    found.append(Chain(path, imported.path, effect))
            follow(imported, path)

    follow(facts, ())
    return found



def _trees_to_show(facts: ModuleFacts, followed: Sequence[ModuleFacts]) -> tuple[FakeTree, ...]:
    """The module's own trees, and those the project modules it imports make it fake: what the
    import needs faked is what the whole import does (`harness init` writes the same)."""
    own = set(third_party_packages(facts))
    return tuple(
        tree for tree in merged_package_trees(facts, followed) if tree.must_fake or tree.root in own
    )


def merged_package_trees(
    facts: ModuleFacts, followed: Sequence[ModuleFacts]
) -> list[FakeTree]:
    """The package trees of the module and of the project modules it imports (`followed`),
    merged by package; a reason found in one of those names its file. A name those modules
    import that is the module's own code (its sibling, imported by bare name from a subfolder:
    its directory is on `sys.path` when it runs) is no package."""
    merged: dict[str, FakeTree] = {}
    own_roots = [import_root(facts.path), os.path.dirname(os.path.abspath(facts.path))]
    everything = [(facts, ""), *((f, shown_path(f.path)) for f in followed)]
    for module, shown_as in everything:
        for tree in package_trees(module, shown_as, own_roots):
            known = merged.get(tree.root)
            if known is None:
                merged[tree.root] = tree
            else:
                merged[tree.root] = FakeTree(
                    tree.root,
                    tuple(sorted(set(known.modules) | set(tree.modules))),
                    tree.info,
                    tuple(dict.fromkeys(known.reasons + tree.reasons)),
                )
    return sorted(merged.values(), key=lambda t: t.root)


def shown_path(path: str) -> str:
    """A project file as the user would type it: relative to the working directory."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    return path if relative.startswith(os.pardir + os.sep + os.pardir) else relative


def package_trees(
    facts: ModuleFacts, shown_as: str = "", source_roots: Sequence[str] = ()
) -> tuple[FakeTree, ...]:
    """Each third-party tree imported at import time, with the reasons it must be faked, if any.
    `shown_as`: the module's file as the reasons name it (`shop/extensions.py:4` rather than
    `line 4`), for a module other than the one the reader is looking at; `source_roots`: more
    directories of the project's own code."""

    def trees() -> tuple[FakeTree, ...]:
        found = []
        for root, modules in third_party_packages(facts, source_roots).items():
            info = package_info(root, modules)
            reasons = _reasons_to_fake(root, info, facts, shown_as)
            found.append(FakeTree(root, modules, info, reasons))
        return tuple(found)

    path = os.path.abspath(facts.path) if facts.path else ""
    return once(("trees", path, facts, shown_as, tuple(source_roots)), trees)


def _reasons_to_fake(
    root: str, info: PackageInfo, facts: ModuleFacts, shown_as: str = ""
) -> tuple[str, ...]:
    reasons = []
    if not info.installed:
        reasons.append("not installed: the import itself fails")
    for need in info.extras:
        if info.installed and need.missing:
            reasons.append(
                f"{need.submodule} needs extra [{need.extra}], missing {', '.join(need.missing)}"
            )
    where = f"{shown_as}:" if shown_as else "line "
    built = [
        f"{_short(effect.target)} ({where}{effect.line})"
        for effect in sorted(facts.effects, key=lambda e: e.line)
        if effect.kind in _CONNECTING
        and not effect.derived_from
        and effect.target.split(".", 1)[0] == root
    ]
    if built:
        reasons.append("builds at import " + ", ".join(dict.fromkeys(built)))
    return tuple(reasons)


def _short(target: str) -> str:
    return target.rsplit(".", 1)[-1]


def find_cycles(facts: Sequence[ModuleFacts]) -> tuple[ImportCycle, ...]:
    """Cycles among the scanned modules' import-time imports (strongly connected components)."""
    name_of = {os.path.abspath(f.path): (f.module_name or module_name_for(f.path)) for f in facts}
    display = {os.path.abspath(f.path): f.path for f in facts}
    graph = {
        os.path.abspath(f.path): [p for p in project_imports(f) if p in name_of] for f in facts
    }
    cycles = []
    for component in _strongly_connected(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            ordered = _cycle_order(component, graph)
            cycles.append(
                ImportCycle(tuple(name_of[p] for p in ordered), tuple(display[p] for p in ordered))
            )
    return tuple(sorted(cycles, key=lambda c: c.modules))


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    # Tarjan's algorithm, written out because the standard library's graphlib reports only the
    # first cycle it meets and no well-kept graph library is a dependency here.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_order(component: list[str], graph: dict[str, list[str]]) -> list[str]:
    """The component's members in import order, starting from the first by name."""
    members = set(component)
    start = min(component)
    ordered = [start]
    while True:
        following = [n for n in graph[ordered[-1]] if n in members and n not in ordered]
        if not following:
            break
        ordered.append(following[0])
    ordered.extend(sorted(members - set(ordered)))
    return ordered
