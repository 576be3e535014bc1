"""Every rule's own examples: VALID projects report nothing, INVALID ones exactly that rule.

A rule that exists is tested here through its examples, with no test to write by hand; the
projects are written to a temporary directory and linted like a user's project would be.
"""

from __future__ import annotations

import pytest

from harness.lint.fix import plan_fixes
from harness.lint.rules import all_rules

from .examples import lint_project, write_project

RULES = all_rules()
CASES = [
    pytest.param(rule, kind, example, id=f"{rule.CODE}-{kind}-{number}")
    for rule in RULES
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for number, example in enumerate(examples)
]


def test_every_rule_has_examples_of_both_kinds():
    assert all(rule.VALID and rule.INVALID for rule in RULES)
    assert len({rule.CODE for rule in RULES}) == len(RULES) == 10


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(tmp_path, rule, kind, example):
    write_project(tmp_path, dict(example.files))
    findings, errors = lint_project(tmp_path, [example.lint])
    assert errors == []
    reported = [(f.code, f.line) for f in findings]
    if kind == "valid":
        assert reported == [], [f"{f.code} {f.line} {f.message}" for f in findings]
        return
    assert reported == [(rule.CODE, example.line)], [f"{f.code} {f.line} {f.message}" for f in findings]
    assert findings[0].message and findings[0].hint
    if example.fixed is not None:
        (plan,) = plan_fixes(findings)
        assert plan.fixed == example.fixed
    else:
        assert findings[0].fix is None
