"""A lint run: find the files, read them (in parallel, through the cache), judge each, filter.

Speed comes from three choices: the tables are built with the standard library's `ast` (libcst is
kept for `--fix`), the reading of many files is spread over every core, and results are cached
between runs: file records by content digest, findings by the digests of the file and of every
file its verdict depends on (its conftests and its modules under test).
"""

from __future__ import annotations

import fnmatch
import gc
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from harness import __version__
from harness.analysis import AnalysisError
from harness.analysis.source import read_bytes
from harness.lint.config import LintConfig
from harness.lint.project import SKIPPED_DIRS, FileContext, Project
from harness.lint.records import FileRecord, digest_of, read_record
from harness.lint.rule import Finding, Rule
from harness.lint.rules import all_rules

# Below this many files to read, worker processes cost more than they save.
_PARALLEL_THRESHOLD = 48
_CACHE_FORMAT = 3


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[AnalysisError] = field(default_factory=list)
    files: int = 0


@dataclass
class LintRun:
    config: LintConfig
    paths: list[str]
    src: tuple[str, ...] = ()
    use_cache: bool = True
    jobs: int = 0  # 0: every core

    def execute(self) -> LintResult:
        # The run allocates millions of small objects (syntax trees, records) and frees them
        # by reference counting alone; the cyclic collector would only walk them over and over
        # (a third of the run on a large corpus).  It is switched off for the run, as before.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._execute()
        finally:
            if collecting:
                gc.enable()

    def _execute(self) -> LintResult:
        result = LintResult()
        files = discover(self.paths, self.config, result.errors)
        result.files = len(files)
        fingerprint = _fingerprint(self.config, self.src)
        verdicts = _VerdictCache(self.config, fingerprint, self.use_cache)
        records = _RecordCache(self.config, self.use_cache)
        digests: dict[str, str] = {}
        unreadable: dict[str, AnalysisError] = {}
        for path in files:
            try:
                digests[path] = digest_of(read_bytes(path, self.config.max_bytes))
            except AnalysisError as error:
                unreadable[path] = error

        def current_digest(path: str) -> str:
            if path not in digests:
                try:
                    digests[path] = digest_of(read_bytes(path, self.config.max_bytes))
                except AnalysisError:
                    digests[path] = ""
            return digests[path]

        # Warm path: a file whose content and dependencies are unchanged keeps its findings,
        # without being parsed, nor any file it depends on.
        known: dict[str, list[Finding]] = {}
        for path, digest in list(digests.items()):
            if path in unreadable:
                continue
            found = verdicts.lookup(path, digest, current_digest)
            if found is not None:
                known[path] = found
        to_judge = [p for p in files if p not in known and p not in unreadable]
        fresh = self._read_all(to_judge, records, digests)
        project = Project(
            self.config.root,
            self._base_roots(),
            lambda path: self._record_on_demand(path, fresh, records),
            plugin_services=dict(self.config.services),
            plugin_env=dict(self.config.service_env),
            ini_env=self.config.ini_env,
        )
        project.records.update(fresh)
        judged = [p for p in to_judge if fresh[p].error is None and fresh[p].setup is not None]
        for path in to_judge:
            record = fresh[path]
            if record.error is not None:
                unreadable[path] = record.error
            elif record.setup is None:  # nothing in it can patch, fake or set anything up
                verdicts.store(path, record.digest, [], [])
                known[path] = []
        for path, findings, dependencies in self._judge_all(project, judged, records):
            verdicts.store(path, fresh[path].digest,
                           [(p, current_digest(p)) for p in dependencies], findings)
            known[path] = findings
        for path in files:
            if path in unreadable:
                result.errors.append(unreadable[path])
            else:
                result.findings.extend(f for f in known[path] if self.config.enabled(f.code))
        verdicts.save()
        records.save()
        result.findings.sort(key=lambda f: (f.path, f.line, f.col, f.code))
        return result

    # ------------------------------------------------------------------ reading

    def _base_roots(self) -> list[str]:
        root = self.config.root
        roots = [os.path.join(root, p) for p in (*self.src, *self.config.src)]
        roots += [os.path.dirname(path) for path in self.config.services.values()]
        roots += [os.path.join(root, p) for p in self.config.pythonpath]
        if os.path.isdir(os.path.join(root, "src")):
            roots.append(os.path.join(root, "src"))
        return roots

    def _read_all(self, files: list[str], cache: _RecordCache,
                  digests: dict[str, str]) -> dict[str, FileRecord]:
        records: dict[str, FileRecord] = {}
        to_read: list[str] = []
        for path in files:
            cached = cache.record(path, digests[path])
            if cached is not None:
                records[path] = cached
            else:
                to_read.append(path)
        jobs = self.jobs or os.cpu_count() or 1
        if jobs > 1 and len(to_read) >= _PARALLEL_THRESHOLD:
            # Largest files first, in small chunks: no worker is left with a last big file
            # while the others wait.
            to_read.sort(key=_size, reverse=True)
            chunk = max(2, len(to_read) // (jobs * 32))
            with ProcessPoolExecutor(max_workers=jobs, mp_context=_FORK) as pool:
                fresh = list(pool.map(_read, to_read, [self.config.max_bytes] * len(to_read),
                                      chunksize=chunk))
        else:
            fresh = [_read(path, self.config.max_bytes) for path in to_read]
        for record in fresh:
            records[record.path] = record
            cache.keep(record)
        return records

    def _record_on_demand(self, path: str, records: dict[str, FileRecord],
                          cache: _RecordCache) -> FileRecord:
        """A file outside the linted set (a conftest above, a module under test)."""
        try:
            data = read_bytes(path, self.config.max_bytes)
        except AnalysisError as error:
            return FileRecord(path, "", None, None, error)
        digest = digest_of(data)
        record = cache.record(path, digest)
        if record is None:
            record = read_record(path, self.config.max_bytes, digest, data)
            cache.keep(record)
        records[path] = record
        return record

    def _judge_all(self, project: Project, paths: list[str],
                   records: _RecordCache) -> Iterable[tuple[str, list[Finding], list[str]]]:
        """Run the rules on each file; with many files, in forked processes sharing the
        project read so far (each judges a share, and only findings travel back).  The
        record cache is written by one of them meanwhile, off the main process's path."""
        jobs = self.jobs or os.cpu_count() or 1
        global _JUDGING
        _JUDGING = (self, project, all_rules(), records)
        try:
            if jobs > 1 and len(paths) >= _PARALLEL_THRESHOLD and _FORK is not None:
                chunk = max(2, len(paths) // (jobs * 32))
                with ProcessPoolExecutor(max_workers=jobs, mp_context=_FORK) as pool:
                    saving = pool.submit(_save_records)
                    yield from pool.map(_judge_one, paths, chunksize=chunk)
                    if saving.result():
                        records.saved()
            else:
                yield from map(_judge_one, paths)
        finally:
            _JUDGING = None

    def judge(self, project: Project, rules: list[Rule],
              path: str) -> tuple[str, list[Finding], list[str]]:
        record = project.record(path)
        context = FileContext(project, record)
        findings: list[Finding] = []
        for rule in rules:
            findings.extend(rule.check(context))
        findings = self._apply_noqa(record, list(dict.fromkeys(findings)))
        dependencies = sorted(
            {*context.chain_paths, *context.subjects, *(s.path for s in context.below)}
        )
        return path, findings, dependencies

    def _apply_noqa(self, record: FileRecord, findings: list[Finding]) -> list[Finding]:
        noqa = record.setup.noqa if record.setup else {}
        kept = []
        for finding in findings:
            codes = noqa.get(finding.line, ())
            if codes is None or finding.code in codes:  # type: ignore[operator]
                continue
            kept.append(finding)
        return kept


# What the judging processes inherit when they are forked: (run, project, rules, records).
_JUDGING: tuple[LintRun, Project, list[Rule], _RecordCache] | None = None
_FORK = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods() else None
)


def _judge_one(path: str) -> tuple[str, list[Finding], list[str]]:
    assert _JUDGING is not None
    run, project, rules, _ = _JUDGING
    return run.judge(project, rules, path)


def _save_records() -> bool:
    assert _JUDGING is not None
    _JUDGING[3].save()
    return True


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _read(path: str, max_bytes: int) -> FileRecord:
    gc.disable()  # in a worker process: see LintRun.execute
    return read_record(path, max_bytes)


def _tool_fingerprint() -> str:
    """Changes whenever the linter's own code does, so an upgrade never reuses stale results."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = [__version__, str(_CACHE_FORMAT)]
    for package in ("lint", "lint/rules", "analysis"):
        directory = os.path.join(here, package)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                stat = entry.stat()
                parts.append(f"{package}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest_of("\n".join(parts).encode())


def _fingerprint(config: LintConfig, src: tuple[str, ...]) -> str:
    parts = [
        repr(sorted(config.services.items())),
        repr(sorted((k, sorted(v)) for k, v in config.service_env.items())),
        repr(sorted(config.ini_env)),
        repr(config.src),
        repr(src),
        repr(config.pythonpath),
    ]
    return digest_of("\n".join(parts).encode())


# ---------------------------------------------------------------------------------------------


def discover(paths: list[str], config: LintConfig, errors: list[AnalysisError]) -> list[str]:
    """Python files under `paths`; a path named explicitly is linted even if excluded."""
    found: dict[str, None] = {}
    root = config.root
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            for directory, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in SKIPPED_DIRS
                    and not d.startswith(".")  # hidden: caches, checkouts, bench corpora
                    and not _excluded(os.path.join(directory, d), root, config.exclude)
                )
                for name in sorted(files):
                    candidate = os.path.join(directory, name)
                    if name.endswith(".py") and not _excluded(candidate, root, config.exclude):
                        found[os.path.normpath(candidate)] = None
        elif os.path.lexists(path):
            found[os.path.normpath(path)] = None
        else:
            errors.append(AnalysisError(given, 0, "no such file or directory"))
    return list(found)


def _excluded(path: str, root: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    relative = os.path.relpath(path, root)
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
            return True
    return False


class _RecordCache:
    """File records by (path, content digest); loaded only when some file needs judging."""

    def __init__(self, config: LintConfig, enabled: bool) -> None:
        self.enabled = enabled
        self.version = _tool_fingerprint()
        self.path = os.path.join(config.root, config.cache_dir, f"records-{_CACHE_FORMAT}.pickle")
        self._stored: dict[tuple[str, str], FileRecord] | None = None
        self._used: dict[tuple[str, str], FileRecord] = {}
        self._dirty = False

    def record(self, path: str, digest: str) -> FileRecord | None:
        if self._stored is None:
            self._stored = _load(self.path, self.version) if self.enabled else {}
        found = self._stored.get((path, digest))
        if found is not None:
            self._used[(path, digest)] = found
        return found

    def keep(self, record: FileRecord) -> None:
        if record.digest:
            self._used[(record.path, record.digest)] = record
            self._dirty = True

    def save(self) -> None:
        if self.enabled and self._dirty:
            _dump(self.path, self.version, self._used)

    def saved(self) -> None:
        """Written by another process: nothing left to write here."""
        self._dirty = False


class _VerdictCache:
    """Findings of each file, valid while its digest and its dependencies' digests are.

    Dependency lists are long (a test of a large package depends on hundreds of modules) and
    shared by many files, so each distinct list is stored once and referred to by number.
    """

    def __init__(self, config: LintConfig, fingerprint: str, enabled: bool) -> None:
        self.enabled = enabled
        self.version = _tool_fingerprint() + fingerprint
        self.path = os.path.join(config.root, config.cache_dir, f"verdicts-{_CACHE_FORMAT}.pickle")
        stored = _load(self.path, self.version) if enabled else {}
        self._entries: dict[str, tuple[str, int, list[Finding]]] = stored.get("entries", {})
        self._dep_sets: list[tuple[tuple[str, str], ...]] = stored.get("dep_sets", [])
        self._valid: dict[int, bool] = {}
        self._new_entries: dict[str, tuple[str, int, list[Finding]]] = {}
        self._new_sets: dict[tuple[tuple[str, str], ...], int] = {}
        self._dirty = False

    def lookup(self, path: str, digest: str, current_digest) -> list[Finding] | None:
        entry = self._entries.get(path)
        if entry is None or entry[0] != digest:
            return None
        index = entry[1]
        if index not in self._valid:
            self._valid[index] = all(current_digest(p) == d for p, d in self._dep_sets[index])
        if not self._valid[index]:
            return None
        self._keep(path, digest, self._dep_sets[index], entry[2], dirty=False)
        return entry[2]

    def store(self, path: str, digest: str, dependencies: list[tuple[str, str]],
              findings: list[Finding]) -> None:
        self._keep(path, digest, tuple(dependencies), findings, dirty=True)

    def _keep(self, path: str, digest: str, dependencies: tuple[tuple[str, str], ...],
              findings: list[Finding], *, dirty: bool) -> None:
        index = self._new_sets.setdefault(dependencies, len(self._new_sets))
        self._new_entries[path] = (digest, index, findings)
        self._dirty = self._dirty or dirty

    def save(self) -> None:
        if self.enabled and self._dirty:
            dep_sets = [None] * len(self._new_sets)
            for dependencies, index in self._new_sets.items():
                dep_sets[index] = dependencies
            _dump(self.path, self.version, {"entries": self._new_entries, "dep_sets": dep_sets})


def _load(path: str, version: str):
    try:
        with open(path, "rb") as handle:
            stored = pickle.load(handle)
        if stored.get("version") == version:
            return stored["data"]
    except Exception:  # noqa: BLE001 - a missing or damaged cache is an empty cache
        pass
    return {}


def _dump(path: str, version: str, data) -> None:
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        ignore = os.path.join(directory, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w") as handle:
                handle.write("# created by harness lint\n*\n")
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump({"version": version, "data": data}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only checkout still lints; it just does not remember
