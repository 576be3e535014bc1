"""The lint cache: each file's findings and tables kept between runs, as data that cannot run
anything.

Two files: `verdicts-4.json` (the findings of each linted file, see VerdictCache) and
`records-4.json` (the analysis tables of each file read, by content digest, see RecordCache:
when one module changes, the files whose verdicts depend on it are judged again without
parsing everything they depend on).

The linter reads repositories it does not control (pre-commit, CI on pull requests), so its
cache is treated as hostile input like everything else it reads:

- **JSON, never pickle**: loading it builds dicts, lists, strings and numbers, nothing else.
- **Written here, or ignored**: the file records its own device and inode, taken while it was
  written; a cache committed to the repository, copied or restored from elsewhere has others,
  and is ignored (a crafted one could otherwise hide findings).
- **Validated**: the format number, the key and the shape of every entry used are checked; a
  cache that fails any check is ignored and rewritten at the end of the run.  Records are
  rebuilt field by field from the type annotations of their classes (`_decode`): the data
  names no class, and a value of the wrong type anywhere makes the entry a miss.
- **Keyed by everything a verdict depends on**: the linter's own code, the configuration, the
  layout of the project (which Python files exist: a module under test or a conftest appearing
  or disappearing changes which files a verdict depends on), the file's content digest and the
  digests of the files its verdict was drawn from (its conftests and modules under test).
- **Inside the project** unless the command line names another place (`--cache-dir`); a cache
  folder that resolves outside the project (a symbolic link) is neither read nor written.
- Written to a temporary file beside it and renamed into place; the temporary file is removed
  on failure. A read-only checkout still lints; it only does not remember.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import re
import stat
import tempfile
import types
import typing
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from harness import __version__
from harness.analysis import ModuleFacts
from harness.lint.records import FileRecord, digest_of
from harness.lint.setup_facts import SetupFacts
from harness.lint.rule import Finding, Fix

# Bumped whenever the file's shape changes; older files (and the pickle files of format 3) are
# never opened.
FORMAT = 4
VERDICTS_FILE = f"verdicts-{FORMAT}.json"
RECORDS_FILE = f"records-{FORMAT}.json"
# A cache larger than this is not one this linter wrote for any project it can lint in time.
_MAX_CACHE_BYTES = 512 * 1024 * 1024
# A project whose layout takes more entries than this to list is linted without a cache: the
# listing would cost more than the cache saves (and the root is probably not a project).
_MAX_LAYOUT_ENTRIES = 200_000
_MAX_OUTSIDE_ENTRIES = 5_000
_CODE = re.compile(r"LH\d{3}")
_DIGEST = re.compile(r"[0-9a-f]{32}|")  # "" is the digest of a file that cannot be read


def _tool_fingerprint() -> str:
    """Changes whenever the linter's own code does, so an upgrade never reuses stale results."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = [__version__, str(FORMAT)]
    for package in ("lint", "analysis"):
        for directory, dirs, files in os.walk(os.path.join(here, package)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    info = os.stat(path)
                    relative = os.path.relpath(path, here)
                    parts.append(f"{relative}:{info.st_size}:{info.st_mtime_ns}")
    return digest_of("\n".join(parts).encode())


def layout_digest(root: str, outside: Iterable[str], skipped: Iterable[str]) -> str | None:
    """A digest of which Python files exist under the project `root` and the `outside` folders
    modules are also looked up in (their paths, not their content).

    Hidden folders and `skipped` ones are not walked, nor are symbolic links to folders.  None
    when a listing is too large to be worth it (the run then goes without the cache): more than
    _MAX_LAYOUT_ENTRIES entries in the project, or _MAX_OUTSIDE_ENTRIES in a folder outside it
    (a configuration naming `/` costs a few milliseconds, not a walk of the disk)."""
    skipped = frozenset(skipped)
    listed: list[str] = []
    budgets = [(root, _MAX_LAYOUT_ENTRIES)]
    budgets += [(folder, _MAX_OUTSIDE_ENTRIES) for folder in outside]
    for top, budget in budgets:
        entries = 0
        for directory, dirs, files in os.walk(os.path.abspath(top)):
            dirs[:] = sorted(d for d in dirs if d not in skipped and not d.startswith("."))
            entries += len(dirs) + len(files)
            if entries > budget:
                return None
            listed.extend(os.path.join(directory, n) for n in files if n.endswith(".py"))
    listed.sort()
    return digest_of("\n".join(listed).encode("utf-8", "surrogateescape"))


def tool_key() -> str:
    """The key of what depends on the linter's code alone (file records)."""
    return _tool_fingerprint()


def cache_key(settings: Iterable[object], layout: str) -> str:
    """The key every stored verdict shares: the linter, the settings given, the layout."""
    parts = [_tool_fingerprint(), layout, *(repr(s) for s in settings)]
    return digest_of("\n".join(parts).encode("utf-8", "surrogateescape"))


def cache_folder(root: str, folder: str, *, given_on_command_line: bool) -> str | None:
    """Where the cache lives; None when a configured folder resolves outside the project."""
    if given_on_command_line:
        return os.path.abspath(folder)
    path = os.path.normpath(os.path.join(root, folder))
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return path


class VerdictCache:
    """Findings of each file, valid while its digest and its dependencies' digests are.

    Dependency lists are long (a test of a large package depends on hundreds of modules) and
    shared by many files, so each distinct list is stored once and referred to by number.

    `read`: use what is stored; `write`: store this run's verdicts at the end (a run that does
    not read still replaces an existing cache, so no stale answer outlives it).
    """

    def __init__(self, folder: str | None, key: str | None, *, read: bool = True) -> None:
        self.path = os.path.join(folder, VERDICTS_FILE) if folder and key else None
        self.key = key
        self.write = self.path is not None and (read or os.path.lexists(self.path))
        stored = _load(self.path, key) if self.path and read else None
        if stored is not None and type(stored.get("dep_sets")) is not list:
            stored = None
        # A file that is there but unusable (damaged, crafted, stale) is rewritten.
        self._dirty = stored is None and self.path is not None and os.path.lexists(self.path)
        stored = stored or {}
        self._entries: dict = stored.get("entries", {})
        self._dep_sets: list = stored.get("dep_sets", [])
        self._valid: dict[int, bool] = {}
        self._new_entries: dict[str, tuple[str, int, list[Finding]]] = {}
        self._new_sets: dict[tuple[tuple[str, str], ...], int] = {}

    def lookup(
        self, path: str, digest: str, current_digest: Callable[[str], str]
    ) -> list[Finding] | None:
        entry = self._entries.get(path)
        if entry is None:
            return None
        checked = _entry(path, entry, len(self._dep_sets))
        if checked is None:
            self._dirty = True
            return None
        stored_digest, index, findings = checked
        if stored_digest != digest:
            return None
        if index not in self._valid:
            pairs = _dep_set(self._dep_sets[index])
            if pairs is None:
                self._dirty = True
                self._valid[index] = False
            else:
                self._dep_sets[index] = pairs
                self._valid[index] = all(current_digest(p) == d for p, d in pairs)
        if not self._valid[index]:
            return None
        self._keep(path, digest, self._dep_sets[index], findings, dirty=False)
        return findings

    def store(self, path: str, digest: str, dependencies: list[tuple[str, str]],
              findings: list[Finding]) -> None:
        self._keep(path, digest, tuple(dependencies), findings, dirty=True)

    def _keep(self, path: str, digest: str, dependencies: tuple[tuple[str, str], ...],
              findings: list[Finding], *, dirty: bool) -> None:
        index = self._new_sets.setdefault(dependencies, len(self._new_sets))
        self._new_entries[path] = (digest, index, findings)
        self._dirty = self._dirty or dirty

    def save(self) -> None:
        if not (self.write and self._dirty and self.path):
            return
        dep_sets: list[list[list[str]]] = [[] for _ in self._new_sets]
        for dependencies, index in self._new_sets.items():
            dep_sets[index] = [list(pair) for pair in dependencies]
        entries = {
            path: [digest, index, [_finding_data(f) for f in findings]]
            for path, (digest, index, findings) in self._new_entries.items()
        }
        _dump(self.path, {"format": FORMAT, "key": self.key, "entries": entries,
                          "dep_sets": dep_sets})


class RecordCache:
    """File records (analysis tables) by path and content digest; a record depends on nothing
    else, so the key is the linter's own fingerprint.  Loaded only when some file needs
    judging; an entry is decoded only when it is asked for."""

    def __init__(self, folder: str | None, key: str | None, *, read: bool = True) -> None:
        self.path = os.path.join(folder, RECORDS_FILE) if folder and key else None
        self.key = key
        self.read = read
        self.write = self.path is not None and (read or os.path.lexists(self.path))
        self._stored: dict | None = None
        self._new: dict[str, list] = {}
        self._dirty = False

    def record(self, path: str, digest: str) -> FileRecord | None:
        if self._stored is None:
            stored = _load(self.path, self.key) if self.path and self.read else None
            self._dirty = stored is None and self.path is not None and os.path.lexists(self.path)
            self._stored = stored["entries"] if stored else {}
        entry = self._stored.get(path)
        if type(entry) is not list or len(entry) != 2 or entry[0] != digest:
            return None
        try:
            module, setup = _decode(entry[1], tuple[ModuleFacts | None, SetupFacts | None])
        except Exception:  # noqa: BLE001 - any malformed entry is a miss, rewritten below
            self._dirty = True
            return None
        self._new[path] = entry
        return FileRecord(path, digest, module, setup)

    def keep(self, record: FileRecord) -> None:
        if record.digest and record.error is None:
            self._new[record.path] = [record.digest, _encode((record.module, record.setup))]
            self._dirty = True

    def save(self) -> None:
        if self.write and self._dirty and self.path:
            _dump(self.path, {"format": FORMAT, "key": self.key, "entries": self._new})


# --------------------------------------------------------------------------- records as data
# Hand-written: the standard library has no typed JSON codec, and the ones on the package index
# (pydantic, cattrs) would be a dependency for two dozen lines.


def _encode(value: Any) -> Any:
    """Lists, strings, numbers, booleans and None only; which class is which is not stored."""
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, (tuple, frozenset, set)):  # NamedTuples included
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return [[_encode(k), _encode(v)] for k, v in value.items()]
    raise TypeError(f"cannot store {type(value).__name__}")


@cache
def _hints(kind: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(kind)
    if dataclasses.is_dataclass(kind):
        names = [f.name for f in dataclasses.fields(kind)]
    else:
        names = list(kind._fields)  # type: ignore[attr-defined]
    return tuple((name, hints[name]) for name in names)


def _decode(data: Any, kind: Any) -> Any:
    """`data` as a value of the annotated type `kind`, checked at every level (TypeError or
    ValueError otherwise); only the classes the annotations name are ever built."""
    origin = typing.get_origin(kind)
    if kind is type(None) or kind is None:
        if data is not None:
            raise TypeError("expected None")
        return None
    if kind in (str, int, bool):
        if type(data) is not kind:
            raise TypeError(f"expected {kind.__name__}")
        return data
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(kind):
            try:
                return _decode(data, option)
            except (TypeError, ValueError):
                continue
        raise TypeError(f"matches no member of {kind}")
    if type(data) is not list and not (isinstance(kind, type) and issubclass(kind, enum.Enum)):
        raise TypeError(f"expected a list for {kind}")
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(item, args[0]) for item in data)
        if len(args) != len(data):
            raise TypeError("wrong length")
        return tuple(_decode(item, arg) for item, arg in zip(data, args))
    if origin is frozenset:
        (arg,) = typing.get_args(kind)
        return frozenset(_decode(item, arg) for item in data)
    if origin is dict:
        key, value = typing.get_args(kind)
        pairs = {}
        for pair in data:
            if type(pair) is not list or len(pair) != 2:
                raise TypeError("expected a pair")
            pairs[_decode(pair[0], key)] = _decode(pair[1], value)
        return pairs
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if isinstance(kind, type) and (dataclasses.is_dataclass(kind) or hasattr(kind, "_fields")):
        fields = _hints(kind)
        if len(data) != len(fields):
            raise TypeError(f"wrong number of fields for {kind.__name__}")
        return kind(*(_decode(item, hint) for item, (_, hint) in zip(data, fields)))
    raise TypeError(f"cannot rebuild {kind}")


# --------------------------------------------------------------------------- the file's shape


def _finding_data(finding: Finding) -> list:
    fix = finding.fix
    return [finding.line, finding.col, finding.code, finding.message, finding.hint,
            None if fix is None else [fix.line, fix.col, fix.old, fix.new]]


def _is_int(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_text(value: object) -> bool:
    # Printed to the user's terminal: no control characters (escape sequences) from a cache.
    return type(value) is str and value.isprintable()


def _entry(path: str, entry: object, dep_sets: int) -> tuple[str, int, list[Finding]] | None:
    """A stored entry checked field by field, as findings of `path`; None if malformed."""
    if type(entry) is not list or len(entry) != 3:
        return None
    digest, index, stored = entry
    if type(digest) is not str or not _DIGEST.fullmatch(digest):
        return None
    if not _is_int(index) or index >= dep_sets or type(stored) is not list:
        return None
    findings = []
    for item in stored:
        if type(item) is not list or len(item) != 6:
            return None
        line, col, code, message, hint, fix = item
        if not (_is_int(line) and _is_int(col) and type(code) is str and _CODE.fullmatch(code)
                and _is_text(message) and _is_text(hint)):
            return None
        if fix is not None:
            if type(fix) is not list or len(fix) != 4:
                return None
            if not (_is_int(fix[0]) and _is_int(fix[1]) and _is_text(fix[2])
                    and _is_text(fix[3])):
                return None
            fix = Fix(*fix)
        findings.append(Finding(path, line, col, code, message, hint, fix))
    return digest, index, findings


def _dep_set(stored: object) -> tuple[tuple[str, str], ...] | None:
    if type(stored) is not list:
        return None
    pairs = []
    for pair in stored:
        if type(pair) is not list or len(pair) != 2:
            return None
        path, digest = pair
        if type(path) is not str or not os.path.isabs(path) or "\0" in path:
            return None
        if type(digest) is not str or not _DIGEST.fullmatch(digest):
            return None
        pairs.append((path, digest))
    return tuple(pairs)


def _load(path: str, key: str | None) -> dict | None:
    """The stored data if this machine wrote it for this key, else None (never an error)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_CACHE_BYTES:
            return None
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1
            data = handle.read(_MAX_CACHE_BYTES + 1)
        stored = json.loads(data)
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    if type(stored) is not dict:
        return None
    if stored.get("format") != FORMAT or stored.get("key") != key:
        return None
    if stored.get("file") != [info.st_dev, info.st_ino]:
        return None  # not the file this machine wrote: committed, copied or restored
    if type(stored.get("entries")) is not dict:
        return None
    return stored


def _dump(path: str, data: dict) -> None:
    directory = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(directory, exist_ok=True)
        _write_gitignore(directory)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".verdicts-",
                                                 suffix=".tmp")
        info = os.fstat(descriptor)
        data = {**data, "file": [info.st_dev, info.st_ino]}  # kept by the rename below
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=True, separators=(",", ":"))
        os.replace(temporary, path)
        temporary = None
    except (OSError, ValueError):
        pass  # a read-only checkout, a folder where the file should be: no cache this time
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _write_gitignore(directory: str) -> None:
    """Keep the cache out of version control; never through a symbolic link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        descriptor = os.open(os.path.join(directory, ".gitignore"), flags, 0o644)
    except OSError:
        return  # there already (or not writable)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("# created by harness lint\n*\n")
