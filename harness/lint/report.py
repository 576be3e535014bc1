"""Findings as text (flake8 style), JSON, SARIF 2.1.0 (code scanning) or GitHub annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from harness import __version__
from harness.analysis import AnalysisError
from harness.lint.rule import Finding, Rule

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/legacy-harness/legacy-harness"


def shown_path(path: str) -> str:
    """Relative to the working directory when below it, as linters print paths."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def error_line(error: AnalysisError) -> str:
    where = shown_path(error.path)
    location = f"{where}:{error.line}" if error.line else where
    return f"{location}: error: {error.message}"


def render(
    fmt: str, findings: Sequence[Finding], errors: Sequence[AnalysisError], rules: Sequence[Rule]
) -> str:
    if fmt == "json":
        return _json(findings)
    if fmt == "sarif":
        return _sarif(findings, errors, rules)
    if fmt == "github":
        return _github(findings, errors)
    return _text(findings)


def _text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        hint = f" [fix: {f.hint}]" if f.hint else ""
        lines.append(f"{shown_path(f.path)}:{f.line}:{f.col}: {f.code} {f.message}{hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def _json(findings: Sequence[Finding]) -> str:
    document = [
        {
            "path": shown_path(f.path),
            "line": f.line,
            "column": f.col,
            "code": f.code,
            "message": f.message,
            "hint": f.hint,
            "fix": {"line": f.fix.line, "column": f.fix.col, "old": f.fix.old, "new": f.fix.new}
            if f.fix
            else None,
        }
        for f in findings
    ]
    return json.dumps(document, indent=2) + "\n"


def _sarif(
    findings: Sequence[Finding], errors: Sequence[AnalysisError], rules: Sequence[Rule]
) -> str:
    index = {rule.CODE: i for i, rule in enumerate(rules)}
    results = []
    for f in findings:
        result = {
            "ruleId": f.code,
            "ruleIndex": index.get(f.code, 0),
            "level": "error",
            "message": {"text": f"{f.message}. Fix: {f.hint}" if f.hint else f.message},
            "locations": [_location(f.path, f.line, f.col)],
        }
        if f.fix is not None:
            result["fixes"] = [
                {
                    "description": {"text": f"replace '{f.fix.old}' with '{f.fix.new}'"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "startLine": f.fix.line,
                                        "startColumn": f.fix.col + 1,  # inside the quotes
                                        "endLine": f.fix.line,
                                        "endColumn": f.fix.col + 1 + len(f.fix.old),
                                    },
                                    "insertedContent": {"text": f.fix.new},
                                }
                            ],
                        }
                    ],
                }
            ]
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [_location(error.path, max(error.line, 1), 1)],
        }
        for error in errors
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "harness-lint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _rule_descriptor(rule: Rule) -> dict:
    doc = (rule.__doc__ or "").strip()
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.MESSAGE},
        "fullDescription": {"text": doc.split("\n\n", 1)[0].replace("\n", " ")},
        "help": {"text": doc},
        "defaultConfiguration": {"level": "error"},
        "properties": {"fixable": rule.FIXABLE},
    }


def _uri(path: str) -> str:
    return shown_path(path).replace(os.sep, "/")


def _location(path: str, line: int, col: int) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path)},
            "region": {"startLine": line, "startColumn": col},
        }
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(findings: Sequence[Finding], errors: Sequence[AnalysisError]) -> str:
    lines = []
    for f in findings:
        message = f"{f.message}. Fix: {f.hint}" if f.hint else f.message
        lines.append(
            f"::error file={_escape_property(shown_path(f.path))},line={f.line},col={f.col},"
            f"title={_escape_property(f.code)}::{_escape_data(message)}"
        )
    for error in errors:
        lines.append(
            f"::error file={_escape_property(shown_path(error.path))},line={max(error.line, 1)},"
            f"title=harness lint::{_escape_data(error.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
