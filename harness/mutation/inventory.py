"""What each mutant is: its diff, function, zone, the filter that skipped it, equivalence.

Runs inside the workspace, as `python -m harness.mutation.inventory`, because it needs mutmut
(to rebuild a mutant from its id) and the project's `mutmut_config.py` (its rules and declared
equivalent mutants), and importing mutmut edits `sys.path` and imports `mutmut_config` from the
current directory: nothing `harness mutants` itself should do.

    list FILE              every mutant mutmut would make of FILE, with its filter verdict
    describe CACHE         every mutant of a finished run, described for the report
    sources CACHE ID...    the mutated source of each mutant named by its id
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


def equivalence(filename: str, line: str, mutated_line: str, previous: str = "") -> str | None:
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
        found.append(
            {
                "line_number": mutation_id.line_number,
                "index": mutation_id.index,
                "line": mutation_id.line,
                "skip_reason": skip_reason(site, rules),
            }
        )
    return found


def describe(cache: Path) -> list[dict[str, Any]]:
    from harness.mutation.cache import read_mutants

    # Read and split once per file, not once per mutant: a service has hundreds.
    files: dict[str, tuple[str, list[str], zones.SourceMap]] = {}
    described = []
    for mutant in read_mutants(cache):
        if mutant.file not in files:
            text = Path(mutant.file).read_text()
            files[mutant.file] = (text, text.split("\n"), zones.analyse(text))
        source, source_lines, source_map = files[mutant.file]
        entry: dict[str, Any] = {
            "id": mutant.id,
            "scope": source_map.scope_of(mutant.line_no),
        }
        if mutant.status in DESCRIBED_IN_FULL:
            try:
                mutated = mutate(
                    source, mutant.file, mutant.line_number, mutant.line, mutant.index
                )
            except LookupError as error:
                entry["error"] = str(error)
                described.append(entry)
                continue
            site = MutantSite(
                mutant.file, mutant.line_number, source, mutated_source=mutated
            )
            mutated_lines = mutated.split("\n")
            mutated_line = (
                mutated_lines[mutant.line_number]
                if mutant.line_number < len(mutated_lines)
                else ""
            )
            entry.update(
                zone=site.zone,
                mutated_line=mutated_line,
                diff=diff(source, mutated, mutant.file),
            )
            if mutant.status == SKIPPED:
                entry["skip_reason"] = reason_skipped(site)
            else:
                previous = (
                    source_lines[mutant.line_number - 1] if mutant.line_number > 0 else ""
                )
                entry["equivalent"] = equivalence(
                    mutant.file, mutant.line, mutated_line, previous
                )
        described.append(entry)
    return described


def sources(cache: Path, ids: list[int]) -> dict[int, str]:
    from harness.mutation.cache import read_mutants

    wanted = set(ids)
    texts: dict[str, str] = {}
    found = {}
    for mutant in read_mutants(cache):
        if mutant.id in wanted:
            source = texts.setdefault(mutant.file, Path(mutant.file).read_text())
            found[mutant.id] = mutate(
                source, mutant.file, mutant.line_number, mutant.line, mutant.index
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
    commands.add_parser("list").add_argument("file")
    commands.add_parser("describe").add_argument("cache", type=Path)
    wanted = commands.add_parser("sources")
    wanted.add_argument("cache", type=Path)
    wanted.add_argument("ids", type=int, nargs="+")
    primed = commands.add_parser("prime")
    primed.add_argument("tests_dir")
    primed.add_argument("seconds", type=float)
    args = parser.parse_args(argv)
    # mutmut talks on stdout ("mutmut cache is out of date, clearing it..."): keep it off the
    # JSON answer.
    with contextlib.redirect_stdout(sys.stderr):
        if args.command == "list":
            result: Any = list_file(args.file)
        elif args.command == "describe":
            result = describe(args.cache)
        elif args.command == "prime":
            result = prime(args.tests_dir, args.seconds)
        else:
            result = sources(args.cache, args.ids)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
