"""What a test module or conftest does to prepare the code under test, read from its `ast`.

The linter compares these records with the `ModuleFacts` of the modules under test: the patch
targets, the `sys.modules` fakes, the environment set, the thread patches, and where the code
under test gets imported, each with *when* it is in effect (its scope and, for `with` blocks and
decorators, the lines it covers).  Like the analysis tables, this never imports what it reads.

The walk is split by family, one module each: `model` (the records), `scopes` (the shared walk:
functions, fixtures, when a setup is in effect), `bindings` (imports, constants, assignments),
`patches` (patches and mock state), `environment` (`sys.modules` and `os.environ` items) and
`calls` (how a call is classified).
"""

from __future__ import annotations

import ast
import re

from harness.lint.setup_facts.calls import CallsMixin
from harness.lint.setup_facts.model import (
    EnvSet,
    Function,
    ImportEvent,
    Literal,
    ModuleFake,
    PatchCall,
    ResetMock,
    ReturnValueSet,
    SetupFacts,
    Where,
)

__all__ = [
    "EnvSet",
    "Function",
    "ImportEvent",
    "Literal",
    "ModuleFake",
    "PatchCall",
    "ResetMock",
    "ReturnValueSet",
    "SetupFacts",
    "Where",
    "collect_setup",
    "noqa_lines",
]

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


class _SetupCollector(CallsMixin):
    # ------------------------------------------------------------------ result

    def facts(self, tree: ast.Module) -> SetupFacts:
        self.visit(tree)
        return SetupFacts(
            path=self.path,
            patches=tuple(self.patches),
            fakes=tuple(self.fakes),
            fakes_unknown=tuple(self.fakes_unknown),
            env=tuple(self.env),
            env_unknown=tuple(self.env_unknown),
            imports=self.imports_when_run(),
            sys_path=tuple(self.sys_path),
            return_values=tuple(self.return_values),
            resets=tuple(self.resets),
            functions=self._functions_worth_keeping(),
            shared_names=frozenset(self.shared_names),
            noqa=noqa_lines(self.text),
        )



def noqa_lines(text: str) -> dict[int, frozenset[str] | None]:
    """`# noqa` comments by line: the codes they name, or None for a bare `# noqa` (every code)."""
    if "noqa" not in text and "NOQA" not in text:
        return {}
    found: dict[int, frozenset[str] | None] = {}
    for match in _NOQA.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        codes = match.group("codes")
        found[line] = (
            frozenset(code.upper() for code in re.split(r"[\s,]+", codes) if code)
            if codes
            else None
        )
    return found


def collect_setup(tree: ast.Module, text: str, path: str) -> SetupFacts:
    """Setup facts of a parsed test module or conftest."""
    return _SetupCollector(text, path).facts(tree)
