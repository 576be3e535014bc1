"""The ordered import contract: how a legacy module is imported, and how each test sees it.

Importing a legacy module runs it, so the harness does it once per session, in this order:

1. **fakes**: the meta-path finder goes first in `sys.meta_path`; the real modules of every
   faked package tree are taken out of `sys.modules` for the duration (they come back after);
2. **env**: every variable the module reads is set (see `harness.env`);
3. **threads**: `threading.Thread`/`Timer` record instead of starting (see `harness.threads`);
4. **import** under the network guard (see `harness.guard`), under the file's real dotted name
   (`app.worker` for `app/worker.py`; see `harness.modules.real_name`), so `patch("app.worker.X")`
   reaches the module under test; processes recorded (`harness.processes`), time bounded
   (`import_timeout`);
5. **restore** (`harness.restore`): `sys.modules`, `os.environ`, `sys.path`, `sys.meta_path`,
   `threading` and the working directory are put back from a snapshot taken before step 1,
   and compared with it: any difference left is a `RestoreError`.

The modules the import brought in (the legacy module, the fake modules, whatever else it
imported) are kept aside as the service's *overlay*. Each test that uses the service runs inside
the same ordered scope again (overlay in `sys.modules`, finder, env, recording threads, guard),
so code that imports or reads the environment at call time sees what the import saw; the scope
ends with the same verified restore, so the next test, with or without the harness, finds the
process as it was.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from harness.analysis.packages import import_root, project_roots
from harness.env import (
    EnvValue,
    RuntimeEnv,
    env_reads_on_line,
    plan_environment,
    seeing_env_reads,
)
from harness.errors import (
    EnvError,
    HarnessError,
    LegacyImportError,
    NetworkRefused,
    RestoreError,
)
from harness.fakes_adapter import loops_at_import
from harness.guard import NETWORK_GUARD, Refusal
from harness.locations import display_path, is_library_file, shown_from
from harness.modules import (
    FakeTreeFinder,
    IncompleteFakeTree,
    TreeSource,
    bound_to,
    import_file,
    import_real,
    private_names,
    real_name,
    tree_names,
)
from harness.processes import recording_processes
from harness.report import ImportReport
from harness.restore import AtExitCall, ProcessSnapshot, diverting, environ_now
from harness.state import ModuleState
from harness.threads import (
    LEGACY_SITES,
    RecordedThread,
    ThreadRecorder,
    recording_threads,
    time_bound,
)

if TYPE_CHECKING:
    from harness.analysis.model import EnvRead, ModuleFacts
    from harness.config import ServiceConfig
    from harness.dependencies import Dependency, DependencySource


@dataclass
class ScopeResult:
    """What a scope saw, filled in as it ends."""

    before: ProcessSnapshot
    added_modules: dict[str, object] = field(default_factory=dict)
    environ_at_end: dict[str, str] = field(default_factory=dict)
    registered_at_exit: list[AtExitCall] = field(default_factory=list)  # and unregistered


@contextmanager
def ordered_scope(
    *,
    finder: FakeTreeFinder,
    overlay: Mapping[str, object],
    env: Mapping[str, str | None],
    path_entries: Sequence[str],
    path_tail: Sequence[str] = (),
    on_refusal: Callable[[Refusal], None],
    cwd: Path | None = None,
    what: str,
    own: Sequence[str] = (),
    runtime_env: RuntimeEnv | None = None,
) -> Iterator[ScopeResult]:
    """Steps 1-3 of the contract around the block (which does step 4), then step 5.

    `own`: the top-level packages of the service's own modules: another suite's copy of them
    leaves `sys.modules` for the scope, so the service's real names resolve to its own copy."""
    result = ScopeResult(ProcessSnapshot.take())
    try:
        # 1. fakes: real modules of the faked trees out, the service's own modules in, finder first
        for name in tree_names(sys.modules, own):
            del sys.modules[name]
        # What a fake's construction imports for good while the scope runs stays after it.
        finder.hide_real_modules(adopt=result.before.modules.modules.update)
        sys.modules.update(overlay)
        sys.meta_path.insert(0, finder)
        sys.meta_path.append(finder.last)  # asked only about what no other finder found
        # 2. env (None: unset), and where the module's siblings are found
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sys.path[:0] = [entry for entry in path_entries if entry not in sys.path]
        sys.path.extend(entry for entry in path_tail if entry not in sys.path)
        if cwd is not None:
            os.chdir(cwd)
        # 3. threads, then 4. whatever the block does, under the network guard
        with (
            shown_from(result.before.cwd),
            seeing_env_reads(runtime_env) if runtime_env is not None else nullcontext(),
            diverting(result.registered_at_exit),
            recording_threads(),
            recording_processes(),
            NETWORK_GUARD.scope(on_refusal=on_refusal, is_legacy_file=LEGACY_SITES.is_legacy_file),
        ):
            yield result
    finally:
        result.added_modules = result.before.modules.added_since()
        result.environ_at_end = environ_now()
        # 5. restore, then verify
        result.before.restore()
        left = result.before.differences()
        if left:
            raise RestoreError(
                f"harness: after {what}, the process differs from its snapshot: {'; '.join(left)}. "
                "Something changed it while the scope was active and put it back differently "
                "(a thread still running, or a patch started inside the test and stopped outside "
                "it); stop it inside the test"
            )


@dataclass
class LoadedService:
    """A legacy module imported under the contract, with what each test needs to reuse it."""

    config: ServiceConfig
    module: ModuleType
    finder: FakeTreeFinder
    env: dict[str, EnvValue]
    recorder: ThreadRecorder
    report: ImportReport
    overlay: dict[str, object]
    state: ModuleState
    runtime: RuntimeDependencies
    runtime_env: RuntimeEnv
    path_entries: list[str]
    # Directories outside its own its code is imported from (`src.routers` from the
    # repository's root, a Lambda layer's folder): searched last, so that nothing else there
    # shadows an installed package.
    path_tail: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)  # top-level packages of its own modules
    root: Path | None = None  # the directory its dotted name starts in
    # Its own code outside `root`: package folders, whole folders, modules without `.py`.
    own_code: list[Path] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)  # during the current test

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def dependencies(self) -> list[Dependency]:
        """What the service got faked so far: decided before the import, during it, and during
        the tests (a package first imported by a thread's target)."""
        return self.runtime.dependencies

    def project_namespaces(self) -> list[dict[str, Any]]:
        """The globals of the service's own modules: the module and every project module
        loaded with it so far (also those a test's run imported first)."""
        places = [self.root or Path(self.config.path).parent, *self.own_code]
        found = [vars(self.module)]
        for module in self.overlay.values():
            if (
                isinstance(module, ModuleType)
                and module is not self.module
                and _is_own(getattr(module, "__file__", None), places)
                and not is_library_file(os.path.abspath(module.__file__ or ""))
            ):
                found.append(vars(module))
        return found

    def fresh(self) -> None:
        """Globals as after the import, no thread recorded since, no refusal noted."""
        self.state.restore()
        self.recorder.reset()
        self.refusals.clear()
        for dependency in self.dependencies:
            dependency.reset()

    @contextmanager
    def active(self) -> Iterator[None]:
        """The ordered scope for a test: the module's world in place, restored at the end."""
        with (
            ordered_scope(
                finder=self.finder,
                overlay=self.overlay,
                env={name: value.value for name, value in self.env.items()},
                path_entries=self.path_entries,
                path_tail=self.path_tail,
                on_refusal=self.refusals.append,
                what=f"a test using {self.name}",
                own=self.own,
                runtime_env=self.runtime_env,
            ) as scope,
            self.runtime.activated(),
        ):
            yield
        # Whatever the test imported in the service's world stays in it (imported once).
        for name, module in scope.added_modules.items():
            if name not in scope.before.modules.modules:
                self.overlay.setdefault(name, module)


def load_service(
    config: ServiceConfig,
    dependencies: Sequence[Dependency],
    facts: ModuleFacts | None,
    *,
    source: DependencySource | None = None,
    kept_real: Sequence[str] = (),
    notes: Sequence[str] = (),
    imported: Sequence[ModuleFacts] = (),
) -> LoadedService:
    """Import `config.path` under the ordered contract (see the module docstring).

    `dependencies`: what is known to need faking before the import (the configuration's `fake`,
    the packages analysis sees); `source` decides the others as the code imports them.
    `imported`: the project modules the service imports (their own code above it counts too)."""
    path = config.path
    reads = facts.env_reads if facts is not None else ()
    env = plan_environment(
        reads,
        config.env,
        path=str(path),
        origin=config.origin,
        backends=_backend_env(dependencies, reads),
    )
    runtime = RuntimeDependencies(config, source, dependencies)
    trees = {d.package: (d.module, d.fidelity) for d in dependencies if d.serves_modules}
    finder = FakeTreeFinder(
        trees,
        is_legacy_file=LEGACY_SITES.is_legacy_file,
        decide=runtime.decide,
        hides=runtime.hides(),
        watches=runtime.candidates,
        stub_missing=runtime.stub_missing,
    )
    runtime.finder = finder
    recorder = ThreadRecorder(config.name)
    named = real_name(path)
    if named is not None:
        module_name, root = named
        own = [module_name.partition(".")[0]]

        def do_import(stops: tuple[type[BaseException], ...]) -> tuple[ModuleType, Any]:
            return import_real(module_name, path, stops=stops)

    else:  # a name that would shadow another module: kept apart under a private prefix
        package, module_name = private_names(config.name, path)
        root, own = path.parent, [package]

        def do_import(stops: tuple[type[BaseException], ...]) -> tuple[ModuleType, Any]:
            return import_file(path, package, module_name, stops=stops)

    # The file's own directory too: run as a script, a legacy file imports its neighbours by name.
    path_entries = list(dict.fromkeys([str(path.parent), str(root)]))
    above: dict[str, str] = {}  # the service's own names found outside its directories
    for module_facts in [facts, *imported] if facts is not None else ():
        found = project_roots(module_facts.path, module_facts.imports)
        for top, directory in found.items():
            above.setdefault(top, directory)
    path_tail = list(dict.fromkeys(above.values()))
    mine = Path(import_root(str(path)))  # a folder above it holds it, one beside it does not
    beside = {top: folder for top, folder in above.items() if not mine.is_relative_to(folder)}
    notes = [*notes, *_beside_notes(beside)]
    # Its own code there is legacy code like its neighbours (its threads are recorded, its env
    # reads get values, what it imports that is not installed is stubbed): a package above it
    # (`/repo/shared`), a whole folder put on the path beside it (`/repo/layer`).
    outside = list(
        dict.fromkeys(
            Path(directory) if top in beside else Path(directory, top)
            for top, directory in above.items()
        )
    )
    LEGACY_SITES.register(str(path), recorder, directory=str(root), modules=map(str, outside))
    runtime_env = RuntimeEnv(env, _project_files([root, *outside]))
    own = [*own, *(top for top in above if top not in own)]
    report = ImportReport(
        service=config.name,
        path=str(path),
        module_name=module_name,
        faked=[(d.package, d.fidelity) for d in dependencies],
        kept_real=list(kept_real),
        env=list(env.values()),
        notes=list(notes),
    )
    if facts is not None:
        report.clients = _clients_expected(facts)
        _preimport_real_modules(facts, set(finder.packages), path, root, above)

    began = time.perf_counter()
    with ExitStack() as stack:
        scope = stack.enter_context(
            ordered_scope(
                finder=finder,
                overlay={},
                env={name: value.value for name, value in env.items()},
                path_entries=path_entries,
                path_tail=path_tail,
                on_refusal=report.refusals.append,
                cwd=config.cwd if config.cwd is not None else root,
                what=f"importing {config.name}",
                own=own,
                runtime_env=runtime_env,
            )
        )
        stack.enter_context(runtime.activated())
        stops = stack.enter_context(loops_at_import(source, dependencies))
        try:
            with time_bound(
                config.import_timeout,
                what=f"importing {config.name}",
                is_legacy_file=LEGACY_SITES.is_legacy_file,
            ):
                module, stopped = do_import(stops)
        except (KeyboardInterrupt, HarnessError):
            raise
        except BaseException as error:  # SystemExit at import is a failed import too
            _ran_with(report, runtime, runtime_env)
            raise _import_failure(error, config, reads, env, report) from error
        if stopped is not None:
            recorder.add(_module_level_loop(module, path, stopped, config))
    report.seconds = time.perf_counter() - began
    _ran_with(report, runtime, runtime_env)
    report.notes += [d.note for d in runtime.dependencies if getattr(d, "note", None)]
    report.notes += [call.describe() for call in scope.registered_at_exit]
    report.served = [served.name for served in finder.served]
    report.env_written = sorted(
        name
        for name, value in scope.environ_at_end.items()
        if name not in env and scope.before.environ.get(name) != value
    )
    recorder.seal_import()
    report.threads = list(recorder.at_import)
    overlay = dict(scope.added_modules)
    siblings = _siblings(module, overlay, [root, *outside])
    LEGACY_SITES.settle(recorder, [module, *siblings])
    return LoadedService(
        config=config,
        module=module,
        finder=finder,
        env=env,
        recorder=recorder,
        report=report,
        overlay=overlay,
        state=_state_after_import(module, siblings, overlay, finder),
        runtime=runtime,
        runtime_env=runtime_env,
        path_entries=path_entries,
        path_tail=path_tail,
        own=own,
        root=root,
        own_code=outside,
    )


def _module_level_loop(
    module: ModuleType, path: Path, stopped: BaseException, config: ServiceConfig
) -> RecordedThread:
    """The service's own top-level code, recorded as a thread when a loop in it was stopped at
    import (see `harness.fakes_adapter.loops_at_import`): a script whose body is a consumer loop
    is a thread that the module runs itself. `legacy.threads.run()` runs that code again, inline,
    in the module's namespace, so the loop consumes what the test produced. A loop in another
    module the service imports cannot be resumed that way: the load fails, saying so."""
    frames = [
        (frame, line)
        for frame, line in traceback.walk_tb(stopped.__traceback__)
        if frame.f_code.co_name == "<module>"
        and LEGACY_SITES.is_legacy_file(os.path.abspath(frame.f_code.co_filename))
    ]
    own = os.path.abspath(path)
    if not frames or os.path.abspath(frames[-1][0].f_code.co_filename) != own:
        where = (
            f"{display_path(frames[-1][0].f_code.co_filename)}:{frames[-1][1]}" if frames else "?"
        )
        raise LegacyImportError(
            f"harness: importing {config.name}: a loop at module level in {where} polled the fake "
            "consumers until they were drained and was stopped there; only the service's own "
            "file can loop at import (its code is then recorded and run inline by "
            f"legacy.threads.run()). Fix: declare that module as the service (path = "
            f'"{display_path(frames[-1][0].f_code.co_filename) if frames else "..."}")'
        ) from None
    line = frames[-1][1]
    loader = module.__spec__.loader if module.__spec__ is not None else None
    code = loader.get_code(module.__name__) if loader is not None else None  # type: ignore[union-attr]
    if code is None:
        raise LegacyImportError(f"harness: {display_path(own)}: its code cannot be read again")

    def module_code() -> None:
        exec(code, vars(module))  # noqa: S102 - the service's own code, as its import ran it

    module_code.__module__ = module.__name__
    module_code.__qualname__ = "<module code>"
    summary = (
        f"loop at module level: {display_path(own)}:{line} polled the fake consumers at import "
        "and was stopped once they were drained; the module's code is recorded as a thread: "
        "legacy.threads.run() runs it again inline, loop included"
    )
    return RecordedThread(
        kind="module code",
        target=module_code,
        args=(),
        kwargs={},
        name=f"{module.__name__} module code",
        daemon=True,
        file=own,
        line=line,
        thread=None,
        started=True,
        summary=summary,
    )


def _project_files(roots: Iterable[Path]) -> Callable[[str], bool]:
    """Whether a frame's file is the service's project code (its env reads get values): a legacy
    file, or a file under one of `roots` that is not a library, a test or a conftest. `roots`:
    the service's import root, and each of its own top-level names found outside it as a
    package folder or a module without its `.py` (`/repo/shared`, `/repo/layer/visit_store`)."""
    roots = list(roots)
    is_library_file("")  # its table is built now, not while a read is being decided
    # Every read of a missing variable asks about each frame it looks through: what depends on
    # the file alone is worked out once per absolute file name (the legacy files can grow).
    known: dict[str, tuple[str, bool]] = {}

    def classify(filename: str) -> tuple[str, bool]:
        filename = os.path.abspath(filename)
        name = os.path.basename(filename)
        return filename, (
            _is_own(filename, roots)
            and not is_library_file(filename)
            and not name.startswith("test_")
            and not name.endswith("_test.py")
            and name != "conftest.py"
        )

    def is_project_file(filename: str) -> bool:
        found = known.get(filename)
        if found is None:
            found = classify(filename)
            if os.path.isabs(filename):  # a relative name depends on the working directory
                known[filename] = found
        absolute, project = found
        return project or LEGACY_SITES.is_legacy_file(absolute)

    return is_project_file


def backend_packages() -> list[str]:
    """Top-level packages that reach a backend (the integrations registry): each is faked
    wherever the service's code imports it, however deep, whatever analysis saw."""
    from harness.integrations import packages_reaching_backends

    return sorted(packages_reaching_backends())


class RuntimeDependencies:
    """The packages one service gets faked, decided while its code runs.

    Before the import, the configuration (`fake`, `keep_real`, `fidelity`) and the packages
    analysis sees give the first dependencies. Every other package of `backend_packages()` is a
    candidate: the finder asks `decide` the first time any code of the service imports it (a
    project module three imports down, a function called at import, a thread's target run
    inline), and a package already loaded when a scope begins (the real `requests`, whose fake
    intercepts calls instead of replacing the module) is decided then. A decided dependency is
    kept for every later test, and activated at once when the decision falls inside a scope.
    """

    def __init__(
        self,
        config: ServiceConfig,
        source: DependencySource | None,
        dependencies: Sequence[Dependency],
    ) -> None:
        self._config = config
        self._source = source
        self.dependencies = list(dependencies)
        self._stack: ExitStack | None = None
        self.finder: FakeTreeFinder | None = None  # set once the service's finder exists
        # Decided only because the process had imported them already (respx's pytest plugin
        # imports httpx in every session): faked in case the service uses them.
        self.loaded_before: set[str] = set()
        known = {d.package for d in dependencies}
        self.candidates = (
            [p for p in backend_packages() if p not in known and p not in config.keep_real]
            if source is not None
            else []
        )

    def hides(self) -> list[str]:
        """Candidates served as fake modules: their real modules leave `sys.modules` in a scope."""
        return [p for p in self.candidates if _serves_modules(p, self._config.fidelity_of(p))]

    def decide(self, package: str) -> tuple[TreeSource, str] | None:
        """What serves `package` now (None: the real package stays, perhaps intercepted)."""
        dependency = next((d for d in self.dependencies if d.package == package), None)
        if dependency is None:
            if package not in self.candidates or self._source is None:
                return None
            dependency = self._source.get(package, self._config.fidelity_of(package))
            if dependency is None:
                return None
            self.dependencies.append(dependency)
            if self._stack is not None:
                self._stack.enter_context(dependency.activate())
        return (dependency.module, dependency.fidelity) if dependency.serves_modules else None

    def stub_missing(self, package: str) -> tuple[TreeSource, str] | None:
        """A stub for `package`, which is not installed, imported unguarded by the service's own
        code where analysis did not look (a module imported inside a factory function, a
        project folder above the service): as if analysis had seen it, with the same note."""
        from harness.dependencies import not_installed_note
        from harness.fidelity import Fidelity

        if self._source is None or package in self._config.keep_real:
            return None
        dependency = self._source.get(package, Fidelity.STUB)
        if dependency is None:
            return None
        dependency.note = not_installed_note(package)  # type: ignore[attr-defined]
        self.dependencies.append(dependency)
        if self._stack is not None:
            self._stack.enter_context(dependency.activate())
        return (dependency.module, dependency.fidelity)

    @contextmanager
    def activated(self) -> Iterator[None]:
        """Every dependency active around the block, and those decided inside it from then on."""
        with ExitStack() as stack:
            for dependency in self.dependencies:
                stack.enter_context(dependency.activate())
            self._stack = stack
            try:
                decided = {d.package for d in self.dependencies}
                for package in self.candidates:
                    if package not in decided and package in sys.modules:
                        self.loaded_before.add(package)
                        if self.finder is not None:
                            self.finder.decide_loaded(package)
                        else:
                            self.decide(package)
                yield
            finally:
                self._stack = None


def _serves_modules(package: str, level: str) -> bool:
    """Whether `package` at `level` is served as fake modules (not the real package)."""
    from harness.integrations import serves_modules

    return serves_modules(package, level)


def _backend_env(dependencies: Sequence[Dependency], reads: Sequence[EnvRead]) -> dict[str, str]:
    """What the dependencies need in the environment (the wire level points KAFKA_PORT at its
    loopback cluster; fakes need nothing). A dependency with `env_for(reads)` tailors it to the
    variables the module reads."""
    env: dict[str, str] = {}
    for dependency in dependencies:
        env_for = getattr(dependency, "env_for", None)
        env.update(env_for(reads) if env_for is not None else dependency.env())
    return env


def _clients_expected(facts: ModuleFacts) -> list[str]:
    """Clients the analysis sees built at import (replaced by what the fakes saw, when they did)."""
    return [
        f"{effect.target} at line {effect.line}"
        + (f" -> {', '.join(effect.assigned_to)}" if effect.assigned_to else "")
        for effect in facts.effects
        if effect.kind.value == "client"
    ]


def _siblings(
    module: ModuleType, overlay: Mapping[str, object], places: Sequence[Path]
) -> list[ModuleType]:
    """Modules of the service's own code (its directory, `places`) that its import loaded
    (`from config import X`)."""
    return [
        m
        for m in overlay.values()
        if isinstance(m, ModuleType)
        and m is not module
        and _is_own(getattr(m, "__file__", None), places)
    ]


def _state_after_import(
    module: ModuleType,
    siblings: list[ModuleType],
    overlay: Mapping[str, object],
    finder: FakeTreeFinder,
) -> ModuleState:
    """The snapshot every test starts from: the module's globals (and its siblings'), and every
    mock reachable from them or from the fake modules it was served."""
    fake_modules = [overlay[served.name] for served in finder.served if served.name in overlay]
    return ModuleState(
        [vars(module), *(vars(m) for m in siblings)],
        owner_module=module.__name__,
        extra_mock_holders=[overlay, *(vars(m) for m in fake_modules if isinstance(m, ModuleType))],
    )


def _beside_notes(beside: Mapping[str, str]) -> list[str]:
    """A report line for each folder beside the service holding its own top-level names
    (`harness.analysis.packages.project_roots_beside`): put on `sys.path`, as its deploy
    would, since nothing installed provides them."""
    tops: dict[str, list[str]] = {}
    for top, folder in beside.items():
        tops.setdefault(folder, []).append(top)
    return [
        f"{', '.join(sorted(names))}: the project's own {display_path(folder)}/, put on the path "
        "for the import as its deploy or install does (a Lambda layer, PYTHONPATH, a src "
        "layout): no installed package provides them"
        for folder, names in tops.items()
    ]


def _preimport_real_modules(
    facts: ModuleFacts, faked: set[str], path: Path, root: Path, own_above: Iterable[str]
) -> None:
    """Import, for real and before the contract, the modules the legacy file imports that stay
    real (standard library, unfaked third parties), at module level or inside functions. Its
    own code is not among them: its neighbours, and `own_above` (its top-level names found in a
    directory above or beside it, `harness.analysis.packages.project_roots`).

    Imported inside a scope, they would be taken out of `sys.modules` with it, and the next
    suite importing them would load a second copy (two `flask`s, two classes for one name; an
    extension module may refuse to load twice). Under the network guard: a real package that
    connects when imported is refused here too. Failures are left for the import under the
    contract to report, with the legacy line. A package whose modules turn out to use a faked
    package (Flask-PyMongo, built on pymongo) is taken back out, with the packages that use it:
    imported under the contract, it is built on the fake.
    """
    local = {
        entry.stem if entry.suffix == ".py" else entry.name
        for directory in {path.parent, root}
        for entry in directory.iterdir()
    } | set(own_above)
    taken_back: set[str] = set()
    with NETWORK_GUARD.scope(on_refusal=lambda refusal: None):
        for binding in facts.imports:
            name = binding.module
            top = name.partition(".")[0]
            if (
                not name
                or name.startswith(".")
                or top in faked
                or top in local
                or top in taken_back
                or name in sys.modules
            ):
                continue
            before = set(sys.modules)
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112  reported, with its line, by the import under the contract
                continue
            finally:
                new = {n: m for n, m in list(sys.modules.items()) if n not in before}
                bound = bound_to(new, faked)
                for module_name in new:
                    if module_name.partition(".")[0] in bound:
                        del sys.modules[module_name]
                taken_back |= bound


def _is_own(filename: str | None, places: Iterable[Path]) -> bool:
    """Whether `filename` is under one of `places` (folders), or is one of them (modules named
    without their `.py`)."""
    if not filename:
        return False
    absolute = os.path.abspath(filename)
    return any(
        absolute.startswith(str(place) + os.sep) or absolute == f"{place}.py" for place in places
    )


def _ran_with(report: ImportReport, runtime: RuntimeDependencies, runtime_env: RuntimeEnv) -> None:
    """The report's lines of what the import ran with, as decided by now (a failed import's
    message shows them too): the environment, and the packages faked."""
    report.env = runtime_env.reported()
    report.faked = [(d.package, d.fidelity) for d in runtime.dependencies]
    report.loaded_before = sorted(runtime.loaded_before)


def _import_failure(
    error: BaseException,
    config: ServiceConfig,
    reads: Sequence[Any],
    env: Mapping[str, EnvValue],
    report: ImportReport,
) -> HarnessError:
    """One message naming the legacy file and line where the import failed, and the fix (with
    what the import ran with, when the failure is not one the harness can name the cause of)."""
    frames = traceback.extract_tb(error.__traceback__)
    legacy = [f for f in frames if LEGACY_SITES.is_legacy_file(os.path.abspath(f.filename))]
    frame = legacy[-1] if legacy else (frames[-1] if frames else None)
    where = (
        f"{display_path(frame.filename)}:{frame.lineno}"
        if frame
        else display_path(str(config.path))
    )
    code = f" `{frame.line.strip()}`" if frame and frame.line else ""
    if isinstance(error, IncompleteFakeTree):
        return LegacyImportError(str(error))
    from harness.extras import install_hint

    hint = install_hint(error)  # a backend the harness built while the service ran (moto's S3)
    if hint is not None:
        return LegacyImportError(f"harness: importing {config.name} failed at {where}:{code} {hint}")
    if isinstance(error, NetworkRefused):
        return LegacyImportError(
            f"harness: importing {config.name} failed at {where}:{code} {error}"
        )
    on_line = env_reads_on_line(reads, frame.lineno) if frame and legacy else []
    if (
        isinstance(error, KeyError)
        and error.args
        and isinstance(error.args[0], str)
        and error.args[0] not in env
    ):
        variable = error.args[0]
        if any(r.name == variable for r in on_line) or "environ" in code or "getenv" in code:
            return EnvError(
                f"{where}: environment variable {variable} is not set when {config.name} is "
                f"imported (analysis could not see this read):{code}. Fix: add "
                f'{variable} = "..." to env in {config.origin or "[tool.harness.services]"}'
            )
    if on_line and isinstance(error, (ValueError, TypeError)):
        values = ", ".join(
            f"{r.name}={env[r.name].value!r} ({env[r.name].source})"
            for r in on_line
            if r.name in env
        )
        names = ", ".join(r.name for r in on_line)
        return EnvError(
            f"{where}: the value of {names} does not work here: {type(error).__name__}: {error}"
            f"{code}. Values given: {values or 'none'}. Fix: set a working value in env of "
            f"{config.origin or '[tool.harness.services]'}"
        )
    message = " ".join(str(error).split())  # a library's message may span lines
    ran_with = "\n".join(report.details())
    return LegacyImportError(
        f"harness: importing {config.name} ({display_path(str(config.path))}) failed at {where}:{code} "
        f"{type(error).__name__}: {message}\n"
        + (f"The import ran with:\n{ran_with}\n" if ran_with else "")
        + "Fix: if it needs a backend or a variable the harness did not give it, declare it with "
        f'fake = ["<package>"] or env = {{...}} in {config.origin or "[tool.harness.services]"}; '
        "an error of the code itself (or of a library version it was not written for) is the "
        "code's to fix"
    )
