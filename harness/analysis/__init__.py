"""Static import and side-effect tables, shared by `harness lint`, `harness scan`/`init` and the plugin.

Nothing here imports or runs the code it reads: it parses with the standard library's `ast`.

    from harness.analysis import analyze_file, analyze_source, third_party_packages

    facts = analyze_file("legacy_services/current/current.py")     # -> ModuleFacts
    facts = analyze_source(text, "svc.py", module_name="svc")      # same, from a string

Both raise `AnalysisError(path, line, message)` (syntax error, undecodable or binary bytes,
unreadable path, file above `max_bytes`); `str(error)` is the one line to show a user.

`ModuleFacts` (see `model.py`; every record is frozen, lines and columns are 1-based):
- `imports`: one `ImportBinding` per bound name, source order; relative imports resolved
  against `module_name` (left with their dots when it is unknown); `at_import_time` is False
  inside functions, `if __name__ == "__main__":` and `if TYPE_CHECKING:`.  A star import is
  `name="*", bound_as="*"`; `importlib.import_module("x")`/`__import__("x")` with a literal is
  `name=None, bound_as=<assigned name or "">`.  `optional` marks imports inside `try:` blocks
  that catch ImportError (the module copes without them).  `facts.binding("x")` finds the
  import bound to x.
- `env_reads`: one `EnvRead` per literal read: `required` for `os.environ["X"]`, `default` for
  `.get`/`getenv`/`setdefault` with a literal default (also `getenv("X") or "d"`), `none_breaks`
  when there is no default and the value meets `int()`, `+`, a method call, indexing or `in`;
  `use` from conversions (int/float/bool comparison) and names (`_PORT`, `_URL`, `_HOST`/`_IP`).
  Reads through a module-level helper (`def env(name): return os.environ[name]`) are resolved
  where the helper is called with a literal.
- `effects`: what runs at import (`SideEffect.kind`): CLIENT (third-party constructor an
  integration declares, `harness.integrations` `client_constructors`, or whose name says
  client/consumer/producer/session…, with `assigned_to`; objects reached from one,
  `db = client["x"]`, are CLIENT too with `derived_from="client"`), NETWORK for a method of such
  a client that reaches its server at once (the integration's `connecting_methods`:
  `db.create_all()`), CALL (other third-party calls, and other method calls on those
  clients), THREAD (`threading.Thread`/`Timer`, `from threading
  import Thread`, Thread subclasses, `multiprocessing.Process`, executors; `detail` is
  `"target=<fn>; started at line N"` or `"target=<fn>; not started at import"`), FILESYSTEM,
  LOGGING, SIGNAL, NETWORK, LOOP (`while True`).
- `clients`: module globals holding a client after the import, with what built it; with
  `imported_clients` (`{"ext.db": "flask_sqlalchemy.SQLAlchemy"}`), a client another module
  builds and this one imports counts as one of its own.
- `definitions`: names bound at module level (plus names a function declares `global`).
- `unknowable`: what cannot be decided statically (star imports, computed env names, env helpers,
  dynamic imports of computed names, `globals()` writes, `exec`, module `__getattr__`).

Third-party is decided against the standard library (`sys.stdlib_module_names`), the module's
own package, and `local_packages` (top-level names found next to the file and in its import
root; `analyze_file` fills them from disk, `analyze_source` takes them as an argument).

`third_party_packages(facts_or_many, source_roots=())` -> `{"confluent_kafka":
("confluent_kafka", "confluent_kafka.schema_registry", "confluent_kafka.schema_registry.avro")}`:
the package trees to fake to import the module offline (import-time imports only unless
`include_deferred=True`).  `module_name_for(path)` and `import_root(path)` give the dotted name
a file imports under and the directory that must be on `sys.path` for it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from harness.analysis.collect import collect
from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.model import (
    AnalysisError,
    EffectKind,
    EnvRead,
    EnvUse,
    ImportBinding,
    ModuleFacts,
    SideEffect,
    Unknowable,
)
from harness.analysis.packages import (
    import_root,
    is_stdlib,
    local_packages,
    module_name_for,
    third_party_packages,
)
from harness.analysis.source import DEFAULT_MAX_BYTES, decode, parse, read_bytes

__all__ = [
    "AnalysisError",
    "EffectKind",
    "EnvRead",
    "EnvUse",
    "ImportBinding",
    "ModuleFacts",
    "SideEffect",
    "Unknowable",
    "analyze_file",
    "analyze_source",
    "import_root",
    "is_stdlib",
    "local_packages",
    "module_name_for",
    "third_party_packages",
]


def analyze_source(
    source: str,
    path: str,
    module_name: str | None = None,
    *,
    local_packages: Collection[str] = (),
    imported_clients: Mapping[str, str] | None = None,
) -> ModuleFacts:
    """Facts of one module given as text; `path` is only used in messages and `facts.path`.
    `imported_clients`: see `harness.analysis.collect.collect`."""
    tree = parse(source, path)
    try:
        return deeply(
            collect, tree, source, path, module_name, frozenset(local_packages), imported_clients
        )
    except RecursionError:
        raise AnalysisError(path, 1, f"cannot analyse: {NESTED_TOO_DEEPLY}") from None


def analyze_file(
    path: str | os.PathLike[str],
    module_name: str | None = None,
    *,
    source_roots: Collection[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    imported_clients: Mapping[str, str] | None = None,
) -> ModuleFacts:
    """Facts of one file; its dotted name is derived from `__init__.py` packages when not given."""
    path = os.fspath(path)
    text = decode(read_bytes(path, max_bytes), path)
    name = module_name or module_name_for(path)
    local = local_packages(path, source_roots)  # the module-level function, not the keyword
    return analyze_source(
        text, path, name, local_packages=local, imported_clients=imported_clients
    )
