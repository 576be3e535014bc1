"""The warm runner's first step: run the suite once on the intact code and learn from it.

Every line of the files under mutation is labelled with the test phase that ran it (see
`selection`), and `sys.modules` is watched before each test, so the server knows which modules
the suite replaces with fakes and must never import for real itself. Called in a forked child of
the server: it imports the project's code, which the server itself must not.
"""

from __future__ import annotations

import builtins
import os
import sys
import time
import types
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.mutation.selection import (
    AFTER_TESTS,
    BEFORE_TESTS,
    CoverageMap,
    phase_label,
    shared_label,
)


def is_genuine(module: object) -> bool:
    """True for a module loaded from a file (or built in); False for fakes and MagicMocks."""
    if not isinstance(module, types.ModuleType):
        return False
    spec = getattr(module, "__spec__", None)
    if spec is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    if spec.origin is None:
        return spec.submodule_search_locations is not None  # namespace package
    return os.path.isfile(spec.origin)


_WATCHER = """
def watching_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = original(name, globals, locals, fromlist, level)
    if level == 0:
        report(name, fromlist)
    return module
"""


class PassObserver:
    """pytest plugin: labels coverage contexts by test phase and records faked modules."""

    def __init__(self, coverage: Any) -> None:
        self.coverage = coverage
        self.tests: list[str] = []
        # Names seen bound to something not genuinely imported (a MagicMock, a fake tree).
        self.faked: set[str] = set()
        # Names seen genuinely imported, and among the faked ones, those whose fake replaced
        # a genuine module already there: the suite installs that fake whatever is loaded,
        # so the server may load the genuine one beforehand.
        self.genuine: set[str] = set()
        self.replaced: set[str] = set()

    def observe(self, name: str, module: object) -> None:
        if is_genuine(module):
            self.genuine.add(name)
        elif name not in self.faked:
            self.faked.add(name)
            if name in self.genuine:
                self.replaced.add(name)

    def observe_modules(self) -> None:
        for name, module in list(sys.modules.items()):
            if module is not None:
                self.observe(name, module)

    def watch_imports(self) -> None:
        """See fakes that exist only while a conftest imports the service, then are removed.

        Wraps `builtins.__import__` for the rest of this (forked, throw-away) process: every
        `import` statement, the service's own included, reports what it was given.
        """
        namespace = {"original": builtins.__import__, "report": self._imported}
        # Compiled under a name outside the harness's folder: the plugin's finder gives real
        # modules to imports the harness itself makes and fakes to those of the code under
        # test, judging by the innermost frame that is either's; the watcher's own frame must
        # not make every import of the service look like the harness's.
        exec(compile(_WATCHER, "<import watch>", "exec"), namespace)  # noqa: S102
        builtins.__import__ = namespace["watching_import"]

    def _imported(self, name: str, fromlist: Any) -> None:
        parts = name.split(".")
        names = [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
        names += [f"{name}.{item}" for item in fromlist or () if item != "*"]
        for looked_up in names:
            bound = sys.modules.get(looked_up)
            if bound is not None:
                self.observe(looked_up, bound)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, Any, Any]:
        self.coverage.switch_context("")
        try:
            return (yield)
        finally:
            self.coverage.switch_context(AFTER_TESTS)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.tests = [item.nodeid for item in session.items]
        self.observe_modules()

    def _phase(self, item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
        self.coverage.switch_context(phase_label(item.nodeid, phase))
        try:
            return (yield)
        finally:
            self.coverage.switch_context("")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        self.observe_modules()
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._phase(item, "teardown"))

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any]
    ) -> Generator[None, Any, Any]:
        if fixturedef.scope == "function":
            return (yield)
        previous = self.coverage.switch_context(
            shared_label(fixturedef.scope, fixturedef.argname)
        )
        try:
            return (yield)
        finally:
            self.coverage.switch_context(previous or "")


def run(
    root: Path, files: list[str], pytest_args: list[str], protected: list[Path]
) -> dict[str, Any]:
    """Run the suite under coverage in this process; return what the server needs, as JSON."""
    import coverage

    absolute = {str((root / f).resolve()): f for f in files}
    cov = coverage.Coverage(data_file=None, config_file=False, include=list(absolute))
    observer = PassObserver(cov)
    observer.watch_imports()
    started = time.monotonic()
    cov.start()
    # Configuration and collection, until the run loop starts.
    cov.switch_context(BEFORE_TESTS)
    try:
        exit_code = int(pytest.main(pytest_args, plugins=[observer]))
    finally:
        cov.stop()
    observer.observe_modules()
    data = cov.get_data()
    lines = {
        relative: {
            int(n): set(c) for n, c in (data.contexts_by_lineno(path) or {}).items()
        }
        for path, relative in absolute.items()
    }
    before = {
        label
        for by_line in lines.values()
        for labels in by_line.values()
        for label in labels
        if label == BEFORE_TESTS
    }
    return {
        "exit_code": exit_code,
        "runs_before_tests": bool(before),
        "seconds": time.monotonic() - started,
        "coverage": CoverageMap(tests=observer.tests, lines=lines).to_json(),
        # Fakes that must stay fakeable: the server never imports the genuine module.
        "faked": sorted(observer.faked - observer.replaced),
        "candidates": warm_candidates(
            sys.modules, observer.faked - observer.replaced, protected
        ),
    }


def warm_candidates(
    modules: Mapping[str, object], faked: set[str], protected: list[Path]
) -> list[str]:
    """Modules the suite imported for real, parents first, but not the suite's own.

    Test modules and conftests (anything under a `protected` path, and `conftest`/`test*`
    names) are left to each child. Whether a candidate would drag in a faked module or the code
    under mutation is checked later, by importing it in a probe (`server.clashes`).
    """
    roots = [p.resolve() for p in protected]
    names = []
    for name, module in modules.items():
        top = name.partition(".")[0]
        if module is None or not is_genuine(module) or name in faked or top in faked:
            continue
        if top in (
            "__main__",
            "__mp_main__",
            "mutmut_config",
            "conftest",
        ) or top.startswith("test"):
            continue
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if origin and any(_within(Path(origin), root) for root in roots):
            continue
        names.append(name)
    return sorted(names, key=lambda n: (n.count("."), n))


def _within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (OSError, ValueError):
        return False
    return True
