"""`harness scan` output: grouped text for people, JSON for tools.

Text: one block per module, one group per kind of side effect, one `path:line: ...` line per
finding (the form editors and terminals turn into links), a summary line at the end. Unreadable
files are not part of the text report: the command prints them on stderr, one line each.

JSON: one document, described by `scan_output.schema.json` next to this file (package data:
`json_schema()`, `harness scan --schema`); lines and columns are 1-based.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from harness.analysis.model import EffectKind, EnvRead, SideEffect
from harness.env import describe_use
from harness.scaffold.scan import FakeTree, ModuleScan, ScanReport, shown_path

JSON_FORMAT_VERSION = 1

# Groups of side effects, in the order a test setup has to deal with them.
_EFFECT_GROUPS: tuple[tuple[str, frozenset[EffectKind]], ...] = (
    ("clients and connections built at import", frozenset({EffectKind.CLIENT, EffectKind.NETWORK})),
    ("threads, timers and processes", frozenset({EffectKind.THREAD})),
    (
        "files, logging, signals and loops at import",
        frozenset({EffectKind.FILESYSTEM, EffectKind.LOGGING, EffectKind.SIGNAL, EffectKind.LOOP}),
    ),
    ("other calls into third-party packages at import", frozenset({EffectKind.CALL})),
)


def json_schema() -> str:
    """The JSON Schema `render_json` follows, as shipped in the package."""
    return (files("harness.scaffold") / "scan_output.schema.json").read_text(encoding="utf-8")


def render_text(report: ScanReport) -> str:
    blocks = [_module_text(module) for module in report.modules]
    if report.cycles:
        lines = ["import cycles"]
        for cycle in report.cycles:
            lines.append(f"  {cycle.paths[0]}: {cycle.message()}")
        blocks.append("\n".join(lines))
    blocks.append(_summary_text(report))
    return "\n\n".join(blocks) + "\n"


def _module_text(module: ModuleScan) -> str:
    facts = module.facts
    name = f" (module {facts.module_name})" if facts.module_name else ""
    lines = [f"{facts.path}{name}"]
    for title, kinds in _EFFECT_GROUPS:
        effects = [e for e in module.effects if e.kind in kinds]
        if effects:
            lines.append(f"  {title}")
            lines.extend(f"    {facts.path}:{e.line}: {_effect_text(e)}" for e in effects)
        if EffectKind.THREAD in kinds:
            lines.extend(_env_lines(module))
    if module.to_fake:
        lines.append("  to import it offline, fake these package trees")
        for tree in module.to_fake:
            lines.extend(_tree_text(tree))
    if module.imported_for_real:
        lines.append("  imported for real (nothing of theirs runs a client at import)")
        lines.extend(
            f"    {tree.root}: {tree.info.describe()}" for tree in module.imported_for_real
        )
    if module.local_imports:
        lines.append("  project modules imported at import time (their module-level code runs too)")
        lines.extend(f"    {shown_path(path)}" for path in module.local_imports)
    if module.chains:
        lines.append("  run at import through those modules (import lines, then the effect)")
        lines.extend(f"    {chain.text()}" for chain in module.chains)
    if module.unknowable:
        lines.append("  cannot be known statically")
        lines.extend(f"    {facts.path}:{u.line}: {u.message}" for u in module.unknowable)
    if len(lines) == 1 or not module.finding_count:
        lines.append("  nothing runs at import beyond definitions and imports")
    return "\n".join(lines)


def _effect_text(effect: SideEffect) -> str:
    if effect.derived_from and effect.kind is EffectKind.CLIENT:
        # `db = client["x"]`: an object reached from a client, not a second client.
        names = ", ".join(effect.assigned_to) or "an object"
        return f"{names} reached from {effect.derived_from} ({effect.target.rsplit('.', 1)[-1]})"
    text = effect.target if effect.kind is EffectKind.LOOP else f"{effect.target}(...)"
    if effect.assigned_to:
        text += f" -> {', '.join(effect.assigned_to)}"
    detail = effect.detail
    if detail.startswith("reached from "):
        detail = ""
    if detail:
        text += f"  [{detail}]"
    return text


def _env_lines(module: ModuleScan) -> list[str]:
    reads = module.import_time_env
    if not reads:
        return []
    width = max(len(r.name) for r in reads)
    path = module.facts.path
    return [
        "  environment read at import",
        *(f"    {path}:{r.line}: {_env_text(r, width)}" for r in reads),
    ]


def _env_text(read: EnvRead, width: int) -> str:
    return f"{read.name:<{width}}  {describe_use(read)}"


def _tree_text(tree: FakeTree) -> list[str]:
    submodules = [m for m in tree.modules if m != tree.root]
    lines = [f"    {tree.root}" + (f" (with {', '.join(submodules)})" if submodules else "")]
    lines.extend(f"      why: {reason}" for reason in tree.reasons)
    if tree.info.installed or tree.info.c_backed or tree.info.extras:
        lines.append(f"      package: {tree.info.describe()}")
    return lines


def _summary_text(report: ScanReport) -> str:
    counts = _counts(report)
    parts = [
        _plural(counts["effects"], "side effect"),
        _plural(counts["env_reads"], "environment read") + " at import",
        _plural(counts["fakes"], "package tree") + " to fake",
        _plural(counts["unknowable"], "thing") + " not knowable statically",
        _plural(counts["cycles"], "import cycle"),
    ]
    text = f"scanned {_plural(counts['modules'], 'module')}: " + ", ".join(parts)
    if counts["errors"]:
        text += f"; {_plural(counts['errors'], 'file')} could not be read (see above)"
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counts(report: ScanReport) -> dict[str, int]:
    return {
        "modules": len(report.modules),
        "effects": sum(len(m.effects) for m in report.modules),
        "env_reads": sum(len(m.import_time_env) for m in report.modules),
        "fakes": sum(len(m.to_fake) for m in report.modules),
        "unknowable": sum(len(m.unknowable) for m in report.modules),
        "cycles": len(report.cycles),
        "errors": len(report.errors),
    }


def render_json(report: ScanReport) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "modules": [_module_json(m) for m in report.modules],
        "cycles": [
            {"modules": list(c.modules), "paths": list(c.paths), "message": c.message()}
            for c in report.cycles
        ],
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in report.errors],
        "summary": {**_counts(report), "exit_code": report.exit_code},
    }
    return json.dumps(document, indent=2) + "\n"


def _module_json(module: ModuleScan) -> dict[str, Any]:
    facts = module.facts
    return {
        "path": facts.path,
        "module": facts.module_name,
        "effects": [
            {
                "kind": e.kind.value,
                "target": e.target,
                "line": e.line,
                "col": e.col,
                "assigned_to": list(e.assigned_to),
                "detail": e.detail,
                "derived_from": e.derived_from,
            }
            for e in module.effects
        ],
        "env": [
            {
                "name": r.name,
                "line": r.line,
                "col": r.col,
                "required": r.required,
                "default": r.default,
                "none_breaks": r.none_breaks,
                "use": r.use.value,
            }
            for r in module.import_time_env
        ],
        "packages": [_tree_json(tree) for tree in module.trees],
        "local_imports": [shown_path(path) for path in module.local_imports],
        "chains": [
            {
                "steps": [{"path": shown_path(path), "line": line} for path, line in chain.steps],
                "path": shown_path(chain.path),
                "line": chain.effect.line,
                "kind": chain.effect.kind.value,
                "target": chain.effect.target,
                "text": chain.text(),
            }
            for chain in module.chains
        ],
        "unknowable": [
            {"line": u.line, "col": u.col, "message": u.message} for u in module.unknowable
        ],
    }


def _tree_json(tree: FakeTree) -> dict[str, Any]:
    info = tree.info
    return {
        "root": tree.root,
        "modules": list(tree.modules),
        "must_fake": tree.must_fake,
        "reasons": list(tree.reasons),
        "installed": info.installed,
        "distribution": info.distribution,
        "version": info.version,
        "c_backed": info.c_backed,
        "compiled": list(info.compiled),
        "native": info.native,
        "extras": [
            {"extra": n.extra, "submodule": n.submodule, "missing": list(n.missing)}
            for n in info.extras
        ],
    }


def error_lines(report: ScanReport) -> Iterable[str]:
    """One line per unreadable input, for stderr."""
    for error in report.errors:
        yield str(error)
