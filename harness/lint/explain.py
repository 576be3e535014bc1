"""`harness lint --explain CODE`: a rule's documentation, followed by its examples."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from harness.lint.rule import Rule


def explain(code: str, rules: Sequence[Rule]) -> str | None:
    wanted = code.strip().upper()
    rule = next((r for r in rules if r.CODE == wanted or r.NAME == code.strip()), None)
    if rule is None:
        return None
    out = [f"{rule.CODE} {rule.NAME}: {rule.MESSAGE}", "", inspect.cleandoc(rule.__doc__ or ""), ""]
    if rule.FIXABLE:
        out += ["Fixable with --fix.", ""]
    for title, examples in (("Reported", rule.INVALID), ("Not reported", rule.VALID)):
        for example in examples:
            out.append(f"{title}:")
            for name, text in example.files.items():
                marker = "  (linted)" if name == example.lint else ""
                out.append(f"  # {name}{marker}")
                out.extend(f"    {line}" for line in text.rstrip("\n").splitlines())
            line = getattr(example, "line", None)
            if line:
                out.append(f"  -> {rule.CODE} at {example.lint}:{line}")
            out.append("")
    return "\n".join(out)
