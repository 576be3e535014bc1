"""One file read once: its bytes' digest, its analysis tables and, for test code, its setup facts.

`read_record` is the unit of work the engine spreads over processes and keeps in its cache:
it depends only on the file's path and content, so the content digest is a sound cache key.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass
from functools import cache

from harness.analysis import AnalysisError, ModuleFacts
from harness.analysis.collect import collect
from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.packages import local_packages, module_name_for
from harness.analysis.source import decode, parse, read_bytes
from harness.lint.setup_facts import SetupFacts, collect_setup

# Text without which a file outside the test files can neither patch, fake nor reset a mock;
# most of a large code base has none of them and skips the second walk.  (Environment setup and
# imports of code under test are judged in test files and conftests only.)
_SETUP_MARKERS = ("patch", "sys.modules", "reset_mock")


@dataclass(frozen=True)
class FileRecord:
    path: str  # absolute, normalised
    digest: str
    module: ModuleFacts | None
    setup: SetupFacts | None
    error: AnalysisError | None = None


@cache
def is_test_file(path: str) -> bool:
    name = os.path.basename(path)
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_record(
    path: str, max_bytes: int, known_digest: str | None = None, data: bytes | None = None
) -> FileRecord:
    """Read, parse and tabulate one file; failures become a record carrying the error."""
    try:
        if data is None:
            data = read_bytes(path, max_bytes)
        digest = known_digest or digest_of(data)
        text = decode(data, path)
        tree = parse(text, path)
    except AnalysisError as error:
        return FileRecord(
            path, known_digest or (digest_of(data) if data else ""), None, None, error
        )
    try:
        module, setup = deeply(_tables, tree, text, path)
    except RecursionError:
        error = AnalysisError(path, 1, f"cannot analyse: {NESTED_TOO_DEEPLY}")
        return FileRecord(path, digest, None, None, error)
    return FileRecord(path, digest, module, setup)


def _tables(tree: ast.Module, text: str, path: str) -> tuple[ModuleFacts, SetupFacts | None]:
    setup = None
    if is_test_file(path):
        # A test module is never code under test: its name (for relative imports) is all
        # the linter needs of its analysis tables, and skipping them halves its cost.
        module = ModuleFacts(path, module_name_for(path))
        setup = collect_setup(tree, text, path)
    else:
        module = collect(tree, text, path, module_name_for(path), local_packages(path))
        if any(marker in text for marker in _SETUP_MARKERS):
            setup = collect_setup(tree, text, path)
    return module, setup
