"""`--fix` and `--diff`: rewrite patch target strings with libcst, keeping everything else.

Only the string literal a finding points at changes, with its prefix and quote style kept; the
rest of the file (comments, blank lines, formatting) comes back byte for byte from libcst.
libcst is imported here only, so a lint run without fixes never pays for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from harness.lint.rule import Finding, Fix


@dataclass
class FileFix:
    path: str
    original: str
    fixed: str
    applied: list[Finding]

    def diff(self, shown: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=f"a/{shown}",
                tofile=f"b/{shown}",
            )
        )


def plan_fixes(findings: Sequence[Finding]) -> list[FileFix]:
    """The rewritten text of each file with fixable findings (conflicting fixes are dropped)."""
    by_file: dict[str, dict[tuple[int, int], list[Finding]]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_file.setdefault(finding.path, {}).setdefault(
                (finding.fix.line, finding.fix.col), []
            ).append(finding)
    plans = []
    for path, spots in sorted(by_file.items()):
        chosen = {
            spot: items
            for spot, items in spots.items()
            if len({item.fix.new for item in items if item.fix}) == 1  # unambiguous only
        }
        if not chosen:
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            original = handle.read()
        fixed = _rewrite(original, {spot: items[0].fix for spot, items in chosen.items()})  # type: ignore[misc]
        if fixed != original:
            applied = [item for items in chosen.values() for item in items]
            plans.append(FileFix(path, original, fixed, applied))
    return plans


def _rewrite(source: str, fixes: dict[tuple[int, int], Fix]) -> str:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    class _Retarget(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def leave_SimpleString(
            self, original: cst.SimpleString, updated: cst.SimpleString
        ) -> cst.SimpleString:
            start = self.get_metadata(PositionProvider, original).start
            fix = fixes.get((start.line, start.column + 1))
            if fix is None or original.evaluated_value != fix.old:
                return updated
            prefix = original.prefix
            quote = original.quote
            body = fix.new.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
            return updated.with_changes(value=f"{prefix}{quote}{body}{quote}")

    module = cst.parse_module(source)
    return MetadataWrapper(module).visit(_Retarget()).code
