"""Noise filters for mutmut 2.5.1's `pre_mutation` hook, one small named rule each.

A rule looks at one mutant (`MutantSite`: the file, the original source, the mutated line) and
says whether it is noise: a mutant no test should be written to kill, because what it changes
is log text, a human-readable message, a connection setting or a waiting time, not behaviour.
Three kinds, as in the project's `mutmut_config.py`:

* by line content (`print(`, logging calls, `sys.path.insert(`, ...);
* by zone, found by name in the source at run time (`zones`), so lines can move;
* by message string: only the prose of an ``"error": "..."`` entry, never the status code or
  the key on the same line.

mutmut gives `pre_mutation` a context whose `mutation_id.line_number` is **0-based**, and runs
the hook in worker processes where `init()` never ran: everything here is computed from the
context alone (and cached per source text). mutmut does not invalidate `.mutmut-cache` when the
hook changes: delete it after editing rules (`harness mutants` always starts from none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harness.mutation import zones

LINE_CONTENT = "line content"
ZONE = "zone"
MESSAGE_STRING = "message string"


class MutantSite:
    """One mutant as the rules see it.

    `line_number` is 0-based, as mutmut reports it. `mutated_source` may be given (tests, the
    report) or computed on first use by `mutate` (the hook, through mutmut itself).
    """

    def __init__(
        self,
        filename: str,
        line_number: int,
        source: str,
        mutated_source: str | None = None,
        mutate: Callable[[], str] | None = None,
    ) -> None:
        self.filename = filename
        self.line_number = line_number
        self.source = source
        self._mutated_source = mutated_source
        self._mutate = mutate

    @cached_property
    def line(self) -> str:
        lines = self.source.split("\n")
        return lines[self.line_number] if 0 <= self.line_number < len(lines) else ""

    @property
    def code(self) -> str:
        return self.line.strip()

    @cached_property
    def mutated_source(self) -> str:
        if self._mutated_source is None:
            if self._mutate is None:
                raise ValueError(
                    f"{self.filename}:{self.line_number + 1}: no mutated source to compare with"
                )
            self._mutated_source = self._mutate()
        return self._mutated_source

    @cached_property
    def region(self) -> tuple[zones.Position, zones.Position]:
        """What the mutation changes, in the original source's coordinates."""
        return zones.changed_region(self.source, self.mutated_source)

    @cached_property
    def zone(self) -> str | None:
        source_map = zones.analyse(self.source)
        # A mutation starts on its own line: outside every zone's lines, there is no need to
        # build the mutant (mutmut re-parses the whole file for that) to know the answer.
        if self.line_number + 1 not in source_map.zone_lines:
            return None
        return source_map.zone_of(*self.region)

    def __repr__(self) -> str:
        return (
            f"MutantSite({self.filename!r}, line {self.line_number + 1}: {self.code!r})"
        )


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str  # LINE_CONTENT, ZONE or MESSAGE_STRING
    description: str
    matches: Callable[[MutantSite], bool]


# --- by line content --------------------------------------------------------------------------

_LOGGING_CALL = re.compile(
    r"^(?:logging|logger|log|_logger|_log|LOGGER|LOG|self\.logger|app\.logger|current_app\.logger)"
    r"\.(?:debug|info|warning|warn|error|exception|critical|log)\("
)


def is_print_call(site: MutantSite) -> bool:
    """A `print(` line, or any line of a print call spread over several lines."""
    return site.code.startswith("print(") or site.zone == zones.LOG_OUTPUT


def is_logging_call(site: MutantSite) -> bool:
    return bool(_LOGGING_CALL.match(site.code))


def is_sys_path_edit(site: MutantSite) -> bool:
    return site.code.startswith(("sys.path.insert(", "sys.path.append("))


def is_makedirs_exist_ok(site: MutantSite) -> bool:
    return "makedirs(" in site.code and "exist_ok=" in site.code


_CONTENT_TYPE_MARKERS = (
    '"Content-Type"',
    "'Content-Type'",
    '"application/json"',
    "'application/json'",
)


def is_content_type_constant(site: MutantSite) -> bool:
    """The mutation rewrites a `"Content-Type"` / `"application/json"` literal, nothing else."""
    if not any(marker in site.line for marker in _CONTENT_TYPE_MARKERS):
        return False
    (start_line, start_col), (end_line, end_col) = site.region
    if start_line != end_line or start_line != site.line_number + 1:
        return False
    for marker in _CONTENT_TYPE_MARKERS:
        found = site.line.find(marker)
        while found != -1:
            if found <= start_col and end_col <= found + len(marker):
                return True
            found = site.line.find(marker, found + 1)
    return False


# --- by zone ----------------------------------------------------------------------------------


def in_main_guard(site: MutantSite) -> bool:
    return site.zone == zones.MAIN_GUARD


def in_client_settings(site: MutantSite) -> bool:
    return site.zone == zones.CLIENT_SETTINGS


def in_timing(site: MutantSite) -> bool:
    return site.zone == zones.TIMING


# --- by message string ------------------------------------------------------------------------


def in_message_text(site: MutantSite) -> bool:
    return site.zone == zones.MESSAGE_TEXT


RULES: tuple[Rule, ...] = (
    Rule("print", LINE_CONTENT, "a print(...) call: log text", is_print_call),
    Rule("logging", LINE_CONTENT, "a logging call: log text", is_logging_call),
    Rule("sys-path", LINE_CONTENT, "sys.path edits: import plumbing", is_sys_path_edit),
    Rule(
        "makedirs-exist-ok",
        LINE_CONTENT,
        "os.makedirs(..., exist_ok=...): a safety flag",
        is_makedirs_exist_ok,
    ),
    Rule(
        "content-type",
        LINE_CONTENT,
        "Content-Type / application/json constants",
        is_content_type_constant,
    ),
    Rule(
        "main-guard",
        ZONE,
        'the `if __name__ == "__main__":` block and settings only it reads',
        in_main_guard,
    ),
    Rule(
        "client-settings",
        ZONE,
        "where Kafka, Schema Registry and MongoDB clients connect, and how (group ids, offset policy), "
        "and the settings only they read; not their (de)serializers or topics",
        in_client_settings,
    ),
    Rule(
        "timing",
        ZONE,
        "poll, sleep and timeout durations, and the settings only they read",
        in_timing,
    ),
    Rule(
        "message-text",
        MESSAGE_STRING,
        'the prose of an "error"/"message"/... entry (not its key)',
        in_message_text,
    ),
)


def skip_reason(site: MutantSite, rules: Iterable[Rule] = RULES) -> str | None:
    """The name of the first rule that calls this mutant noise, or None to test it."""
    for rule in rules:
        if rule.matches(site):
            return rule.name
    return None


# --- glue with mutmut -------------------------------------------------------------------------


def site_from_context(context: Any) -> MutantSite:
    """Build a `MutantSite` from the context mutmut 2.5.1 passes to `pre_mutation`."""

    def mutate() -> str:
        # Imported here: mutmut is only present in the worker running the hook.
        from mutmut import Context
        from mutmut import mutate as mutmut_mutate

        probe = Context(
            source=context.source,
            mutation_id=context.mutation_id,
            filename=context.filename,
            dict_synonyms=[s for s in context.dict_synonyms if s != "dict"],
        )
        mutated, _ = mutmut_mutate(probe)
        return mutated + ("\n" if probe.remove_newline_at_end else "")

    source = context.source
    if source and not source.endswith("\n"):
        source += "\n"
    return MutantSite(
        context.filename, context.mutation_id.line_number, source, mutate=mutate
    )


def skip_noise(context: Any, rules: Sequence[Rule] = RULES) -> str | None:
    """The body of a `pre_mutation` hook: mark noise as skipped, return the rule that did."""
    reason = skip_reason(site_from_context(context), rules)
    if reason is not None:
        context.skip = True
    return reason


# --- equivalent mutants -----------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalent:
    """A surviving mutant that no test can kill because it does not change behaviour.

    Matched by file, original line and mutated line (stripped), so it follows moving code.
    `why` is shown next to its diff in the report.
    """

    file: str  # path suffix, e.g. "current/current.py"
    line: str
    mutated: str
    why: str
    # The line just above, for a line that stands in many places (a bare `continue`): without
    # it, one declaration would cover every such mutant of the file.
    previous: str | None = None

    def matches(self, filename: str, line: str, mutated: str, previous: str = "") -> bool:
        return (
            filename.replace("\\", "/").endswith(self.file)
            and line.strip() == self.line.strip()
            and mutated.strip() == self.mutated.strip()
            and (self.previous is None or previous.strip() == self.previous.strip())
        )
