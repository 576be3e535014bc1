"""The broken conftests under broken/: each trap and each rule, against the real services.

Every example marks the line the linter must report with `# expect: CODE`; linting the folder
must report exactly those (code and line), and nothing else.  The examples are data: pytest does
not collect them (tests/lint/conftest.py), and `harness lint tests` skips them by configuration.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.lint.config import find_root, load_config
from harness.lint.engine import LintRun
from harness.lint.rules import all_rules

BROKEN = Path(__file__).parent / "broken"
EXPECT = re.compile(r"#\s*expect:\s*(LH\d{3})")


def expected_findings() -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(BROKEN.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                found.add((str(path.relative_to(BROKEN)), number, match.group(1)))
    return found


def lint(paths: list[Path]):
    root = find_root(str(BROKEN))
    return LintRun(load_config(root), [str(p) for p in paths], use_cache=False, jobs=1).execute()


def test_every_rule_has_a_broken_example_against_a_real_service():
    codes = {code for _, _, code in expected_findings()}
    assert codes == {rule.CODE for rule in all_rules()}


def test_each_broken_example_is_found_with_its_code_and_line_and_nothing_else():
    result = lint([BROKEN])
    assert result.errors == []
    reported = {(str(Path(f.path).relative_to(BROKEN)), f.line, f.code) for f in result.findings}
    assert reported == expected_findings()


def test_the_test_tree_skips_the_broken_examples_by_configuration():
    tests = BROKEN.parent.parent
    result = lint([tests / "lint"])
    assert not any("broken" in f.path for f in result.findings)


def test_the_project_own_tests_and_templates_lint_clean():
    root = Path(find_root(str(BROKEN)))
    result = lint([root / "tests", root / "harness/scaffold/templates"])
    assert result.errors == []
    assert [f"{f.path}:{f.line}: {f.code} {f.message}" for f in result.findings] == []
