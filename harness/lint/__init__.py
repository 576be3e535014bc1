"""`harness lint`: hold tests and conftests against the real imports of the code under test.

Entry points: `harness.lint.command` (the CLI), `harness.lint.engine.LintRun` (a run, in
process), `harness.lint.rules.all_rules()` (the rules, one module each, with their examples).
"""
