"""The verdict cache: mutant verdicts kept between runs, as JSON (data, never pickle).

A verdict is stored under the key `plan.CacheKeys.key` computes: the mutated function's source,
the mutant's place in it, and the covering tests' source. A run reuses a verdict whose key it
computes again, except a survivor whose suite changed anywhere (only the whole suite can
confirm a survivor). Verdicts the filters decide (skipped) are never stored: the filters run
again, and cost nothing.

    {"format": 1, "verdicts": {"<key>": {"status": "ok_killed", "suite": "<suite digest>"}}}

The least recently used entries go first when there are more than MAX_ENTRIES. A file that
cannot be read is reported on stderr and ignored: a cache never stops a run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.mutation.model import KILLED, SURVIVED, SUSPICIOUS, TIMEOUT

FORMAT = 1
MAX_ENTRIES = 50_000
CACHED_STATUSES = (KILLED, SUSPICIOUS, SURVIVED, TIMEOUT)


class VerdictCache:
    def __init__(
        self, path: Path | None, entries: dict[str, dict[str, str]] | None = None
    ) -> None:
        self.path = path
        self.entries: dict[str, dict[str, str]] = entries or {}
        self.used: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> VerdictCache:
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text())
            entries = data["verdicts"] if data.get("format") == FORMAT else {}
            entries.items()  # a table, or AttributeError
        except (OSError, ValueError, KeyError, AttributeError) as error:
            print(
                f"harness mutants: {path}: unreadable verdict cache ({error}); not used",
                file=sys.stderr,
            )
            return cls(path)
        return cls(path, {k: v for k, v in entries.items() if _valid(v)})

    def lookup(self, key: str, suite: str) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry["status"] == SURVIVED and entry.get("suite") != suite:
            return None
        self.used.add(key)
        return entry["status"]

    def record(self, verdicts: Mapping[str, Mapping[str, str]]) -> None:
        for key, entry in verdicts.items():
            if _valid(entry):
                self.entries.pop(key, None)  # re-inserted last: the most recently used
                self.entries[key] = dict(entry)
                self.used.add(key)

    def save(self) -> None:
        if self.path is None:
            return
        ordered = [k for k in self.entries if k not in self.used] + [
            k for k in self.entries if k in self.used
        ]
        kept = {k: self.entries[k] for k in ordered[-MAX_ENTRIES:]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a run stopped midway leaves the previous cache intact.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".verdicts-")
        with os.fdopen(handle, "w") as out:
            json.dump({"format": FORMAT, "verdicts": kept}, out, sort_keys=True)
        os.replace(temporary, self.path)


def entry(status: str, suite: str) -> dict[str, str]:
    return {"status": status, "suite": suite}


def _valid(value: Any) -> bool:
    return isinstance(value, dict) and value.get("status") in CACHED_STATUSES
