"""One pass over a module's `ast` that fills its `ModuleFacts`.

Built on the standard library's `ast` rather than libcst on purpose: these tables are needed for
every file a lint run touches, and `ast.parse` is about ten times faster than a libcst parse (and
libcst's qualified-name metadata costs another eight to ten parses).  libcst is kept for the few
files that must be rewritten.

Function bodies are walked statement by statement (for their imports and `global` names) unless
the text mentions the environment or a dynamic import, in which case expressions inside them
matter too; module-level code is always walked in full.

The walk is split by fact family, one module each, so a change to one family is made in one
place: `scopes` (the shared walk and name resolution), `bindings` (imports and bindings),
`env_reads` (environment reads), `effects` (import-time side effects) and `calls` (how a call
is classified and handed to a family).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from harness.analysis.collect.calls import CallsMixin
from harness.analysis.model import ModuleFacts


class _Collector(CallsMixin):
    def __init__(
        self,
        text: str,
        path: str,
        module_name: str | None,
        local_packages: frozenset[str],
        imported_clients: Mapping[str, str],
    ) -> None:
        super().__init__(text, path, module_name, local_packages)
        self._start_env_reads()
        self._start_effects(imported_clients)

    def facts(self, tree: ast.Module) -> ModuleFacts:
        self.visit(tree)
        self._resolve_helper_calls()
        self._finish_threads()
        reads = tuple(self._finish_read(read) for read in self.reads)
        return ModuleFacts(
            path=self.path,
            module_name=self.module_name,
            imports=tuple(self.imports),
            env_reads=reads,
            effects=tuple(self.effects),
            definitions=frozenset(self.definitions),
            unknowable=tuple(self.unknowable),
            clients=tuple(self.client_vars.items()),
        )



def collect(
    tree: ast.Module,
    text: str,
    path: str,
    module_name: str | None,
    local_packages: frozenset[str] = frozenset(),
    imported_clients: Mapping[str, str] | None = None,
) -> ModuleFacts:
    """Facts of a parsed module: the building block of `analyze_source` and the linter.

    `imported_clients`: clients other modules build, by the dotted name the module imports them
    under (`{"application.db": "flask_sqlalchemy.SQLAlchemy"}`): calls on them at import are
    effects like calls on the module's own clients (`harness.scaffold.module_facts`)."""
    return _Collector(text, path, module_name, local_packages, imported_clients or {}).facts(tree)
