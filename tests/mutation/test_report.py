"""The mutation report: scores, the before/after table, survivors with their diff, the chart."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness.mutation import report
from harness.mutation.model import (
    KILLED,
    SKIPPED,
    SURVIVED,
    SUSPICIOUS,
    TIMEOUT,
    Mutant,
    Published,
    RunReport,
    ServiceResult,
    SuiteResult,
    Verification,
)

BASELINE = "baseline"
HARNESS = "harness"

DIFF = """--- legacy_services/current/current.py
+++ legacy_services/current/current.py
@@ -63,1 +63,1 @@
-            if known is not None and event["timestamp"] < known["timestamp"]:
+            if known is not None and event["timestamp"] <= known["timestamp"]:
"""


def mutant(number: int, status: str, **extra: object) -> Mutant:
    fields = {"scope": "consume_data", "line": f"line {number}"}
    fields.update(extra)
    return Mutant(
        number,
        "legacy_services/current/current.py",
        number,
        index=0,
        status=status,
        **fields,
    )


def suite(name: str, statuses: list[str], **extra: object) -> SuiteResult:
    mutants = [
        mutant(i, status, skip_reason="print" if status == SKIPPED else None)
        for i, status in enumerate(statuses, 1)
    ]
    return SuiteResult(
        name,
        (f"tests/{name}",),
        tests=10,
        mutants=mutants,
        seconds=1.0,
        runner="fast",
        **extra,
    )


@pytest.fixture
def run_report() -> RunReport:
    before = suite(
        BASELINE,
        [KILLED] * 2 + [SURVIVED] * 5 + [SKIPPED] * 3,
        title="before: hand-written conftest",
        gate=False,
    )
    after = suite(
        HARNESS,
        [KILLED] * 5 + [SUSPICIOUS] + [TIMEOUT] + [SKIPPED] * 3,
        title="after: harness plugin",
    )
    after.mutants.append(
        mutant(
            11,
            SURVIVED,
            line='app = Flask("api")',
            mutated_line='app = Flask("XXapiXX")',
            diff=DIFF,
            zone=None,
            scope="module level",
            equivalent="the name only locates templates",
        )
    )
    after.decisions = Counter({"tests": 4, "none": 1, "full": 2})
    service = ServiceResult(
        "current",
        ("legacy_services/current/current.py",),
        {BASELINE: before, HARNESS: after},
        published=Published(tests=16, mutants=63, killed=12),
    )
    verification = Verification(
        [
            ("current", HARNESS, 1, KILLED, KILLED),
            ("current", HARNESS, 6, SUSPICIOUS, KILLED),
        ]
    )
    return RunReport(
        [service],
        runner="fast",
        jobs=2,
        seconds=42.0,
        mutmut_version="2.5.1",
        verification=verification,
    )


def test_scores_count_timeouts_as_detected_and_skipped_as_not_kept(
    run_report: RunReport,
) -> None:
    after = run_report.services[0].suites[HARNESS]

    assert (after.total, after.kept, after.killed, after.timed_out) == (11, 8, 6, 1)
    assert after.score == pytest.approx(7 / 8)
    assert after.score_unfiltered == pytest.approx(7 / 11)
    assert after.score_non_equivalent == pytest.approx(7 / 7)
    assert after.skip_share == pytest.approx(3 / 11)


def test_markdown_puts_published_before_and_after_side_by_side(
    run_report: RunReport,
) -> None:
    text = report.markdown(run_report)

    assert "| current | published before | 16 | 63 | 12 | | | | | 19% |" in text
    assert (
        "| current | before: hand-written conftest | 10 | 10 | 2 | 5 | 0 | 3 (30%) | 29% | 20% |"
        in text
    )
    assert (
        "| current | after: harness plugin | 10 | 11 | 6 | 1 (1 equivalent) | 1 | 3 (27%) | 88% | 64% |"
        in text
    )


def test_markdown_shows_each_survivor_with_file_line_zone_and_diff(
    run_report: RunReport,
) -> None:
    text = report.markdown(run_report)

    assert (
        "mutant 11, survived, `legacy_services/current/current.py:12` in `module level`"
        in text
    )
    assert "**equivalent**: the name only locates templates" in text
    assert (
        '  +            if known is not None and event["timestamp"] <= known["timestamp"]:'
        in text
    )
    assert "By function: consume_data 5." in text


def test_markdown_says_what_the_filters_skipped_and_how_verdicts_were_reached(
    run_report: RunReport,
) -> None:
    text = report.markdown(run_report)

    assert "| current | baseline | 3 | 30% | print 3 |" in text
    assert "full: 2, none: 1, tests: 4" in text
    assert (
        "2 mutants re-run with a fresh pytest process each; every verdict identical"
        in text
    )
    assert "more than allowed" in text  # 27% skipped in the harness suite


def test_a_verdict_mismatch_is_reported(run_report: RunReport) -> None:
    assert run_report.verification is not None
    run_report.verification.checked.append(("current", HARNESS, 7, SURVIVED, KILLED))

    text = report.markdown(run_report)

    assert "1 of 3 verdicts differ" in text
    assert "- current/harness mutant 7: fast bad_survived, plain ok_killed" in text


def test_json_holds_every_figure_and_survivor(run_report: RunReport) -> None:
    data = report.as_dict(run_report)
    after = data["services"][0]["suites"][HARNESS]

    assert data["services"][0]["published"] == {
        "tests": 16,
        "mutants": 63,
        "killed": 12,
        "score": 12 / 63,
    }
    assert (
        after["killed"],
        after["survived"],
        after["timed_out"],
        after["skipped"],
    ) == (6, 1, 1, 3)
    assert after["survivors"][0]["diff"] == DIFF
    assert after["survivors"][0]["equivalent"] == "the name only locates templates"
    assert data["verification"] == {"checked": 2, "identical": 2, "mismatches": []}
    json.dumps(data)  # serialisable as is


def test_html_has_an_inline_svg_chart_and_escapes_the_diff(
    run_report: RunReport,
) -> None:
    page = report.html(run_report)

    assert page.count("<svg") == 1 and "<script" not in page
    assert page.count('fill="#2e7d32"') == 2  # one killed segment per suite
    assert (
        "&lt;= known[&#34;timestamp&#34;]" in page
        or "&lt;= known[&quot;timestamp&quot;]" in page
    )
    assert "published before" in page


def test_a_failed_suite_is_shown_with_its_error(run_report: RunReport) -> None:
    run_report.services[0].suites[HARNESS] = SuiteResult(
        HARNESS, (), 0, [], 0.0, "fast", error="the suite fails on the intact code"
    )

    text = report.markdown(run_report)

    assert "## Failed runs" in text
    assert "the suite fails on the intact code" in text
    assert "failed: the suite fails on the intact code" in report.html(run_report)


def test_reports_are_written_in_three_formats_and_the_standard_one_per_suite(
    run_report: RunReport, tmp_path: Path
) -> None:
    written = report.write_reports(run_report, tmp_path / "reports")

    assert [p.relative_to(tmp_path / "reports").as_posix() for p in written] == [
        "mutation.md",
        "mutation.json",
        "mutation.html",
        "mutation-elements/baseline.json",
        "mutation-elements/harness.json",
    ]
    assert (
        json.loads((tmp_path / "reports" / "mutation.json").read_text())["mutmut"]
        == "2.5.1"
    )


def test_a_smoke_run_says_its_scores_describe_a_sample(run_report: RunReport) -> None:
    run_report.sample = 4

    assert "**Smoke run**: 4 mutant(s) per suite" in report.markdown(run_report)
    assert "Smoke run" in report.html(run_report)


def test_markdown_shows_where_each_suite_kills_by_function(
    run_report: RunReport,
) -> None:
    text = report.markdown(run_report)

    assert (
        "| service | function | kept mutants | killed by baseline | killed by harness |"
        in text
    )
    assert "| current | `consume_data` | 7 | 2 | 7 |" in text


def test_survivors_of_a_comparison_suite_are_folded_those_of_a_gating_suite_are_not(
    run_report: RunReport,
) -> None:
    text = report.markdown(run_report)

    gating = text.index("what survives the harness suite")
    compared = text.index("what survives the baseline suite")
    assert gating < compared
    assert "<details><summary>every survivor</summary>" in text[compared:]
    assert "<details>" not in text[gating:compared]


def test_the_json_report_does_not_depend_on_the_order_mutants_ran_in() -> None:
    one, other = suite(HARNESS, [KILLED, SURVIVED]), suite(HARNESS, [KILLED, SURVIVED])
    one.decisions = Counter({"tests": 4, "full": 2, "none": 1})
    other.decisions = Counter({"none": 1, "full": 2, "tests": 4})  # merged shards' order

    assert json.dumps(report.suite_dict(one)) == json.dumps(report.suite_dict(other))

