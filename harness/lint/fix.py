"""`--fix` and `--diff`: rewrite patch target strings with libcst, keeping everything else.

Only the string literal a finding points at changes, with its prefix and quote style kept; the
rest of the file (comments, blank lines, formatting) comes back byte for byte: the file is read
as bytes and decoded with its own encoding (PEP 263 cookie, UTF-8 BOM), libcst keeps its line
endings, and the result is encoded back the same way, BOM included.  A file that cannot be read,
decoded, parsed or encoded back (a new target the declared encoding cannot hold) is an
`AnalysisError`, reported on one line, and the file is left untouched.
libcst is imported here only, so a lint run without fixes never pays for it.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass

from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.model import AnalysisError
from harness.analysis.source import decode, parse, read_bytes
from harness.lint.rule import Finding, Fix


# libcst's parser takes time that grows faster than the square of the nesting depth: about 0.3 s
# for a 400-term `"a" + "a" + ...`, 2 s at 800, 30 s at 2,500.  Deeper files are not rewritten.
_MAX_NESTING = 1000


@dataclass
class FileFix:
    path: str
    original: str
    fixed: str
    applied: list[Finding]
    encoding: str = "utf-8"  # "utf-8-sig" when the file starts with a BOM

    def diff(self, shown: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.fixed.splitlines(keepends=True),
                fromfile=f"a/{shown}",
                tofile=f"b/{shown}",
            )
        )

    def fixed_bytes(self) -> bytes:
        return self.fixed.encode(self.encoding)


def plan_fixes(
    findings: Sequence[Finding], errors: list[AnalysisError] | None = None
) -> list[FileFix]:
    """The rewritten text of each file with fixable findings (conflicting fixes are dropped);
    a file that cannot be fixed is left untouched, with one error in `errors`."""
    by_file: dict[str, dict[tuple[int, int], list[Finding]]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_file.setdefault(finding.path, {}).setdefault(
                (finding.fix.line, finding.fix.col), []
            ).append(finding)
    plans = []
    errors = [] if errors is None else errors
    for path, spots in sorted(by_file.items()):
        chosen = {
            spot: items
            for spot, items in spots.items()
            if len({item.fix.new for item in items if item.fix}) == 1  # unambiguous only
        }
        if not chosen:
            continue
        try:
            plan = _plan(path, chosen)
        except AnalysisError as error:
            errors.append(error)
            continue
        if plan is not None:
            plans.append(plan)
    return plans


def _plan(path: str, chosen: dict[tuple[int, int], list[Finding]]) -> FileFix | None:
    data = read_bytes(path)
    original = decode(data, path)  # the checks and messages of every other read
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    depth = _nesting(parse(original, path))
    if depth > _MAX_NESTING:
        raise AnalysisError(
            path, 1, f"cannot fix: nested {depth:,} levels deep, too deep for libcst to rewrite "
            f"in reasonable time (the limit is {_MAX_NESTING:,}); left as it was, fix it by hand"
        )
    try:
        fixed = deeply(_rewrite, original, {spot: items[0].fix for spot, items in chosen.items()})
    except RecursionError:
        raise AnalysisError(path, 1, f"cannot fix: {NESTED_TOO_DEEPLY}; left as it was") from None
    except Exception as error:  # noqa: BLE001 - libcst's parser errors have no common base
        line = getattr(error, "raw_line", 0) or getattr(error, "line", 0) or 1
        kind = type(error).__name__
        raise AnalysisError(
            path, line, f"cannot fix: libcst cannot parse it ({kind}); left as it was"
        ) from None
    if fixed == original:
        return None
    plan = FileFix(path, original, fixed,
                   [item for items in chosen.values() for item in items], encoding)
    try:
        plan.fixed_bytes()
    except UnicodeEncodeError as error:
        line = fixed.count("\n", 0, error.start) + 1
        raise AnalysisError(
            path, line, f"cannot fix: the new target cannot be written in the file's encoding "
            f"({encoding}); left as it was"
        ) from None
    return plan


def _nesting(tree: ast.AST) -> int:
    """How many levels deep the syntax tree goes (walked without recursion)."""
    deepest = 0
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


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
