"""Reading mutmut 2.5.1's `.mutmut-cache` (SQLite) without mutmut."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harness.mutation.cache import read_misc, read_mutants
from harness.mutation.model import KILLED, SKIPPED, SURVIVED, MutationError

# The tables mutmut 2.5.1 creates (pony ORM), as `sqlite3 .mutmut-cache .schema` shows them.
SCHEMA = """
CREATE TABLE "MiscData" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "SourceFile" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "filename" TEXT NOT NULL, "hash" TEXT NOT NULL);
CREATE TABLE "Line" ("id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "sourcefile" INTEGER NOT NULL REFERENCES "SourceFile" ("id") ON DELETE CASCADE,
  "line" TEXT NOT NULL, "line_number" INTEGER NOT NULL);
CREATE TABLE "Mutant" ("id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "line" INTEGER NOT NULL REFERENCES "Line" ("id") ON DELETE CASCADE,
  "index" INTEGER NOT NULL, "tested_against_hash" TEXT NOT NULL, "status" TEXT NOT NULL);
"""


def make_cache(path: Path, mutants: list[tuple[str, int, str, int, str]]) -> Path:
    """A cache holding (filename, 0-based line number, line, index, status) mutants."""
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute(
        "INSERT INTO MiscData VALUES ('version', '4'), ('baseline_time_elapsed', '0.5')"
    )
    files: dict[str, int] = {}
    for filename, line_number, line, index, status in mutants:
        if filename not in files:
            files[filename] = connection.execute(
                "INSERT INTO SourceFile (filename, hash) VALUES (?, '')", (filename,)
            ).lastrowid
        line_id = connection.execute(
            "INSERT INTO Line (sourcefile, line, line_number) VALUES (?, ?, ?)",
            (files[filename], line, line_number),
        ).lastrowid
        connection.execute(
            'INSERT INTO Mutant (line, "index", tested_against_hash, status) VALUES (?, ?, "h", ?)',
            (line_id, index, status),
        )
    connection.commit()
    connection.close()
    return path


def test_mutants_come_back_in_file_and_line_order_with_their_status(
    tmp_path: Path,
) -> None:
    cache = make_cache(
        tmp_path / ".mutmut-cache",
        [
            ("svc/b.py", 3, "y = 2", 0, KILLED),
            ("svc/a.py", 9, "    print('x')", 0, SKIPPED),
            ("svc/a.py", 2, "x = 1", 1, SURVIVED),
        ],
    )

    mutants = read_mutants(cache)

    assert [(m.file, m.line_number, m.index, m.status) for m in mutants] == [
        ("svc/a.py", 2, 1, SURVIVED),
        ("svc/a.py", 9, 0, SKIPPED),
        ("svc/b.py", 3, 0, KILLED),
    ]
    assert mutants[0].line_no == 3  # shown 1-based
    assert mutants[1].line == "    print('x')"


def test_misc_data_holds_mutmuts_bookkeeping(tmp_path: Path) -> None:
    cache = make_cache(tmp_path / ".mutmut-cache", [])

    assert read_misc(cache) == {"version": "4", "baseline_time_elapsed": "0.5"}


def test_a_missing_cache_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MutationError, match="no mutmut cache here"):
        read_mutants(tmp_path / ".mutmut-cache")


def test_a_file_that_is_not_a_cache_is_a_clear_error(tmp_path: Path) -> None:
    cache = tmp_path / ".mutmut-cache"
    cache.write_text("not sqlite")

    with pytest.raises(MutationError, match="not a mutmut 2.x cache"):
        read_mutants(cache)


def test_an_unknown_status_is_refused(tmp_path: Path) -> None:
    cache = make_cache(tmp_path / ".mutmut-cache", [("a.py", 0, "x = 1", 0, "maybe")])

    with pytest.raises(MutationError, match="unknown status 'maybe'"):
        read_mutants(cache)
