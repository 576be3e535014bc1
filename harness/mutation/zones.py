"""Where a mutant sits in a legacy module: its function, and the infrastructure zone it falls in.

Zones are found by name in the source each time it is analysed, never by line number, so they
follow the code when lines move:

* ``main guard``: the ``if __name__ == "__main__":`` block;
* ``client settings``: what a Kafka, Schema Registry or MongoDB client is told at construction
  (addresses, group ids, offset policy), but not the (de)serializers it is given, which decide
  what the service reads and writes, nor the topics a ``KafkaConsumer`` subscribes to;
* ``timing``: poll, sleep and timeout arguments;
* ``message text``: the human-readable value of an ``error``/``message``/... entry of a dict.

A module-level setting whose every read lies in such zones (or in ``print`` calls) joins the
zone of its reads: ``KAFKA_GROUP_ID = os.environ.get(...)`` is a client setting because it is
only ever handed to the consumer. Positions are ``(line, column)`` with 1-based lines and
0-based columns, as `ast` gives them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

MAIN_GUARD = "main guard"
CLIENT_SETTINGS = "client settings"
TIMING = "timing"
MESSAGE_TEXT = "message text"
LOG_OUTPUT = "log output"

# Constructors of the clients whose configuration is infrastructure, not behaviour.
CLIENT_CONSTRUCTORS = frozenset(
    {
        "AdminClient",
        "Consumer",
        "DeserializingConsumer",
        "KafkaConsumer",
        "KafkaProducer",
        "MongoClient",
        "Producer",
        "SchemaRegistryClient",
        "SerializingProducer",
    }
)
# kafka-python's consumer takes the topics it subscribes to as positional arguments.
TOPICS_FIRST = frozenset({"KafkaConsumer"})
# Calls whose arguments are waiting times.
TIMING_METHODS = frozenset({"poll", "flush", "sleep", "consume"})
# Dict keys whose string value is prose for a human reader.
MESSAGE_KEYS = frozenset(
    {"error", "message", "msg", "detail", "details", "reason", "success", "warning"}
)

Position = tuple[int, int]


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position

    def contains(self, start: Position, end: Position) -> bool:
        return self.start <= start and end <= self.end

    @classmethod
    def of(cls, node: ast.AST) -> Span:
        return cls(
            (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        )


@dataclass(frozen=True)
class Scope:
    name: str
    first_line: int  # decorators included
    last_line: int


@dataclass(frozen=True)
class SourceMap:
    """The zones and function scopes of one version of a module's source."""

    zones: tuple[tuple[str, tuple[Span, ...]], ...]
    scopes: tuple[Scope, ...]
    function_lines: frozenset[int]  # lines of statements inside a function body
    # Never noise, whatever zone is around: the name of a required environment variable
    # (`os.environ["KAFKA_IP"]`), whose mutation makes the import fail as in production.
    behaviour: tuple[Span, ...] = ()

    @cached_property
    def zone_lines(self) -> frozenset[int]:
        """Every line some zone touches: a mutant starting elsewhere is in no zone."""
        return frozenset(
            line
            for _, spans in self.zones
            for span in spans
            for line in range(span.start[0], span.end[0] + 1)
        )

    def zone_of(self, start: Position, end: Position) -> str | None:
        """The zone wholly containing the region `start`..`end`, if any."""
        if any(span.contains(start, end) for span in self.behaviour):
            return None
        for name, spans in self.zones:
            if any(span.contains(start, end) for span in spans):
                return name
        return None

    def scope_of(self, line: int) -> str:
        """The innermost function or class around 1-based `line`, or "module level"."""
        inner = [s for s in self.scopes if s.first_line <= line <= s.last_line]
        if not inner:
            return "module level"
        return min(inner, key=lambda s: s.last_line - s.first_line).name


def changed_region(original: str, mutated: str) -> tuple[Position, Position]:
    """The region of `original` that differs from `mutated`, in `original`'s coordinates.

    A pure insertion gives an empty region (start == end) at the insertion point.
    """
    limit = min(len(original), len(mutated))
    prefix = 0
    while prefix < limit and original[prefix] == mutated[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and original[len(original) - 1 - suffix] == mutated[len(mutated) - 1 - suffix]
    ):
        suffix += 1
    return _position(original, prefix), _position(original, len(original) - suffix)


def _position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    # ast columns count UTF-8 bytes; the services are ASCII where it matters, and a
    # non-ASCII prefix only widens the region, which keeps the match conservative.
    return line, len(text[line_start:offset].encode("utf-8"))


@lru_cache(maxsize=16)
def analyse(source: str) -> SourceMap:
    """Zones and scopes of `source` (cached: mutmut asks once per mutant, with the same source)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return SourceMap(zones=(), scopes=(), function_lines=frozenset())
    return _Analysis(tree).result()


class _Analysis:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.module_dicts = _module_dict_literals(tree)
        self.spans: dict[str, list[Span]] = {
            MAIN_GUARD: [],
            CLIENT_SETTINGS: [],
            TIMING: [],
            MESSAGE_TEXT: [],
            LOG_OUTPUT: [],
        }

    def result(self) -> SourceMap:
        for statement in self.tree.body:
            if _is_main_guard(statement):
                self.spans[MAIN_GUARD].append(Span.of(statement))
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Dict):
                self._message_values(node)
        self._settings_closure()
        zones = tuple(
            (name, tuple(spans)) for name, spans in self.spans.items() if spans
        )
        return SourceMap(
            zones=zones,
            scopes=tuple(_scopes(self.tree)),
            function_lines=_function_lines(self.tree),
            behaviour=tuple(_required_env_names(self.tree)),
        )

    def _call(self, call: ast.Call) -> None:
        name = _callee_name(call)
        if name == "print":
            self.spans[LOG_OUTPUT].append(Span.of(call))
        elif name in CLIENT_CONSTRUCTORS:
            self._client_arguments(call, topics_first=name in TOPICS_FIRST)
        elif name in TIMING_METHODS:
            self.spans[TIMING].extend(Span.of(arg) for arg in call.args)
        for keyword in call.keywords:
            if keyword.arg == "timeout":
                self.spans[TIMING].append(Span.of(keyword.value))

    def _client_arguments(self, call: ast.Call, topics_first: bool) -> None:
        settings = self.spans[CLIENT_SETTINGS]
        for arg in call.args:
            config = arg if isinstance(arg, ast.Dict) else None
            if isinstance(arg, ast.Name) and arg.id in self.module_dicts:
                config = self.module_dicts[arg.id]
            if config is not None:
                settings.extend(_setting_entries(config))
            elif not topics_first:
                settings.append(Span.of(arg))
        for keyword in call.keywords:
            if keyword.arg is not None and not _is_serde(keyword.arg):
                settings.append(Span.of(keyword))

    def _message_values(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if (
                isinstance(key, ast.Constant)
                and key.value in MESSAGE_KEYS
                and isinstance(value, (ast.Constant, ast.JoinedStr))
                and (isinstance(value, ast.JoinedStr) or isinstance(value.value, str))
            ):
                self.spans[MESSAGE_TEXT].append(Span.of(value))

    def _settings_closure(self) -> None:
        """Add module-level settings read only inside zones (or by other such settings)."""
        assignments = _module_assignments(self.tree)
        reads = _name_reads(self.tree)
        noise = [
            (zone, span)
            for zone in (MAIN_GUARD, CLIENT_SETTINGS, TIMING, LOG_OUTPUT)
            for span in self.spans[zone]
        ]
        joined: dict[str, str] = {}  # setting name -> the zone it joined
        grew = True
        while grew:
            grew = False
            for name, statements in assignments.items():
                if name in joined or not reads.get(name):
                    continue
                zones = {_zone_around(noise, position) for position in reads[name]}
                if None in zones or zones == {LOG_OUTPUT}:
                    continue  # read by behaviour, or only by print (line rules cover prints)
                joined[name] = zone = min(zones - {LOG_OUTPUT})
                for statement in statements:
                    self._add(noise, zone, Span.of(statement))
                grew = True
            # A module-level `if` that only assigns settings is itself a setting: its test
            # (`if MONGO_USER:`) reads names only to choose between settings.
            for statement in self.tree.body:
                if not isinstance(statement, ast.If) or _is_main_guard(statement):
                    continue
                branches = statement.body + statement.orelse
                targets = set(_assigned_names(branches))
                plain = all(
                    isinstance(s, (ast.Assign, ast.AnnAssign)) for s in branches
                )
                if plain and targets and targets <= joined.keys():
                    grew |= self._add(noise, joined[min(targets)], Span.of(statement))

    def _add(self, noise: list[tuple[str, Span]], zone: str, span: Span) -> bool:
        if (zone, span) in noise:
            return False
        noise.append((zone, span))
        self.spans[zone].append(span)
        return True


def _zone_around(noise: list[tuple[str, Span]], position: Position) -> str | None:
    for zone, span in noise:
        if span.contains(position, position):
            return zone
    return None


def _required_env_names(tree: ast.Module) -> Iterator[Span]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
        ):
            yield Span.of(node.slice)


def _is_serde(key: str) -> bool:
    return "serializer" in key.lower()


def _setting_entries(config: ast.Dict) -> Iterator[Span]:
    for key, value in zip(config.keys, config.values):
        if key is None:  # `**other`: unknown entries, leave them alone
            continue
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and _is_serde(key.value)
        ):
            continue
        yield Span(Span.of(key).start, Span.of(value).end)


def _callee_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_main_guard(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.If) or not isinstance(statement.test, ast.Compare):
        return False
    test = statement.test
    operands = [test.left, *test.comparators]
    names = {o.id for o in operands if isinstance(o, ast.Name)}
    constants = {o.value for o in operands if isinstance(o, ast.Constant)}
    return (
        names == {"__name__"}
        and constants == {"__main__"}
        and isinstance(test.ops[0], ast.Eq)
    )


def _module_level_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import, descending into if/try/with but not into defs or classes."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _module_level_statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _module_level_statements(handler.body)


def _assigned_names(statements: Iterable[ast.stmt]) -> Iterator[str]:
    for statement in statements:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id


def _module_assignments(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    found: dict[str, list[ast.stmt]] = {}
    for statement in _module_level_statements(tree.body):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            for name in _assigned_names([statement]):
                found.setdefault(name, []).append(statement)
    return found


def _module_dict_literals(tree: ast.Module) -> dict[str, ast.Dict]:
    return {
        name: statements[0].value
        for name, statements in _module_assignments(tree).items()
        if len(statements) == 1 and isinstance(statements[0].value, ast.Dict)
    }


def _name_reads(tree: ast.Module) -> dict[str, list[Position]]:
    reads: dict[str, list[Position]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.id, []).append((node.lineno, node.col_offset))
    return reads


def _scopes(tree: ast.Module) -> Iterator[Scope]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            yield Scope(node.name, first, node.end_lineno or node.lineno)


def _function_lines(tree: ast.Module) -> frozenset[int]:
    """Lines of statements that run when a function is called, not when the module is imported."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in node.body:
                lines.update(
                    range(
                        statement.lineno, (statement.end_lineno or statement.lineno) + 1
                    )
                )
    return frozenset(lines)
