"""Which tests the fast runner runs for a mutant, from per-test coverage of the intact code."""

from __future__ import annotations

import textwrap

from harness.mutation.selection import (
    BEFORE_TESTS,
    FULL,
    NONE,
    TESTS,
    CoverageMap,
    changed_lines,
    phase_label,
    shared_label,
)

SOURCE = textwrap.dedent(
    """\
    import os

    LIMIT = int(os.environ.get("LIMIT", "10"))
    state = {}


    def handle(event):
        if event["value"] > LIMIT:
            state[event["id"]] = (
                event["value"] * 2
            )
        return state


    def consume():
        while True:
            handle(poll())


    def import_time_helper():
        return 1
    """
)
FILE = "svc/app.py"


def line_of(code: str) -> int:
    return [line.strip() for line in SOURCE.split("\n")].index(code) + 1


def coverage(**lines: set[str]) -> CoverageMap:
    """Coverage where keyword `L<n>` gives the labels of line n."""
    by_line = {int(key[1:]): labels for key, labels in lines.items()}
    return CoverageMap(
        tests=["t.py::test_b", "t.py::test_a", "t.py::test_c"], lines={FILE: by_line}
    )


def test_a_module_level_mutant_runs_the_full_suite() -> None:
    limit = line_of('LIMIT = int(os.environ.get("LIMIT", "10"))')

    selection = coverage().select(FILE, SOURCE, {limit})

    assert selection.kind == FULL
    assert selection.reason == "runs at import"


def test_a_module_level_mutant_tries_the_tests_reading_what_it_assigns_first() -> None:
    limit = line_of('LIMIT = int(os.environ.get("LIMIT", "10"))')
    reader = line_of('if event["value"] > LIMIT:')
    labels = {phase_label("t.py::test_a", "call"), shared_label("session", "service")}

    selection = coverage(**{f"L{reader}": labels}).select(FILE, SOURCE, {limit})

    assert selection.kind == FULL
    assert selection.tests == ("t.py::test_a",)


def test_a_mutated_def_line_tries_the_tests_running_its_body_first() -> None:
    body = line_of("return 1")
    labels = {phase_label("t.py::test_c", "call")}

    selection = coverage(**{f"L{body}": labels}).select(
        FILE, SOURCE, {line_of("def import_time_helper():")}
    )

    assert selection.kind == FULL
    assert selection.tests == ("t.py::test_c",)


def test_a_function_line_no_test_runs_needs_no_run() -> None:
    selection = coverage().select(FILE, SOURCE, {line_of("handle(poll())")})

    assert selection.kind == NONE


def test_covering_tests_run_in_suite_order() -> None:
    line = line_of('if event["value"] > LIMIT:')
    labels = {phase_label("t.py::test_a", "call"), phase_label("t.py::test_b", "setup")}

    selection = coverage(**{f"L{line}": labels}).select(FILE, SOURCE, {line})

    assert selection.kind == TESTS
    assert selection.tests == ("t.py::test_b", "t.py::test_a")


def test_coverage_recorded_on_any_line_of_a_multiline_statement_counts() -> None:
    inner = line_of('event["value"] * 2')
    first = line_of('state[event["id"]] = (')

    selection = coverage(**{f"L{first}": {phase_label("t.py::test_c", "call")}}).select(
        FILE, SOURCE, {inner}
    )

    assert selection.tests == ("t.py::test_c",)


def test_a_compound_statement_counts_its_header_not_its_body() -> None:
    header = line_of('if event["value"] > LIMIT:')
    body = line_of('state[event["id"]] = (')

    selection = coverage(**{f"L{body}": {phase_label("t.py::test_a", "call")}}).select(
        FILE, SOURCE, {header}
    )

    assert selection.kind == NONE


def test_a_line_run_by_a_shared_fixture_or_before_tests_runs_the_full_suite() -> None:
    line = line_of("return 1")
    for label in (
        shared_label("session", "service"),
        BEFORE_TESTS,
        phase_label("t.py::test_a", "teardown"),
    ):
        labels = {label, phase_label("t.py::test_a", "call")}

        selection = coverage(**{f"L{line}": labels}).select(FILE, SOURCE, {line})

        assert selection.kind == FULL, label


def test_no_change_means_the_full_suite() -> None:
    assert coverage().select(FILE, SOURCE, set()).kind == FULL


def test_changed_lines_of_a_one_line_mutation() -> None:
    mutated = SOURCE.replace("while True:", "while False:")

    assert changed_lines(SOURCE, mutated) == {line_of("while True:")}


def test_changed_lines_of_a_removed_line() -> None:
    mutated = SOURCE.replace("    return state\n", "")

    assert changed_lines(SOURCE, mutated) == {line_of("return state")}


def test_changed_lines_of_an_intact_file() -> None:
    assert changed_lines(SOURCE, SOURCE) == set()


def test_the_coverage_map_survives_json() -> None:
    original = coverage(L8={phase_label("t.py::test_a", "call"), BEFORE_TESTS})

    assert CoverageMap.from_json(original.to_json()) == original
