"""The facts `harness scan`, `harness init` and the plugin read for a module: one code path.

`harness.analysis` reads one file. What a module does at import also depends on the project
modules it imports, and two things cross that line in legacy code:

- an environment helper defined in `helpers.py` and called here (`harness.scaffold.env_helpers`);
- a client built there and used here: `application/__init__.py` builds `db = SQLAlchemy(app)`,
  `create.py` does `from application import db` then `db.create_all()` at module level. The
  analysis of `create.py` is given the clients the modules it imports hold once imported
  (`ModuleFacts.clients`, followed through re-exports: `from .extensions import db` in a package
  `__init__`), so `db.create_all()` is a connection at import in `create.py` as it would be in
  `application/__init__.py`.

`ModuleReader` reads each file once and is shared by a whole scan or plan; `reader(path)` raises
`AnalysisError` for the file asked for, and a project module it imports that cannot be read is
left out (its own scan or import reports it).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping

from harness.analysis.depth import NESTED_TOO_DEEPLY
from harness.analysis.model import AnalysisError, ModuleFacts
from harness.scaffold.env_helpers import with_helper_env_reads
from harness.scaffold.project import project_bindings

Analyze = Callable[..., ModuleFacts]

# How many project modules deep a client is followed (a re-export of a re-export...).
_MAX_DEPTH = 8


class ModuleReader:
    """Facts of project modules, each file analysed once (and once more per set of clients it
    imports)."""

    def __init__(self, analyze: Analyze | None = None) -> None:
        if analyze is None:
            from harness.analysis import analyze_file as analyze
        self._analyze = analyze
        self._read: dict[tuple[str, tuple[tuple[str, str], ...]], ModuleFacts | AnalysisError] = {}
        self._done: dict[str, ModuleFacts] = {}

    def __call__(self, path: str) -> ModuleFacts:
        """The facts of the module at `path`, with what the project modules it imports tell."""
        key = os.path.abspath(path)
        if key not in self._done:
            facts = self._with_imported_clients(path, frozenset({key}), {})
            self._done[key] = with_helper_env_reads(facts)
        return self._done[key]

    def analysed(self, path: str, clients: Mapping[str, str] | None = None) -> ModuleFacts:
        """The analysis of the file alone (given `clients`: with those imported clients)."""
        key = (os.path.abspath(path), tuple(sorted((clients or {}).items())))
        if key not in self._read:
            try:
                if clients:
                    self._read[key] = self._analyze(path, imported_clients=dict(clients))
                else:
                    self._read[key] = self._analyze(path)
            except AnalysisError as error:
                self._read[key] = error
            except RecursionError:
                self._read[key] = AnalysisError(path, 1, f"cannot analyse: {NESTED_TOO_DEEPLY}")
        found = self._read[key]
        if isinstance(found, AnalysisError):
            raise found
        # One analysis per file, shown under the path it was asked for this time.
        return found if found.path == path else dataclasses.replace(found, path=path)

    def _with_imported_clients(
        self, path: str, importing: frozenset[str], exported: dict[str, dict[str, str]]
    ) -> ModuleFacts:
        """The module analysed with the clients of the project modules it imports; `importing`:
        the modules whose import is under way (a cycle is not followed back into them);
        `exported`: the clients each module already followed holds, for this one question."""
        facts = self.analysed(path)
        clients: dict[str, str] = {}
        for binding, target, is_module in project_bindings(facts):
            # `from application import db`: a name the module defines. (A module bound as a
            # name, `import ext` then `ext.db.create_all()`, is not followed.)
            if is_module or target in importing or len(importing) > _MAX_DEPTH:
                continue
            if target not in exported:
                try:
                    followed = self._with_imported_clients(target, importing | {target}, exported)
                except AnalysisError:
                    followed = None
                exported[target] = dict(followed.clients) if followed is not None else {}
            held = exported[target]
            if binding.name in held:
                clients[binding.qualified] = held[binding.name]
        return self.analysed(path, clients) if clients else facts
