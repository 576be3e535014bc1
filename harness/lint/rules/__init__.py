"""The rules, one per module; each module's rule class carries its docs and examples."""

from __future__ import annotations

import importlib

from harness.lint.rule import Rule

# Listed rather than discovered: the order is the order of `--explain` and of the SARIF rules.
RULE_MODULES = (
    "phantom_target",
    "patched_where_defined",
    "missing_attribute",
    "patched_too_late",
    "stale_module_fake",
    "incomplete_fake_tree",
    "env_not_set",
    "import_before_setup",
    "unstopped_thread",
    "reset_after_replaced_return",
)


def all_rules() -> list[Rule]:
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule
        ]
        rules.extend(cls() for cls in classes)
    return sorted(rules, key=lambda rule: rule.CODE)
