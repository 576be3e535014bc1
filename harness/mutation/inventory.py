"""What each mutant is: its diff, function, zone, the filter that skipped it, equivalence.

Runs inside the workspace, as `python -m harness.mutation.inventory`, because it needs mutmut
(to rebuild a mutant from its id) and the project's `mutmut_config.py` (its rules and declared
equivalent mutants), and importing mutmut edits `sys.path` and imports `mutmut_config` from the
current directory: nothing `harness mutants` itself should do.

    list FILE...           every mutant mutmut would make of the files, in mutmut's order, with
                           its filter verdict, kind (mutator) and location
    describe MUTANTS       the mutants of a finished run (a JSON file: file, line_number, line,
                           index, status each), described for the report
    sources MUTANTS        the mutated source of each mutant of the JSON file
    prime TESTS SECONDS    record SECONDS as mutmut's baseline test time (see `prime`)

Each prints its answer as JSON on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from harness.mutation import zones
from harness.mutation.filters import MutantSite, skip_reason
from harness.mutation.model import SKIPPED, SURVIVED, TIMEOUT

DESCRIBED_IN_FULL = (SURVIVED, TIMEOUT, SKIPPED)  # statuses whose diff the report shows


def _mutmut() -> Any:
    import mutmut

    return mutmut


def _project_config() -> Any:
    return _mutmut().mutmut_config


def mutate(source: str, filename: str, line_number: int, line: str, index: int) -> str:
    mutmut = _mutmut()
    mutation_id = mutmut.RelativeMutationID(
        line=line, index=index, line_number=line_number, filename=filename
    )
    context = mutmut.Context(source=source, mutation_id=mutation_id, filename=filename)
    mutated, count = mutmut.mutate(context)
    if count == 0:
        raise LookupError(
            f"{filename}:{line_number + 1}: mutant {index} of {line.strip()!r} no longer exists"
        )
    return mutated + ("\n" if context.remove_newline_at_end else "")


def diff(source: str, mutated: str, filename: str) -> str:
    lines = difflib.unified_diff(
        source.splitlines(keepends=True),
        mutated.splitlines(keepends=True),
        filename,
        filename,
        n=1,
    )
    return "".join(lines)


def reason_skipped(site: MutantSite) -> str:
    """Which rule of the project's hook skipped this mutant (by name, if the hook exposes RULES)."""
    rules = getattr(_project_config(), "RULES", None)
    if rules is None:
        return "pre_mutation"
    return skip_reason(site, rules) or "pre_mutation"


def equivalence(
    filename: str, line: str, mutated_line: str, previous: str = ""
) -> str | None:
    for declared in getattr(_project_config(), "EQUIVALENT_MUTANTS", ()):
        if declared.matches(filename, line, mutated_line, previous):
            return declared.why
    return None


def list_file(filename: str) -> list[dict[str, Any]]:
    mutmut = _mutmut()
    source = Path(filename).read_text()
    mutation_ids = mutmut.list_mutations(
        mutmut.Context(source=source, filename=filename)
    )
    located = _locate(source, filename)
    rules = getattr(_project_config(), "RULES", ())
    found = []
    for mutation_id in mutation_ids:
        site = MutantSite(
            filename,
            mutation_id.line_number,
            source if source.endswith("\n") else source + "\n",
            mutate=lambda m=mutation_id: mutate(
                source, filename, m.line_number, m.line, m.index
            ),
        )
        mutator, location = located.get(
            (mutation_id.line_number, mutation_id.index), ("", None)
        )
        if location is None:  # not seen by the locating pass: from the mutant itself
            region = zones.changed_region(site.source, site.mutated_source)
            location = (region[0][0], region[0][1] + 1, region[1][0], region[1][1] + 1)
        found.append(
            {
                "file": filename,
                "line_number": mutation_id.line_number,
                "index": mutation_id.index,
                "line": mutation_id.line,
                "skip_reason": skip_reason(site, rules),
                "mutator": mutator,
                "location": location,
            }
        )
    return found


def _locate(source: str, filename: str) -> dict[tuple[int, int], tuple[str, Any]]:
    """(line_number, index) -> (mutator, location) of every mutant, from one parse of `source`.

    mutmut tells neither what kind of mutation a mutant is nor where it starts and ends, and
    building each mutant to diff it re-parses the file every time. Its own walk over the tree
    asks `should_mutate(node)` for every candidate, in order: answering no, and noting the node,
    gives every mutant's node type and span at the cost of one parse. Locations are 1-based
    lines and columns, end exclusive (mutation-testing-elements' convention).
    """
    mutmut = _mutmut()
    seen: dict[tuple[int, int], tuple[str, Any]] = {}

    class Locating(mutmut.Context):  # type: ignore[misc, name-defined]
        def should_mutate(self, node: Any) -> bool:
            if super().should_mutate(node):
                mutation_id = self.mutation_id_of_current_index
                (start_line, start_col), (end_line, end_col) = (
                    node.start_pos,
                    node.end_pos,
                )
                seen[(mutation_id.line_number, mutation_id.index)] = (
                    node.type,
                    (start_line, start_col + 1, end_line, end_col + 1),
                )
            return False

    with contextlib.suppress(
        Exception
    ):  # a pass that fails leaves the diff-based fallback
        mutmut.mutate(Locating(source=source, filename=filename))
    return seen


def describe(mutants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scope of every mutant; diff, zone, filter rule and equivalence of those the report shows
    in full. `mutants`: dicts with file, line_number, line, index and (final) status."""
    # Read and split once per file, not once per mutant: a service has hundreds.
    files: dict[str, tuple[str, list[str], zones.SourceMap]] = {}
    described = []
    for mutant in mutants:
        file, line_number, status = (
            mutant["file"],
            mutant["line_number"],
            mutant["status"],
        )
        if file not in files:
            text = Path(file).read_text()
            files[file] = (text, text.split("\n"), zones.analyse(text))
        source, source_lines, source_map = files[file]
        entry: dict[str, Any] = {"scope": source_map.scope_of(line_number + 1)}
        if status in DESCRIBED_IN_FULL:
            try:
                mutated = mutate(
                    source, file, line_number, mutant["line"], mutant["index"]
                )
            except LookupError as error:
                entry["error"] = str(error)
                described.append(entry)
                continue
            site = MutantSite(file, line_number, source, mutated_source=mutated)
            mutated_lines = mutated.split("\n")
            mutated_line = (
                mutated_lines[line_number] if line_number < len(mutated_lines) else ""
            )
            entry.update(
                zone=site.zone,
                mutated_line=mutated_line,
                diff=diff(source, mutated, file),
            )
            if status == SKIPPED:
                entry["skip_reason"] = reason_skipped(site)
            else:
                previous = source_lines[line_number - 1] if line_number > 0 else ""
                entry["equivalent"] = equivalence(
                    file, mutant["line"], mutated_line, previous
                )
        described.append(entry)
    return described


def sources(mutants: list[dict[str, Any]]) -> list[str]:
    """The mutated source of each mutant (dicts with file, line_number, line and index)."""
    texts: dict[str, str] = {}
    found = []
    for mutant in mutants:
        source = texts.setdefault(mutant["file"], Path(mutant["file"]).read_text())
        found.append(
            mutate(
                source,
                mutant["file"],
                mutant["line_number"],
                mutant["line"],
                mutant["index"],
            )
        )
    return found


def prime(tests_dir: str, seconds: float) -> dict[str, float]:
    """Give mutmut the baseline time of the plain runner, so both runners share one timeout.

    mutmut times out a mutant after 10x the time its first, unmutated run took, and skips that
    run when `.mutmut-cache` already holds a time for the same tests. The warm runner's own
    first run is far faster than a plain pytest process: left alone, it would time out slow
    mutants that plain mutmut lets finish (and kill).
    """
    from mutmut.cache import hash_of_tests, set_cached_test_time

    set_cached_test_time(seconds, hash_of_tests([tests_dir]))
    return {"baseline_time_elapsed": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.mutation.inventory")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list").add_argument("files", nargs="+")
    commands.add_parser("describe").add_argument("mutants", type=Path)
    commands.add_parser("sources").add_argument("mutants", type=Path)
    primed = commands.add_parser("prime")
    primed.add_argument("tests_dir")
    primed.add_argument("seconds", type=float)
    args = parser.parse_args(argv)
    # mutmut talks on stdout ("mutmut cache is out of date, clearing it..."): keep it off the
    # JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        if args.command == "list":
            result: Any = [m for f in args.files for m in list_file(f)]
        elif args.command == "describe":
            result = describe(json.loads(args.mutants.read_text()))
        elif args.command == "prime":
            result = prime(args.tests_dir, args.seconds)
        else:
            result = sources(json.loads(args.mutants.read_text()))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
