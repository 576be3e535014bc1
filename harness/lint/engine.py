"""A lint run: find the files, read them (in parallel), judge each, filter.

Speed comes from three choices: the tables are built with the standard library's `ast` (libcst is
kept for `--fix`), the reading of many files is spread over every core, and findings are cached
between runs (`cache.py`), by the digests of the file and of every file its verdict depends on
(its conftests and its modules under test) and by the layout of the project.
"""

from __future__ import annotations

import fnmatch
import gc
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from harness.analysis import AnalysisError
from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.source import link_leaves, read_bytes
from harness.lint.cache import (
    RecordCache,
    VerdictCache,
    cache_folder,
    cache_key,
    layout_digest,
    tool_key,
)
from harness.lint.config import LintConfig
from harness.lint.project import SKIPPED_DIRS, FileContext, Project
from harness.lint.records import FileRecord, digest_of, read_record
from harness.lint.rule import Finding, Rule
from harness.lint.rules import all_rules
from harness.lint.runner_env import runner_env

# Below this many files to read, worker processes cost more than they save.
_PARALLEL_THRESHOLD = 48
_LINK_LEAVES = "symbolic link leading outside the project; not followed"


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
    use_cache: bool = True  # False: do not read the cache (this run's verdicts replace it)
    jobs: int = 0  # 0: every core
    cache_dir: str | None = None  # given on the command line: used as it is

    @cached_property
    def _runner_env(self) -> frozenset[str]:
        """Variables the project's test runners set (scripts, Makefile, tox, compose, CI)."""
        return runner_env(self.config.root, SKIPPED_DIRS)

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
        verdicts, records = self._caches()
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
            ini_env=self.config.ini_env | self._runner_env,
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
        for path, findings, dependencies in self._judge_all(project, judged):
            if findings is None:  # nested deeper than the rules can walk, even given room
                unreadable[path] = AnalysisError(path, 1, f"cannot analyse: {NESTED_TOO_DEEPLY}")
                continue
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

    def _caches(self) -> tuple[VerdictCache, RecordCache]:
        config = self.config
        folder = cache_folder(config.root, self.cache_dir or config.cache_dir,
                              given_on_command_line=self.cache_dir is not None)
        layout = None
        if folder is not None:
            outside = {r for r in self._base_roots() if not _inside(r, config.root)}
            layout = layout_digest(config.root, sorted(outside), SKIPPED_DIRS)
        settings = (sorted(config.services.items()),
                    sorted((k, sorted(v)) for k, v in config.service_env.items()),
                    sorted(config.ini_env | self._runner_env), config.src, self.src, config.pythonpath,
                    config.max_bytes)
        key = cache_key(settings, layout) if layout is not None else None
        return (VerdictCache(folder, key, read=self.use_cache),
                RecordCache(folder, tool_key(), read=self.use_cache))

    # ------------------------------------------------------------------ reading

    def _base_roots(self) -> list[str]:
        root = self.config.root
        roots = [os.path.join(root, p) for p in (*self.src, *self.config.src)]
        roots += [os.path.dirname(path) for path in self.config.services.values()]
        roots += [os.path.join(root, p) for p in self.config.pythonpath]
        if os.path.isdir(os.path.join(root, "src")):
            roots.append(os.path.join(root, "src"))
        return roots

    def _read_all(self, files: list[str], cache: RecordCache,
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
                          cache: RecordCache) -> FileRecord:
        """A file outside the linted set (a conftest above, a module under test)."""
        if link_leaves(path, self.config.root):
            record = FileRecord(path, "", None, None, AnalysisError(path, 0, _LINK_LEAVES))
        else:
            try:
                data = read_bytes(path, self.config.max_bytes)
            except AnalysisError as error:
                record = FileRecord(path, "", None, None, error)
            else:
                digest = digest_of(data)
                record = cache.record(path, digest)
                if record is None:
                    record = read_record(path, self.config.max_bytes, digest, data)
                    cache.keep(record)
        records[path] = record
        return record

    def _judge_all(self, project: Project,
                   paths: list[str]) -> Iterable[tuple[str, list[Finding] | None, list[str]]]:
        """Run the rules on each file; with many files, in forked processes sharing the
        project read so far (each judges a share, and only findings travel back)."""
        jobs = self.jobs or os.cpu_count() or 1
        global _JUDGING
        _JUDGING = (self, project, all_rules())
        try:
            if jobs > 1 and len(paths) >= _PARALLEL_THRESHOLD and _FORK is not None:
                chunk = max(2, len(paths) // (jobs * 32))
                with ProcessPoolExecutor(max_workers=jobs, mp_context=_FORK) as pool:
                    yield from pool.map(_judge_one, paths, chunksize=chunk)
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
            {*context.chain_paths, *context.subjects, *(s.path for s in context.below),
             *context.reached_files}
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


# What the judging processes inherit when they are forked: (run, project, rules).
_JUDGING: tuple[LintRun, Project, list[Rule]] | None = None
_FORK = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods() else None
)


def _judge_one(path: str) -> tuple[str, list[Finding] | None, list[str]]:
    assert _JUDGING is not None
    run, project, rules = _JUDGING
    try:
        return deeply(run.judge, project, rules, path)
    except RecursionError:
        return path, None, []


def _inside(path: str, root: str) -> bool:
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return relative != ".." and not relative.startswith(".." + os.sep)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _read(path: str, max_bytes: int) -> FileRecord:
    gc.disable()  # in a worker process: see LintRun.execute
    return read_record(path, max_bytes)


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
    kept = []
    for path in found:
        if link_leaves(path, root):
            errors.append(AnalysisError(path, 0, _LINK_LEAVES))
        else:
            kept.append(path)
    return kept


def _excluded(path: str, root: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    relative = os.path.relpath(path, root)
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
            return True
    return False
