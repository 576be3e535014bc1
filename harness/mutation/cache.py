"""Read mutmut 2.5.1's results from `.mutmut-cache` (SQLite), without importing mutmut.

The cache, not `mutmut junitxml`, is the source of truth: junitxml reports skipped mutants as
passing tests. Tables: `SourceFile(id, filename, hash)`, `Line(id, sourcefile, line,
line_number)` with 0-based line numbers, `Mutant(id, line, index, tested_against_hash, status)`
and `MiscData(key, value)`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from harness.mutation.model import STATUSES, Mutant, MutationError

_QUERY = """
SELECT m.id, s.filename, l.line_number, l.line, m."index", m.status
FROM Mutant m
JOIN Line l ON m.line = l.id
JOIN SourceFile s ON l.sourcefile = s.id
ORDER BY s.filename, l.line_number, m."index"
"""


def read_mutants(cache: Path) -> list[Mutant]:
    """Every mutant recorded in `cache`, in file and line order."""
    with _connect(cache) as connection:
        try:
            rows = connection.execute(_QUERY).fetchall()
        except sqlite3.DatabaseError as error:
            raise MutationError(
                f"{cache}: not a mutmut 2.x cache ({error}); delete it and run again"
            ) from error
    mutants = []
    for mutant_id, filename, line_number, line, index, status in rows:
        if status not in STATUSES:
            raise MutationError(
                f"{cache}: mutant {mutant_id} has unknown status {status!r}"
            )
        mutants.append(Mutant(mutant_id, filename, line_number, line, index, status))
    return mutants


def read_misc(cache: Path) -> dict[str, str]:
    """mutmut's bookkeeping: cache version, baseline test time, hash of the tests."""
    with _connect(cache) as connection:
        try:
            return dict(
                connection.execute("SELECT key, value FROM MiscData").fetchall()
            )
        except sqlite3.DatabaseError as error:
            raise MutationError(
                f"{cache}: not a mutmut 2.x cache ({error}); delete it and run again"
            ) from error


class _connect:
    """A read-only connection that is closed on exit (sqlite3's own context manager only commits)."""

    def __init__(self, cache: Path) -> None:
        if not cache.is_file():
            raise MutationError(
                f"{cache}: no mutmut cache here; did `mutmut run` start?"
            )
        self.connection = sqlite3.connect(
            f"{cache.resolve().as_uri()}?mode=ro", uri=True
        )

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
