"""Import-time side effects: threads, clients, network and filesystem calls, logging and signal
setup, endless loops."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from harness.analysis.collect.scopes import BUILTINS, ScopeWalker, keyword
from harness.analysis.model import EffectKind, SideEffect
from harness.analysis.packages import is_stdlib
from harness.integrations.registry import builds_client, connects

_THREAD_FACTORIES = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "multiprocessing.Process",
        "multiprocessing.Pool",
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
    }
)
# Consumers whose loops the plugin's fake Kafka ends (harness.fakes_adapter.loops_at_import).
_KAFKA_CONSUMERS = frozenset(
    {
        "confluent_kafka.Consumer",
        "confluent_kafka.DeserializingConsumer",
        "kafka.KafkaConsumer",
        "kafka.consumer.KafkaConsumer",
    }
)
_THREAD_BASES = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process"})
_STARTED_AT_ONCE = frozenset({"_thread.start_new_thread", "_thread.start_new"})
_FILESYSTEM_CALLS = frozenset(
    {
        "open",
        "io.open",
        "os.makedirs",
        "os.mkdir",
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.replace",
        "os.rmdir",
        "os.chdir",
        "os.symlink",
        "shutil.rmtree",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "tempfile.mkdtemp",
        "tempfile.mkstemp",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryDirectory",
    }
)
_PATH_WRITERS = frozenset({"mkdir", "touch", "write_text", "write_bytes", "unlink", "rmdir"})
_LOGGING_CALLS = frozenset(
    {
        "logging.basicConfig",
        "logging.config.dictConfig",
        "logging.config.fileConfig",
        "logging.FileHandler",
        "logging.handlers.RotatingFileHandler",
        "logging.handlers.TimedRotatingFileHandler",
    }
)
_SIGNAL_CALLS = frozenset({"signal.signal", "signal.alarm", "signal.setitimer"})
_NETWORK_CALLS = frozenset(
    {
        "urllib.request.urlopen",
        "socket.socket",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    }
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_HTTP_LIBRARIES = frozenset({"requests", "httpx", "httpx2"})

# A third-party callable whose name says it builds a connection or client (for libraries no
# integration declares; those an integration declares are its `client_constructors`).
# Anything else third-party called at import time is reported as a plain CALL.
_CLIENT_NAME = re.compile(
    r"(Client|Consumer|Producer|Session|Connection|Connector|Pool|Engine|Serializer|Deserializer"
    r"|Admin|Channel|Redis|Cluster|Publisher|Subscriber|Broker|Bucket|Resource|Socket|Database)$"
    r"|^(connect|create_engine|create_client|client|resource|from_url|StrictRedis)$"
)


@dataclass
class _Thread:
    effect_index: int
    assigned: tuple[str, ...]
    target: str
    started_line: int | None



class EffectsMixin(ScopeWalker):
    def _start_effects(self, imported_clients: Mapping[str, str]) -> None:
        # Clients built by other modules, by the dotted name this one imports them under.
        self.imported_clients = imported_clients
        self.client_sources: dict[str, str] = {}  # global imported as a client -> its module
        self.started_call_lines: dict[int, int] = {}
        self.handled_calls: set[int] = set()
        self.started_names: dict[str, int] = {}
        self.threads: list[_Thread] = []
        self.thread_classes: set[str] = set()
        self.client_vars: dict[str, str] = {}  # global bound to a client -> what built it
        self.path_vars: set[str] = set()

    def _bound_by_import(self, name: str, qualified: str) -> None:
        built_by = self.imported_clients.get(qualified)
        if built_by is not None and self.at_import_time and not self.class_depth:
            self.client_vars[name] = built_by
            self.client_sources[name] = qualified.rpartition(".")[0]

    def _class_base(self, name: str, base: ast.expr) -> None:
        qualified = self.qualify(base)
        if qualified in _THREAD_BASES or (
            isinstance(base, ast.Name) and base.id in self.thread_classes
        ):
            self.thread_classes.add(name)

    def visit_While(self, node: ast.While) -> None:
        if self.at_import_time and isinstance(node.test, ast.Constant) and node.test.value:
            consumer = self._polled_consumer(node)
            self.effects.append(
                SideEffect(
                    EffectKind.LOOP,
                    "while True",
                    node.lineno,
                    self.col(node),
                    detail=(
                        f"polls the Kafka consumer built as {self.client_vars[consumer]}: the "
                        "harness plugin stops it once its fake consumers are drained"
                        if consumer
                        else "the import never returns"
                    ),
                    # The consumer it polls: a loop the plugin can end (see harness.scaffold.plan).
                    derived_from=consumer or "",
                )
            )
        self.generic_visit(node)

    def _polled_consumer(self, loop: ast.While) -> str | None:
        """The module-level Kafka consumer the loop polls (`msg = consumer.poll(1.0)`), if any."""
        for node in ast.walk(loop):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("poll", "consume")
            ):
                root = root_name(node.func.value)
                if root in self.client_vars and self.client_vars[root] in _KAFKA_CONSUMERS:
                    return root
        return None


    def _assigned_at_import(self, value: ast.expr, names: tuple[str, ...]) -> None:
        if not self.at_import_time or self.class_depth:
            return
        root = root_name(value)
        if root is not None and root in self.client_vars and root not in names:
            built_by = self.client_vars[root]
            self.effects.append(
                SideEffect(
                    EffectKind.CLIENT,
                    built_by,
                    value.lineno,
                    self.col(value),
                    names,
                    detail=f"reached from {root}",
                    derived_from=root,
                )
            )
            for name in names:
                self.client_vars[name] = built_by
            if isinstance(value, ast.Call):
                self.handled_calls.add(id(value))
        if isinstance(value, ast.Call) and self.qualify(value.func) in (
            "pathlib.Path",
            "pathlib.PurePath",
        ):
            self.path_vars.update(names)


    def _record_effect(self, node: ast.Call, qualified: str | None) -> None:
        assigned = self.assigned_by_node.get(id(node), ())
        line, col = node.lineno, self.col(node)
        func = node.func
        if qualified is None and isinstance(func, ast.Name) and func.id in self.thread_classes:
            qualified = func.id
            self._record_thread(node, qualified, f"{func.id}.run", assigned)
            return
        passed = self._client_passed(node)
        if passed is not None:
            self.effects.append(passed)
            return
        on_imported_client = (
            isinstance(func, ast.Attribute) and root_name(func.value) in self.client_sources
        )
        if qualified is None or on_imported_client:
            if isinstance(func, ast.Attribute):
                root = root_name(func.value)
                if root in self.client_vars and func.attr not in ("start", "join"):
                    effect = self._client_call(root, func.attr, line, col, assigned)
                    # In a class body, a call on a client declares (`id = db.Column(...)` in a
                    # Flask-SQLAlchemy model); only one that reaches the server is an effect.
                    if not self.class_depth or effect.kind is EffectKind.NETWORK:
                        self.effects.append(effect)
                elif func.attr in _PATH_WRITERS and (
                    root in self.path_vars
                    or (
                        isinstance(func.value, ast.Call)
                        and self.qualify(func.value.func) in ("pathlib.Path", "pathlib.PurePath")
                    )
                ):
                    self.effects.append(
                        SideEffect(
                            EffectKind.FILESYSTEM, f"pathlib.Path.{func.attr}", line, col, assigned
                        )
                    )
            return
        if qualified in _THREAD_FACTORIES:
            if qualified == "threading.Timer":
                target = node.args[1] if len(node.args) > 1 else keyword(node, "function")
            else:
                target = keyword(node, "target")
            self._record_thread(node, qualified, _dotted(target), assigned)
        elif qualified in _STARTED_AT_ONCE:
            target = _dotted(node.args[0]) if node.args else ""
            self.effects.append(
                SideEffect(
                    EffectKind.THREAD,
                    qualified,
                    line,
                    col,
                    assigned,
                    detail=f"target={target}; started at line {line}",
                )
            )
        elif qualified in _NETWORK_CALLS or (
            qualified.split(".", 1)[0] in _HTTP_LIBRARIES
            and qualified.rsplit(".", 1)[-1] in _HTTP_VERBS
        ):
            self.effects.append(SideEffect(EffectKind.NETWORK, qualified, line, col, assigned))
        elif qualified in _FILESYSTEM_CALLS:
            self.effects.append(SideEffect(EffectKind.FILESYSTEM, qualified, line, col, assigned))
        elif qualified in _LOGGING_CALLS:
            self.effects.append(SideEffect(EffectKind.LOGGING, qualified, line, col, assigned))
        elif qualified in _SIGNAL_CALLS:
            self.effects.append(SideEffect(EffectKind.SIGNAL, qualified, line, col, assigned))
        elif self._is_third_party(qualified):
            kind = (
                EffectKind.CLIENT
                if builds_client(qualified) or _CLIENT_NAME.search(qualified.rsplit(".", 1)[-1])
                else EffectKind.CALL
            )
            self.effects.append(SideEffect(kind, qualified, line, col, assigned))
            if kind is EffectKind.CLIENT and not self.class_depth:
                for name in assigned:
                    self.client_vars[name] = qualified

    def _client_call(
        self, root: str, method: str, line: int, col: int, assigned: tuple[str, ...]
    ) -> SideEffect:
        """A method called at import on a client (or an object reached from one): a connection
        when the client's integration says the method reaches the server at once."""
        built_by = self.client_vars[root]
        detail = f"on the client built as {built_by}"
        if root in self.client_sources:
            detail += f", imported from {self.client_sources[root]}"
        return SideEffect(
            EffectKind.NETWORK if connects(built_by, method) else EffectKind.CALL,
            f"{root}.{method}",
            line,
            col,
            assigned,
            detail=detail,
            derived_from=root,
        )

    def _client_passed(self, node: ast.Call) -> SideEffect | None:
        """`Base.metadata.create_all(bind=engine)`: a method that reaches the server of a client
        given as an argument (on an object that is not a client itself)."""
        func = node.func
        if not isinstance(func, ast.Attribute) or root_name(func.value) in self.client_vars:
            return None
        for argument in (*node.args, *(k.value for k in node.keywords)):
            if (
                isinstance(argument, ast.Name)
                and argument.id in self.client_vars
                and connects(self.client_vars[argument.id], func.attr)
            ):
                effect = self._client_call(
                    argument.id, func.attr, node.lineno, self.col(node),
                    self.assigned_by_node.get(id(node), ()),
                )
                return replace(
                    effect,
                    target=_dotted(func) or func.attr,
                    detail=effect.detail.replace("on the client", "with the client", 1),
                )
        return None

    def _record_thread(
        self, node: ast.Call, qualified: str, target: str, assigned: tuple[str, ...]
    ) -> None:
        self.effects.append(
            SideEffect(EffectKind.THREAD, qualified, node.lineno, self.col(node), assigned)
        )
        self.threads.append(
            _Thread(len(self.effects) - 1, assigned, target, self.started_call_lines.get(id(node)))
        )

    def _is_third_party(self, qualified: str) -> bool:
        """`qualified` came through an import (or is a builtin): is it someone else's code?"""
        if qualified.startswith(".") or ("." not in qualified and qualified in BUILTINS):
            return False
        top = qualified.split(".", 1)[0]
        return not (top == self.own_top or top in self.local_packages or is_stdlib(top))


    def _finish_threads(self) -> None:
        for thread in self.threads:
            started = thread.started_line
            if started is None:
                started = next(
                    (self.started_names[n] for n in thread.assigned if n in self.started_names),
                    None,
                )
            effect = self.effects[thread.effect_index]
            state = f"started at line {started}" if started else "not started at import"
            self.effects[thread.effect_index] = SideEffect(
                effect.kind,
                effect.target,
                effect.line,
                effect.col,
                effect.assigned_to,
                detail=f"target={thread.target}; {state}",
            )



def _dotted(node: ast.expr | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Lambda):
        return "<lambda>"
    return ""


def root_name(node: ast.expr) -> str | None:
    """`client` for `client["db"]["coll"]`, `client.db`, `client.get_database("x")`."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None

