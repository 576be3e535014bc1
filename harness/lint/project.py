"""The project as the linter sees it: where modules are found, and which ones each test exercises.

"Modules under test" of a test file are the project's own modules that the file, the conftests
above it (and, for a conftest, the tests below it) import or load by path, plus everything those
modules import at import time.  Names are resolved the way the test run would resolve them:
through `sys.path` entries the conftests add (`sys.path.insert(0, ".../legacy_services/current")`),
`--src` and `[tool.harness.lint] src`, the services of `[tool.harness]`, pytest's `pythonpath`,
the test file's own import root and the project root.  One file reachable under two names (a
`sys.path` trick) is one module under test with two names.
"""

from __future__ import annotations

import ast
import itertools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from harness.analysis import AnalysisError, ImportBinding, ModuleFacts
from harness.analysis.packages import import_root, is_stdlib, module_file
from harness.lint.reach import CallGraph
from harness.lint.records import FileRecord, is_test_file
from harness.lint.setup_facts import Function, ImportEvent, PatchCall, SetupFacts, Where
from harness.lint.setup_facts.scopes import dotted as _dotted

# Directories never searched for a test's descendants or modules.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".harness_cache",
        "build",
        "dist",
        ".eggs",
    }
)
_MAX_DESCENDANTS = 400


@dataclass
class Subject:
    """A module under test as one test file's context knows it."""

    path: str
    facts: ModuleFacts
    names: set[str] = field(default_factory=set)  # dotted names the context uses for it
    import_names: set[str] = field(default_factory=set)  # names it is imported under (patchable)
    by_plugin: bool = False  # loaded through the harness plugin, which does the whole contract
    direct: bool = False  # imported by the context itself, not only reached through another


class Project:
    """Module lookup and file records for one lint run."""

    def __init__(
        self,
        root: str,
        base_roots: Iterable[str],
        load_record: Callable[[str], FileRecord],
        plugin_services: dict[str, str] | None = None,
        plugin_env: dict[str, frozenset[str]] | None = None,
        ini_env: frozenset[str] = frozenset(),
    ) -> None:
        self.root = os.path.abspath(root)
        self.base_roots = tuple(dict.fromkeys(os.path.abspath(r) for r in base_roots))
        self._load_record = load_record
        self.records: dict[str, FileRecord] = {}
        self.plugin_services = plugin_services or {}  # service name -> file
        self.plugin_env = plugin_env or {}  # file -> env names [tool.harness] sets for it
        self.ini_env = ini_env  # pytest-env `env = [...]`
        self._find_cache: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._closure_cache: dict[str, frozenset[str]] = {}
        self._chain_cache: dict[str, tuple[str, ...]] = {}
        self._roots_cache: dict[str, tuple[str, ...]] = {}
        self._canonical_cache: dict[tuple[str, tuple[str, ...]], str] = {}
        self._from_index_cache: dict[str, dict[str, list[ImportBinding]]] = {}
        self._prefix_cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._bound_cache: dict[str, dict[str, ImportBinding]] = {}
        self._files_cache: dict[str, tuple[str, ...]] = {}
        self.memo: dict[tuple[str, str], object] = {}  # per-file results of shared analyses
        self._indexed: set[str] = set()
        self._bound_by: dict[str, list[str]] = {}
        self._subjects: dict[str, Subject] = {}
        self._by_module_name: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ records

    def record(self, path: str) -> FileRecord:
        found = self.records.get(path)
        if found is None:
            found = self.records[path] = self._load_record(path)
        return found

    def facts(self, path: str) -> ModuleFacts | None:
        return self.record(path).module

    # ------------------------------------------------------------------ finding modules

    def find_module(self, name: str, roots: tuple[str, ...]) -> str | None:
        """The file a dotted name imports from, searching `roots` in order; None if not local.
        A package directory wins over a module file of the same name, as in Python's finder."""
        key = (name, roots)
        if key in self._find_cache:
            return self._find_cache[key]
        found = module_file(name, roots)
        self._find_cache[key] = found
        return found

    def module_roots(self, path: str) -> tuple[str, ...]:
        """Where the imports of the module at `path` are looked up."""
        roots = self._roots_cache.get(path)
        if roots is None:
            roots = tuple(
                dict.fromkeys((import_root(path), os.path.dirname(path), *self.base_roots))
            )
            self._roots_cache[path] = roots
        return roots

    def binding(self, path: str, name: str) -> ImportBinding | None:
        """The module-level import binding `name` in the module at `path` (indexed)."""
        table = self._bound_cache.get(path)
        if table is None:
            facts = self.facts(path)
            table = {}
            for binding in facts.imports if facts else ():
                if binding.at_import_time:
                    table[binding.bound_as] = binding
            self._bound_cache[path] = table
        return table.get(name)

    def canonical(self, qualified: str, roots: tuple[str, ...], depth: int = 0) -> str:
        """Follow re-exports through local modules: `pkg.Client` -> `pkg.client.Client`."""
        key = (qualified, roots)
        found = self._canonical_cache.get(key)
        if found is not None:
            return found
        found = qualified
        if depth <= 5 and "." in qualified:
            module, _, name = qualified.rpartition(".")
            path = self.find_module(module, roots)
            if path is not None:
                binding = self.binding(path, name)
                if binding is not None and binding.name and not binding.module.startswith("."):
                    found = self.canonical(binding.qualified, self.module_roots(path), depth + 1)
        self._canonical_cache[key] = found
        return found

    def from_imports(self, path: str) -> dict[str, list[ImportBinding]]:
        """The module's import-time `from X import name` bindings, by canonical `X.name`."""
        index = self._from_index_cache.get(path)
        if index is None:
            index = {}
            facts = self.facts(path)
            roots = self.module_roots(path)
            for binding in facts.imports if facts else ():
                if binding.name and binding.name != "*" and binding.at_import_time:
                    index.setdefault(self.canonical(binding.qualified, roots), []).append(binding)
            self._from_index_cache[path] = index
        return index

    def source_text(self, path: str) -> str:
        """The module's text ("" when unreadable: no evidence, never an error here)."""
        key = (path, "text")
        found = self.memo.get(key)
        if found is None:
            from harness.analysis.source import decode, read_bytes

            try:
                found = decode(read_bytes(path), path)
            except AnalysisError:
                found = ""
            self.memo[key] = found
        return found  # type: ignore[return-value]

    def runtime_names(self, path: str) -> frozenset[str]:
        """Names and dotted chains used inside the module's functions (that is, after import)."""
        key = (path, "runtime_names")
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = _names_in_functions(self.source_text(path), path)
        return found  # type: ignore[return-value]

    def index_from_imports(self, paths: Iterable[str]) -> None:
        """Add the `from` imports of these modules to the index behind `modules_binding`."""
        for path in paths:
            if path not in self._indexed:
                self._indexed.add(path)
                for canonical in self.from_imports(path):
                    self._bound_by.setdefault(canonical, []).append(path)

    def modules_binding(self, qualified: str) -> list[str]:
        """Indexed modules that bind canonical `qualified` by a `from` import."""
        return sorted(self._bound_by.get(qualified, []))  # whichever file was indexed first

    def paths_named(self, name: str) -> list[str]:
        """Files whose own dotted module name is `name`, among those seen so far."""
        return self._by_module_name.get(name, [])

    def imports_dynamically(self, path: str) -> bool:
        key = (path, "dynamic")
        found = self.memo.get(key)
        if found is None:
            facts = self.facts(path)
            found = self.memo[key] = bool(facts) and any(
                note.message.startswith("dynamic import") for note in facts.unknowable
            )
        return found  # type: ignore[return-value]

    def shared_subject(self, path: str) -> Subject | None:
        """The Subject of a module reached only through imports (the same in every context)."""
        subject = self._subjects.get(path)
        if subject is None:
            facts = self.facts(path)
            if facts is None:
                return None
            names = {facts.module_name} if facts.module_name else set()
            subject = self._subjects[path] = Subject(path, facts, names)
            if facts.module_name:
                self._by_module_name.setdefault(facts.module_name, []).append(path)
        return subject

    def imported_names(self, path: str) -> tuple[frozenset[str], frozenset[str]]:
        """(every dotted prefix of what the module imports, modules it imports with `import`)."""
        cached = self._prefix_cache.get(path)
        if cached is None:
            prefixes: set[str] = set()
            plain: set[str] = set()
            facts = self.facts(path)
            for binding in facts.imports if facts else ():
                for dotted in (binding.module, binding.qualified):
                    parts = dotted.split(".")
                    prefixes.update(".".join(parts[: i + 1]) for i in range(len(parts)))
                if binding.name is None:
                    plain.add(binding.module)
            cached = self._prefix_cache[path] = (frozenset(prefixes), frozenset(plain))
        return cached

    def resolve_binding(self, binding: ImportBinding, roots: tuple[str, ...]) -> list[str]:
        """Local files an import binding loads (`from pkg import sub` may load `pkg/sub.py`)."""
        found = []
        if binding.module:
            module_file = self.find_module(binding.module, roots)
            if module_file:
                found.append(module_file)
                if binding.name and binding.name != "*":
                    sub = self.find_module(binding.qualified, roots)
                    if sub:
                        found.append(sub)
        return found

    def parent_packages(self, module: str, roots: tuple[str, ...]) -> list[str]:
        """The `__init__.py` files importing `module` runs before it (`a`, then `a.b` for
        `a.b.c`), those that are local."""
        parts = module.split(".")
        found = (self.find_module(".".join(parts[:cut]), roots) for cut in range(1, len(parts)))
        return [path for path in found if path is not None]

    def import_closure(self, path: str) -> frozenset[str]:
        """`path` and every local module it imports at import time, transitively."""
        cached = self._closure_cache.get(path)
        if cached is not None:
            return cached
        seen = {path}
        pending = [path]
        while pending and len(seen) < 2000:
            current = pending.pop()
            facts = self.facts(current)
            if facts is None:
                continue
            roots = self.module_roots(current)
            for binding in facts.imports:
                if not binding.at_import_time or is_stdlib(binding.module or "sys"):
                    continue
                for found in self.resolve_binding(binding, roots):
                    if found not in seen:
                        cached_inner = self._closure_cache.get(found)
                        if cached_inner is not None:
                            seen |= cached_inner
                        else:
                            seen.add(found)
                            pending.append(found)
        result = frozenset(seen)
        self._closure_cache[path] = result
        return result

    @cached_property
    def call_graph(self) -> CallGraph:
        """What tests reach of the project's code (built on demand, module by module)."""
        return CallGraph(self)

    # ------------------------------------------------------------------ test tree

    def conftest_chain(self, path: str) -> tuple[str, ...]:
        """conftest.py files that pytest loads before `path`, outermost first (not `path`)."""
        directory = os.path.dirname(path)
        cached = self._chain_cache.get(directory)
        if cached is None:
            chain = []
            current = directory
            while True:
                candidate = os.path.join(current, "conftest.py")
                if os.path.isfile(candidate):
                    chain.append(os.path.normpath(candidate))
                if os.path.normcase(current) == os.path.normcase(self.root):
                    break
                parent = os.path.dirname(current)
                if parent == current or not current.startswith(self.root):
                    break
                current = parent
            cached = self._chain_cache[directory] = tuple(reversed(chain))
        return tuple(c for c in cached if c != path)

    def python_files(self, top: str) -> tuple[str, ...]:
        """The Python files under `top`, skipped and hidden directories left out, in a stable
        order; walked once per run."""
        found = self._files_cache.get(top)
        if found is None:
            walked: list[str] = []
            for directory, dirs, files in os.walk(top):
                dirs[:] = sorted(
                    d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                )
                walked.extend(
                    os.path.normpath(os.path.join(directory, name))
                    for name in sorted(files)
                    if name.endswith(".py")
                )
            found = self._files_cache[top] = tuple(walked)
        return found

    def descendants(self, conftest: str) -> list[str]:
        """Test files and conftests below a conftest's directory (bounded)."""
        own = os.path.normpath(conftest)
        below = (
            path
            for path in self.python_files(os.path.dirname(conftest))
            if path != own and is_test_file(path)
        )
        return list(itertools.islice(below, _MAX_DESCENDANTS))

    def context(self, record: FileRecord) -> FileContext:
        return FileContext(self, record)


def _names_in_functions(text: str, path: str) -> frozenset[str]:
    from harness.analysis.source import parse

    try:
        tree = parse(text, path)
    except AnalysisError:
        return frozenset()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            for statement in body:
                for inner in ast.walk(statement):
                    if isinstance(inner, ast.Name):
                        found.add(inner.id)
                    elif isinstance(inner, ast.Attribute):
                        dotted = _dotted(inner)
                        if dotted:
                            found.add(dotted)
    return frozenset(found)


def _join(root: str, path: str) -> str:
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(root, path))


class FileContext:
    """Everything the rules need to judge one file: its setup, its conftests, its subjects."""

    def __init__(self, project: Project, record: FileRecord) -> None:
        self.project = project
        self.record = record
        self.path = record.path
        self.setup: SetupFacts = record.setup or SetupFacts(record.path)
        self.cache: dict[str, object] = {}  # per-file results shared between rules
        self.reached_files: set[str] = set()  # files the call graph read for this file's verdicts
        self.is_conftest = os.path.basename(self.path) == "conftest.py"
        # A helper of the suite (`tests/fakes.py`, a test package's `__init__.py`): the tests
        # that import it decide what is under test, and they are not known from here.
        self.is_helper = not is_test_file(self.path)
        self.chain_paths = project.conftest_chain(self.path)
        self.chain = [s for s in (project.record(p).setup for p in self.chain_paths) if s]
        self.below: list[SetupFacts] = []
        if self.is_conftest:
            for below in project.descendants(self.path):
                setup = project.record(below).setup
                if setup is not None:
                    self.below.append(setup)

    # ------------------------------------------------------------------ resolution

    @cached_property
    def roots(self) -> tuple[str, ...]:
        project = self.project
        extra = []
        for setup in (*self.chain, self.setup, *self.below):
            extra.extend(_join(project.root, directory) for directory, _ in setup.sys_path)
        return tuple(
            dict.fromkeys((*extra, *project.base_roots, import_root(self.path), project.root))
        )

    def resolve_event(self, event: ImportEvent, setup: SetupFacts) -> list[tuple[str, str | None]]:
        """Local files an import event loads, each with the module name it is loaded under."""
        project = self.project
        if event.how == "plugin":
            service = project.plugin_services.get(event.path or "")
            if service:
                return [(service, None)]
            path = _join(project.root, event.path or "")
            return [(path, None)] if os.path.isfile(path) else []
        if event.how == "path":
            if event.via is not None:
                entry = self.functions.get(event.via)
                if entry is None or not entry[1].loads_by_path:
                    return []
            path = _join(project.root, event.path or "")
            return [(path, event.alias)] if os.path.isfile(path) else []
        module = event.module or ""
        if module.startswith("."):
            base = self.project.facts(setup.path)
            package = (base.module_name or "").split(".") if base else []
            if os.path.basename(setup.path) != "__init__.py":
                package = package[:-1]
            level = len(module) - len(module.lstrip("."))
            package = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
            module = ".".join([*package, module.lstrip(".")]).strip(".")
        if not module or is_stdlib(module):
            return []
        found = []
        target = project.find_module(module, self.roots)
        if target and target != setup.path:
            found.append((target, module))
        for name in event.names:
            sub = project.find_module(f"{module}.{name}", self.roots)
            if sub and sub != setup.path:
                found.append((sub, f"{module}.{name}"))
        return found

    @cached_property
    def events(self) -> list[tuple[SetupFacts, ImportEvent, str, str | None]]:
        """(setup, event, file loaded, name) for every load of local code in the context."""
        found = []
        for setup in (*self.chain, self.setup, *self.below):
            for event in setup.imports:
                for path, name in self.resolve_event(event, setup):
                    if is_test_file(path):
                        continue
                    found.append((setup, event, path, name))
        return found

    @cached_property
    def subjects(self) -> dict[str, Subject]:
        subjects: dict[str, Subject] = {}
        for _, event, path, name in self.events:
            facts = self.project.facts(path)
            if facts is None:
                continue
            subject = subjects.setdefault(path, Subject(path, facts))
            subject.direct = True
            subject.by_plugin = subject.by_plugin or event.how == "plugin"
            if name:
                subject.names.add(name)
                if event.how in ("import", "from", "import_module"):
                    subject.import_names.add(name)
        for subject in subjects.values():
            if subject.facts.module_name:
                subject.names.add(subject.facts.module_name)
        for path in list(subjects):
            for inner in sorted(self.project.import_closure(path)):  # never in hash order
                if inner in subjects or is_test_file(inner):
                    continue
                shared = self.project.shared_subject(inner)
                if shared is not None:
                    subjects[inner] = shared
        return subjects

    def imports_unresolved(self, top: str) -> bool:
        """Whether this file, its conftests or (for a conftest) the tests below it import
        package `top` without it being found."""
        for setup in (*self.chain, self.setup, *self.below):
            for event in setup.imports:
                if (event.module or "").split(".")[0] == top and event.how != "path":
                    return not self.resolve_event(event, setup)
        return False

    def index_subjects(self) -> None:
        if "indexed" not in self.cache:
            self.project.index_from_imports(self.subjects)
            self.cache["indexed"] = True

    @cached_property
    def fixture_subjects(self) -> dict[str, str]:
        """Fixtures that hand a test the module they load (`legacy.load("current")`, a load by
        path), directly or through a helper they call: fixture name -> module file."""
        loaders: dict[str, str] = {}
        for _, event, path, _ in self.events:
            if event.how in ("plugin", "path") and event.where.scope:
                loaders.setdefault(event.where.scope, path)
        found: dict[str, str] = {}
        for _, function in self.functions.values():
            if not function.is_fixture:
                continue
            path = loaders.get(function.qualname) or next(
                (loaders[name] for name in sorted(function.calls) if name in loaders), None
            )
            if path is not None:
                found[function.name] = path
        return found

    @cached_property
    def _subjects_by_name(self) -> dict[str, Subject]:
        """Names of the modules this context imports itself (the others go by module name)."""
        table: dict[str, Subject] = {}
        for subject in self.subjects.values():
            if subject.direct:
                for name in subject.names:
                    table.setdefault(name, subject)
        return table

    def subject_named(self, name: str) -> Subject | None:
        """The module under test (or any local module) a dotted module name refers to."""
        found = self._subjects_by_name.get(name)
        if found is not None:
            return found
        for path in self.project.paths_named(name):
            if path in self.subjects:
                return self.subjects[path]
        path = self.project.find_module(name, self.roots)
        if path is None or is_test_file(path):
            return None
        subject = self.subjects.get(path)
        if subject is not None:
            return subject
        facts = self.project.facts(path)
        return Subject(path, facts, {name}) if facts is not None else None

    @cached_property
    def _imported(self) -> tuple[frozenset[str], frozenset[str]]:
        prefixes: set[str] = set()
        plain: set[str] = set()
        for path in self.subjects:
            more, more_plain = self.project.imported_names(path)
            prefixes |= more
            plain |= more_plain
        return frozenset(prefixes), frozenset(plain)

    @cached_property
    def _importing_files(self) -> frozenset[str]:
        """The modules under test and the `__init__.py` of the packages holding them (importing
        `pkg.mod` runs `pkg/__init__.py` first), with what those import: where a library may be
        imported from while the tests run."""
        project = self.project
        files = set(self.subjects)
        for subject in list(self.subjects.values()):
            roots = project.module_roots(subject.path)
            for name in sorted(subject.names):
                for package in project.parent_packages(name, roots):
                    if package not in files and not is_test_file(package):
                        files.add(package)
                        files |= {p for p in project.import_closure(package)
                                  if not is_test_file(p)}
        return frozenset(files)

    @cached_property
    def _imported_lazily(self) -> tuple[frozenset[str], frozenset[str]]:
        """What the modules under test and their packages' `__init__.py` import anywhere,
        following every local import, those inside functions too (`try_import_x()` called while
        the module loads, a route module imported on first use): built only when a finding
        depends on it."""
        project = self.project
        seen = set(self._importing_files)
        pending = sorted(seen)
        prefixes: set[str] = set()
        plain: set[str] = set()
        while pending and len(seen) < 3000:
            path = pending.pop()
            more, more_plain = project.imported_names(path)
            prefixes |= more
            plain |= more_plain
            facts = project.facts(path)
            roots = project.module_roots(path)
            for binding in facts.imports if facts else ():
                if binding.module.startswith(".") or is_stdlib(binding.module or "sys"):
                    continue
                for found in project.resolve_binding(binding, roots):
                    if found not in seen and not is_test_file(found):
                        seen.add(found)
                        pending.append(found)
        return frozenset(prefixes), frozenset(plain)

    def imports_module(self, module: str, *, lazily: bool = False) -> bool:
        """True when some module under test imports `module`, a package of it or a part of it
        (`lazily`: anywhere in them, their packages' `__init__.py` and the modules they import,
        inside functions too)."""
        prefixes, plain = self._imported_lazily if lazily else self._imported
        if module in prefixes:
            return True
        parts = module.split(".")
        if any(".".join(parts[:i]) in prefixes for i in range(2, len(parts))):
            # `oslo_db.sqlalchemy.enginefacade.writer`: the code imports the module, and what
            # looks like a submodule may be an object in it; a phantom cannot be told.
            return True
        return any(".".join(parts[:i]) in plain for i in range(1, len(parts)))

    @cached_property
    def subjects_fully_known(self) -> bool:
        """False when a module under test imports something analysis cannot name."""
        return bool(self.subjects) and not any(
            self.project.imports_dynamically(path) for path in self.subjects
        )

    # ------------------------------------------------------------------ fixtures and timing

    @cached_property
    def functions(self) -> dict[str, tuple[SetupFacts, Function]]:
        """Functions by name, the nearest definition winning (this file, then inner conftests)."""
        table: dict[str, tuple[SetupFacts, Function]] = {}
        for setup in (*self.chain, self.setup):
            for function in setup.functions:
                table[function.name] = (setup, function)
                table.setdefault(function.qualname, (setup, function))
        return table

    def requested(self, function: Function) -> set[str]:
        """Fixture names a test or fixture requests, transitively."""
        seen: set[str] = set()
        pending = list(function.params)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            entry = self.functions.get(name)
            if entry is not None and entry[1].is_fixture:
                pending.extend(entry[1].params)
        return seen

    def _callers(self, scope: str) -> set[str]:
        """Names of `scope`'s function and of the functions that call it (three levels up)."""
        memo = self.cache.setdefault("callers", {})
        if scope not in memo:  # type: ignore[operator]
            memo[scope] = self._find_callers(scope)  # type: ignore[index]
        return memo[scope]  # type: ignore[index]

    def _find_callers(self, scope: str) -> set[str]:
        entry = self.functions.get(scope)
        names = {scope, entry[1].name} if entry else {scope}
        for _ in range(3):
            more = {
                function.name for _, function in self.functions.values() if function.calls & names
            }
            if more <= names:
                break
            names |= more
        return names

    def runs_before(self, first: str, then: str) -> bool:
        """Whether the function `first` has run by the time `then` runs (fixture requests)."""
        entry = self.functions.get(then)
        if entry is None:
            return False
        callers_of_first = self._callers(first)
        first_entry = self.functions.get(first)
        if first_entry is not None and first_entry[1].autouse:
            return True
        for name in self._callers(then):
            caller = self.functions.get(name)
            if caller is not None and self.requested(caller[1]) & callers_of_first:
                return True
        return first in entry[1].calls

    def in_effect(self, where: Where, owner: str, event: Where, event_owner: str) -> bool:
        """Whether a setup made at `where` (in file `owner`) is in effect at `event`."""
        if owner != event_owner:
            if owner not in self.chain_paths or (
                event_owner in self.chain_paths
                and self.chain_paths.index(owner) >= self.chain_paths.index(event_owner)
            ):
                return False
            # An outer conftest: its module-level code ran before anything in this file.
            if where.scope is None:
                return where.active is None
            return event.scope is not None and self.runs_before(where.scope, event.scope)
        if where.scope is None:
            if event.scope is None:
                return _covers(where, event.line)
            return where.active is None
        if event.scope is None:
            return False
        if _same_scope(where.scope, event.scope):
            return _covers(where, event.line)
        return where.active is None and self.runs_before(where.scope, event.scope)

    def patch_is_late(self, patch: PatchCall, subject_path: str) -> bool:
        """Whether the module at `subject_path` was already imported when `patch` took effect."""
        for setup, event, path, _ in self.events:
            if subject_path not in self.project.import_closure(path):
                continue
            if setup.path != self.path and setup.path not in self.chain_paths:
                # A test module below this conftest: pytest imports it while collecting, before
                # any fixture runs, so its module-level imports precede a fixture's patch.
                if event.where.scope is None and patch.where.scope is not None:
                    return True
                continue
            if (
                self._event_before_patch(event.where, setup.path, patch.where)
            ):
                return True
        return False

    def _event_before_patch(self, event: Where, event_owner: str, patch: Where) -> bool:
        if event_owner != self.path:
            # Imported by a conftest: at collection time, or in one of its fixtures.
            if event.scope is None:
                return True
            return patch.scope is not None and self.runs_before(event.scope, patch.scope)
        if event.scope is None:
            if patch.scope is not None:
                return True
            return event.line < patch.line and not _covers(patch, event.line)
        if patch.scope is None:
            return False
        if _same_scope(patch.scope, event.scope):
            return event.line < patch.line and not _covers(patch, event.line)
        return self.runs_before(event.scope, patch.scope)


def _covers(where: Where, line: int) -> bool:
    if where.active is None:
        return where.line <= line
    return where.active[0] <= line <= where.active[1]


def _same_scope(scope: str, other: str) -> bool:
    if scope == other:
        return True
    if scope.endswith(".*"):
        return other.startswith(scope[:-1])
    return False
