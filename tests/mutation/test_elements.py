"""The mutation-testing-elements report: valid against the format's own schema, statuses mapped.

The schema is the npm package `mutation-testing-report-schema`'s, which the install step puts
in the virtualenv (fixture `elements_schema`, tests/mutation/conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.mutation import elements
from harness.mutation.model import (
    KILLED,
    SKIPPED,
    SURVIVED,
    SUSPICIOUS,
    TIMEOUT,
    UNTESTED,
    Mutant,
    RunReport,
    ServiceResult,
    SuiteResult,
)

SOURCE = (
    "def handle(event):\n    if event > 10:\n        return 2 * event\n    return 0\n"
)


def validate(report: dict[str, object], schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(report)


def test_every_status_maps_to_one_of_the_format_and_the_report_is_valid(
    tmp_path: Path, elements_schema: dict[str, Any]
) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "handler.py").write_text(SOURCE)
    rows = [
        # (status, coverage, skip rule, equivalent) -> expected
        ((KILLED, "tests", None, None), "Killed"),
        ((SUSPICIOUS, "full", None, None), "Killed"),
        ((SURVIVED, "tests", None, None), "Survived"),
        ((SURVIVED, "none", None, None), "NoCoverage"),
        ((SURVIVED, "full", None, "the name only locates templates"), "Survived"),
        ((TIMEOUT, "tests", None, None), "Timeout"),
        ((SKIPPED, None, "print", None), "Ignored"),
        ((UNTESTED, None, None, None), "Pending"),
    ]
    mutants = [
        Mutant(
            number,
            "svc/handler.py",
            1,
            "    if event > 10:",
            number,
            status,
            skip_reason=rule,
            equivalent=why,
            coverage=coverage,
            mutator="operator",
            location=(2, 14, 2, 15),
            mutated_line="    if event >= 10:" if status == SURVIVED else "",
        )
        for number, ((status, coverage, rule, why), _) in enumerate(rows, 1)
    ]
    result = SuiteResult("unit", ("tests",), 3, mutants, 1.0, "fast")
    run = RunReport(
        [ServiceResult("handler", ("svc/handler.py",), {"unit": result})],
        runner="fast",
        jobs=1,
        seconds=1.0,
        mutmut_version="2.5.1",
    )

    report = elements.reports(run, tmp_path)["unit"]

    validate(report, elements_schema)
    file = report["files"]["svc/handler.py"]
    assert file["source"] == SOURCE and file["language"] == "python"
    assert [m["status"] for m in file["mutants"]] == [expected for _, expected in rows]
    first = file["mutants"][0]
    assert first["mutatorName"] == "Operator"
    assert first["location"] == {
        "start": {"line": 2, "column": 14},
        "end": {"line": 2, "column": 15},
    }
    assert file["mutants"][6]["statusReason"] == "skipped by the filter rule print"
    assert file["mutants"][4]["statusReason"].startswith(
        "declared equivalent: the name"
    )
    assert file["mutants"][2]["replacement"] == "if event >= 10:"


def test_the_schema_catches_a_report_that_breaks_the_format(
    elements_schema: dict[str, Any],
) -> None:
    broken = {
        "schemaVersion": "1",
        "thresholds": {"high": 80, "low": 60},
        "files": {
            "a.py": {"language": "python", "source": "", "mutants": [{"id": "1"}]}
        },
    }

    with pytest.raises(
        jsonschema.ValidationError, match="'mutatorName' is a required property"
    ):
        validate(broken, elements_schema)
