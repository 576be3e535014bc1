"""The objects behind the plugin's fixtures: public, typed, documented for test authors.

Annotate with them::

    from harness.fixtures import KafkaFixture, LegacyFixture, MongoFixture

    def test_newest_event_wins(legacy: LegacyFixture, kafka: KafkaFixture) -> None: ...

Every error a user can cause (configuration, environment, a loop that does not stop) fails the
test with one message naming the file, the line and the fix, without a harness traceback.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn, ParamSpec, TypeVar

import pytest

from harness.errors import HarnessError
# The router whose methods HttpFixture hands on (the standard library only: cheap to import).
from harness.fakes.http import HttpRouter
from harness.fidelity import LEVELS as FIDELITY_LEVELS

if TYPE_CHECKING:
    from harness.config import ServiceConfig
    from harness.contract import LoadedService
    from harness.fakes.http import HttpRequest, Route
    from harness.fakes.kafka_broker import Broker, Record
    from harness.fakes.s3 import S3Store
    from harness.fakes.schema_registry import SchemaRegistry
    from harness.fakes.sql import Database, Redirect
    from harness.fakes.tree import ClientBuilt
    from harness.session import HarnessSession
    from harness.threads import InlineRun, RecordedThread

# The `library` a fake records for a Kafka client (the registry and admin clients are not ones).
_KAFKA_LIBRARIES = frozenset({"confluent_kafka", "kafka"})

__all__ = [
    "HttpFixture",
    "KafkaFixture",
    "KafkaMessage",
    "LegacyFixture",
    "LegacyThreads",
    "MetricsFixture",
    "MongoFixture",
    "RedisFixture",
    "S3Fixture",
    "SentryFixture",
    "SqlFixture",
]


def _fail(error: HarnessError) -> NoReturn:
    """Fail the test with the error's message only: the harness traceback would point away
    from the user's code or configuration, which the message names."""
    __tracebackhide__ = True
    raise pytest.fail.Exception(str(error), pytrace=False) from None


class LegacyFixture:
    """The `legacy` fixture: loads legacy modules under the import contract, with fresh state.

    `legacy.load("current")` imports the service declared as `current` in `[tool.harness]` the
    first time any test asks for it (once per session and xdist worker), and returns the module.
    Before the test sees it, the module's globals are put back as they were right after the
    import, and the fakes are empty. Until the test ends, the module's world is in place: its fakes
    in `sys.modules`, its environment in `os.environ`, thread capture and the network guard on.
    """

    def __init__(
        self, session: HarnessSession, node: pytest.Item, *, report_property: str = "harness_import"
    ) -> None:
        self._session = session
        self._node = node
        self._report_property = report_property
        self._active: list[LoadedService] = []
        self._fixtures: dict[str, Any] = {}
        self._stack = ExitStack()
        self._watch: Any = None  # the broker's watch of the test's thread (DrainSession)
        self._stop_reported = False
        self.threads = LegacyThreads(self)
        self._names = _ServiceNames(self)
        sys.meta_path.insert(0, self._names)

    def load(
        self,
        name: str,
        *,
        env: Mapping[str, str] | None = None,
        fidelity: str | Mapping[str, str] | None = None,
    ) -> ModuleType:
        """The legacy module `name`, imported under the contract, with fresh state.

        `name` is a service of `[tool.harness.services]`, or a path to a `.py` file (relative to
        the rootdir). `env` and `fidelity` override the configuration for this load; each
        distinct combination is imported once per session (and kept apart from the others).
        `fidelity` is a level for every dependency ("stub", "fake", "wire") or a mapping per
        package, e.g. `{"pymongo": "stub"}`.
        """
        __tracebackhide__ = True
        try:
            config = self._session.service_config(name, env=env, fidelity=fidelity)
            self._skip_unless_pinned_level(config)
            with self._names.importing():
                loaded, imported_now = self._session.load(config)
        except HarnessError as error:
            _fail(error)
        if imported_now:
            # Carried by the test's reports (across xdist too) to the terminal summary.
            self._node.user_properties.append((self._report_property, loaded.report.render()))
        if loaded not in self._active:
            for other in self._active:
                if other.config.name == loaded.config.name:
                    _fail(
                        HarnessError(
                            f"harness: {name!r} is already loaded in this test with another "
                            "configuration; load one variant per test"
                        )
                    )
            loaded.fresh()
            try:
                self._stack.enter_context(loaded.active())
            except HarnessError as error:
                _fail(error)
            self._active.append(loaded)
            self._watch_test_thread(loaded)
        return loaded.module

    def _watch_test_thread(self, loaded: LoadedService) -> None:
        """A consumer loop the test calls in its own thread (`svc.main()`, not through
        `legacy.threads.run`) is stopped once it keeps waiting on a drained log, and the test
        fails saying so (`stopped_loop`), instead of hanging."""
        from harness.fakes_adapter import consumes_kafka

        if self._watch is None and consumes_kafka(loaded.dependencies):
            self._watch = self._stack.enter_context(
                self._session.source.watch_thread(on_swallowed=self._end_session)
            )

    def _end_session(self, watch: Any) -> NoReturn:
        """The stopped loop caught the stop and polled again (a bare `except:` around its
        poll): whatever it is raised, it goes round again, and the test's thread cannot be
        parked as an inline run's is. The one way out that is no hang: say so and end the
        process (under xdist, the worker: the test is reported as crashed)."""
        message = (
            f"{watch.stop}. It caught the stop in {watch.swallowed} and polled again, so nothing "
            "can end that loop in the test's thread: the harness ends the test process here."
        )
        capture = self._node.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.suspend_global_capture(in_=True)
        sys.stderr.write(f"\n{self._node.nodeid}: {message}\n")
        sys.stderr.flush()
        from harness.processes import _REAL_EXIT

        _REAL_EXIT(1)  # not os._exit: refused while legacy frames are on the stack

    def stopped_loop(self) -> str | None:
        """Once: the message of the consumer loop stopped in the test's own thread since the last
        call (it fails the test, whether the loop's caller let the stop through or not)."""
        stop = getattr(self._watch, "stop", None)
        if stop is None or self._stop_reported:
            return None
        self._stop_reported = True
        return str(stop)

    def _skip_unless_pinned_level(self, config: ServiceConfig) -> None:
        """Skip the test, before any import, when a `harness_fidelity` marker excludes a level
        the service is configured with in this run."""
        __tracebackhide__ = True
        marker = self._node.get_closest_marker("harness_fidelity")
        if marker is None:
            return
        wanted = set(marker.args)
        unknown = wanted - set(FIDELITY_LEVELS)
        if not wanted or unknown:
            _fail(
                HarnessError(
                    f"{self._node.nodeid}: harness_fidelity needs levels among "
                    f"{', '.join(FIDELITY_LEVELS)}, got {', '.join(map(repr, marker.args)) or 'none'}"
                )
            )
        outside = sorted(config.levels - wanted)
        if outside:
            pytest.skip(
                f"pinned to {'/'.join(sorted(wanted))}: {config.name} is loaded at "
                f"{'/'.join(outside)} in this run"
            )

    def service(self, name: str) -> LoadedService:
        """The loaded service `name` (its config, env, report, recorder), loaded by this test."""
        __tracebackhide__ = True
        for loaded in self._active:
            if loaded.config.name == name or loaded.module.__name__ == name:
                return loaded
        _fail(
            HarnessError(
                f"harness: {name!r} is not loaded in this test; call legacy.load({name!r}) first"
            )
        )
        raise AssertionError("unreachable")

    def env(self, name: str | None = None) -> dict[str, str]:
        """The environment the (only, or `name`d) loaded service was imported with (variables it
        reads and the harness left unset are not listed): `legacy.env()["DB_HOST"]`."""
        loaded = self._only(name)
        return {v: value.value for v, value in loaded.env.items() if value.value is not None}

    @property
    def report(self) -> str:
        """The import-time side-effect report of the services this test loaded."""
        return "\n".join(loaded.report.render() for loaded in self._active)

    @property
    def refused(self) -> list[str]:
        """Connections the network guard refused during this test, described (child processes
        the test started included)."""
        from harness.guard import NETWORK_GUARD

        NETWORK_GUARD.collect_children()
        return [refusal.describe() for loaded in self._active for refusal in loaded.refusals]

    @property
    def loaded(self) -> list[LoadedService]:
        return list(self._active)

    def fixture(self, integration: str) -> Any:
        """The fixture object of an integration by name (`"kafka"`, `"mongo"`, `"http"`, or
        one registered through the `legacy_harness.integrations` entry point), built for this
        test: what the pytest fixture of that name gives, for integrations that have none."""
        __tracebackhide__ = True
        from harness.integrations import by_name
        from harness.integrations.base import load_object

        try:
            found = by_name(integration)
        except (LookupError, HarnessError) as error:
            _fail(HarnessError(f"harness: {error}"))
        if found.fixture is None:
            _fail(HarnessError(f"harness: the {integration!r} integration has no fixture"))
        objects = self._fixtures
        if integration not in objects:
            objects[integration] = load_object(found.fixture)(self._session, self)
        return objects[integration]

    def _only(self, name: str | None) -> LoadedService:
        __tracebackhide__ = True
        if name is not None:
            return self.service(name)
        if len(self._active) != 1:
            loaded = ", ".join(l.config.name for l in self._active) or "none"
            _fail(HarnessError(f"harness: name the service (loaded in this test: {loaded})"))
        return self._active[0]

    def close(self) -> None:
        """End the test's scopes, newest first; the process is then as before the test."""
        __tracebackhide__ = True
        loaded = list(self._active)
        try:
            self._stack.close()
        except HarnessError as error:
            _fail(error)
        finally:
            self._active.clear()
            self._watch = None
            if self._names in sys.meta_path:
                sys.meta_path.remove(self._names)
        problems = self._session.backends_for(loaded).problems()
        if problems:
            _fail(HarnessError("\n".join(problems)))


class _ServiceNames(importlib.abc.MetaPathFinder):
    """While a test using `legacy` runs: importing a configured service by its real dotted name
    (`patch("app.worker.fetch")` started before `legacy.load("worker")`, a decorator) loads the
    service under the contract and answers with the module under test, never the real file
    imported for real. First on `sys.meta_path`: the project's directory is usually on `sys.path`,
where the path finder would find the real file."""

    def __init__(self, owner: LegacyFixture) -> None:
        self._owner = owner
        self._loading = False

    @contextmanager
    def importing(self) -> Iterator[None]:
        """The contract imports the service itself meanwhile: stand aside."""
        loading, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = loading

    def find_spec(self, fullname, path=None, target=None):
        if self._loading:
            return None
        service = self._owner._session.service_names().get(fullname)
        if service is None:
            return None
        self._owner.load(service)
        module = sys.modules.get(fullname)
        if module is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Already(module))


class _Already(importlib.abc.Loader):
    """Hands out a module the contract already imported (its own spec kept)."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec):
        return self._module

    def exec_module(self, module) -> None:
        module.__spec__ = self._spec


class LegacyThreads:
    """`legacy.threads`: the threads the loaded services built, and running their targets inline.

    Iterating gives `RecordedThread`s (`.target`, `.args`, `.kind`, `.file`, `.line`,
    `.started`, `.at_import`); import-time ones first, then those built during this test.
    """

    def __init__(self, owner: LegacyFixture) -> None:
        self._owner = owner

    def __iter__(self) -> Iterator[RecordedThread]:
        for loaded in self._owner.loaded:
            yield from loaded.recorder.threads

    def __len__(self) -> int:
        return sum(len(loaded.recorder.threads) for loaded in self._owner.loaded)

    def __getitem__(self, index: int) -> RecordedThread:
        return list(self)[index]

    def run(
        self,
        target: Callable[..., Any] | RecordedThread | None = None,
        *args: Any,
        timeout: float | None = None,
        max_messages: int | None = None,
        empty_polls: int = 1,
        until: Callable[[], object] | None = None,
        max_iterations: int | None = None,
        **kwargs: Any,
    ) -> InlineRun:
        """Run a recorded thread's target inline until the fake consumers have delivered
        everything produced so far, then stop it.

        `target`: the function (e.g. `current.consume_data`), a `RecordedThread`, or nothing
        for the one thread the loaded services built at import. The recorded `args`/`kwargs`
        are used unless given here. The fake Kafka consumers deliver what the test produced and
        then raise `ConsumerStopped` (a BaseException: a legacy `except Exception` cannot
        swallow it) at their `empty_polls`-th empty poll, or once `max_messages` records were
        delivered. `timeout` (default `inline_timeout` of `[tool.harness]`, 5 s) bounds the wall
        time: a loop that never polls is interrupted and the test fails saying where it was.
        Exceptions the target raises propagate to the test.

        During the run the legacy modules see a virtual clock (`harness.clock`): `time.sleep`
        returns at once and moves `time.time()`/`monotonic()` on. Each sleep is an iteration:
        the run stops (`ended == "stopped"`, `.stop` a `ClockStopped`) once `until()` holds
        after a sleep, or after `max_iterations` sleeps.
        """
        __tracebackhide__ = True
        from harness.clock import ClockStopped, VirtualClock, virtual_time
        from harness.fakes_adapter import drain_mode, stop_signal_types
        from harness.threads import LEGACY_SITES, run_inline

        if max_iterations is not None and max_iterations < 1:
            _fail(HarnessError(f"harness: max_iterations must be at least 1, got {max_iterations}"))
        body, label = self._body(target, args, kwargs)
        limit = timeout if timeout is not None else self._owner._session.config.inline_timeout
        namespaces = [ns for loaded in self._owner.loaded for ns in loaded.project_namespaces()]
        try:
            with (
                drain_mode(
                    self._owner._session, empty_polls=empty_polls, max_messages=max_messages
                ) as drain,
                virtual_time(namespaces, VirtualClock(until, max_iterations)),
            ):
                run = run_inline(
                    body,
                    label=label,
                    timeout=limit,
                    stop_types=(*stop_signal_types(), ClockStopped),
                    is_legacy_file=LEGACY_SITES.is_legacy_file,
                    diagnose=drain.describe,
                    swallowed=drain.swallowed,
                )
        except HarnessError as error:
            _fail(error)
        if isinstance(run.stop, ClockStopped) and run.stop.runaway:
            _fail(HarnessError(f"harness: inline run of {label}: {run.stop.reason}"))
        return run

    def _body(
        self, target: Callable[..., Any] | RecordedThread | None, args: tuple, kwargs: dict
    ) -> tuple[Callable[[], Any], str]:
        __tracebackhide__ = True
        from harness.threads import RecordedThread

        if target is None:
            candidates = [t for t in self if t.at_import]
            if len(candidates) != 1:
                listing = "; ".join(t.describe() for t in candidates) or "none"
                _fail(
                    HarnessError(
                        f"harness: legacy.threads.run() needs a target: the loaded services built "
                        f"{len(candidates)} thread(s) at import ({listing}); pass the function"
                    )
                )
            target = candidates[0]
        if isinstance(target, RecordedThread):
            record = target
        else:
            record = next((t for t in self if t.target is target), None)
            if record is None:
                label = f"{getattr(target, '__module__', '?').rsplit('.', 1)[-1]}.{getattr(target, '__qualname__', target)}"
                return (lambda: target(*args, **kwargs)), label
        if args or kwargs:
            return (
                lambda: (record.target or record.thread.run)(*args, **kwargs)
            ), record.target_name
        return record.call, record.target_name


# ---------------------------------------------------------------------------------------------
# Kafka

Schema = str | Mapping[str, Any] | Path


@dataclass(frozen=True)
class KafkaMessage:
    """A record on a fake topic, decoded (Avro with its registered schema, JSON, or text)."""

    topic: str
    partition: int
    offset: int
    key: Any
    value: Any
    headers: dict[str, bytes | None]
    timestamp: int


class KafkaFixture:
    """The `kafka` fixture: the in-memory Kafka cluster (and Schema Registry) of the services.

    Producing::

        kafka.produce(topic, value, key=None, *, schema=None, key_schema=None, headers=None,
                      partition=None)

    `value`: a dict/list (JSON-encoded, UTF-8), `str` (UTF-8), `bytes` (as is) or None (a
    tombstone). With `schema` (an Avro schema as JSON text, a dict, or the path of an `.avsc`
    file), the value is Avro-encoded in the Confluent wire format and the schema registered under
    `<topic>-value`, as a `SerializingProducer` with an `AvroSerializer` (or an `AvroProducer`)
    would. `kafka.use_schema(topic, schema)` makes it the default for that topic in this test.
    `key`: str (UTF-8) or bytes; with `key_schema`, any value Avro-encoded under `<topic>-key`
    (what an `AvroConsumer` decodes). Returns the stored record.

    Reading what the services published (oldest first)::

        kafka.values(topic, *, schema=None) -> list      # decoded values
        kafka.messages(topic) -> list[KafkaMessage]      # key, value, headers, offsets, decoded
        kafka.records(topic) -> list[Record]             # raw bytes, as stored

    Decoding, of values and keys alike: Confluent-framed Avro with the writer schema from the
    registry (and, for values, `schema` as the reader schema when given); otherwise JSON when it
    parses; otherwise text; else bytes.
    `kafka.broker` and `kafka.registry` are the underlying fakes. Topics are emptied before each
    test.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session
        self._legacy = legacy
        self._schemas: dict[str, str] = {}

    @property
    def broker(self) -> Broker:
        # Looked up at each use: a service the test loads later may bring in the wire level.
        return self._session.backends_for(self._legacy.loaded).kafka

    @property
    def registry(self) -> SchemaRegistry:
        return self._session.backends_for(self._legacy.loaded).schema_registry

    def clients(self) -> list[ClientBuilt]:
        """Every Kafka client the fake libraries built in this session, oldest first: class,
        configuration and the `file:line` that built it. Take `len(kafka.clients())` before an
        inline run to see what the run built (a consumer rebuilt per message is a leak a
        result-only test cannot see). Fake level only: at `wire` the clients are the real ones."""
        entries = self._session.backends.clients.entries()
        return [entry for entry in entries if entry.library in _KAFKA_LIBRARIES]

    def use_schema(self, topic: str, schema: Schema) -> None:
        """Avro-encode every value produced to `topic` in this test with `schema`."""
        self._schemas[topic] = _schema_text(schema)

    def produce(
        self,
        topic: str,
        value: Any,
        key: Any = None,
        *,
        schema: Schema | None = None,
        key_schema: Schema | None = None,
        headers: Mapping[str, str | bytes | None] | None = None,
        partition: int | None = None,
    ) -> Record:
        if key is not None and key_schema is not None:
            key = self.registry.encode(_schema_text(key_schema), key, subject=f"{topic}-key")
        schema_text = _schema_text(schema) if schema is not None else self._schemas.get(topic)
        if value is None:
            payload = None
        elif schema_text is not None:
            payload = self.registry.encode(schema_text, value, subject=f"{topic}-value")
        elif isinstance(value, (bytes, bytearray)):
            payload = bytes(value)
        elif isinstance(value, str):
            payload = value.encode("utf-8")
        else:
            payload = json.dumps(value).encode("utf-8")
        return self.broker.produce(topic, payload, key, headers=headers, partition=partition)

    def records(self, topic: str) -> list[Record]:
        return self.broker.records(topic)

    def values(self, topic: str, *, schema: Schema | None = None) -> list[Any]:
        return [message.value for message in self.messages(topic, schema=schema)]

    def messages(self, topic: str, *, schema: Schema | None = None) -> list[KafkaMessage]:
        reader = _schema_text(schema) if schema is not None else None
        return [
            KafkaMessage(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=self._decode(record.key, None),
                value=self._decode(record.value, reader),
                headers=dict(record.headers or ()),
                timestamp=record.timestamp,
            )
            for record in self.records(topic)
        ]

    def _decode(self, data: bytes | None, reader: str | None) -> Any:
        if data is None:
            return None
        if len(data) > 5 and data[0] == 0:
            schema_id = int.from_bytes(data[1:5], "big")
            if self.registry.by_id(schema_id) is not None:
                return self.registry.decode(data, reader_schema=reader)
        return _decode_plain(data)


def _decode_plain(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    try:
        return json.loads(text)
    except ValueError:
        return text


def _schema_text(schema: Schema) -> str:
    if isinstance(schema, Path) or (isinstance(schema, str) and schema.endswith(".avsc")):
        return Path(schema).read_text(encoding="utf-8")
    if isinstance(schema, Mapping):
        return json.dumps(schema)
    return schema


# ---------------------------------------------------------------------------------------------
# MongoDB


class MongoFixture:
    """The `mongo` fixture: the in-memory MongoDB (mongomock) every loaded service talks to.

    `mongo.client` is a client on the same store as the services' `MongoClient`s (whatever
    host they were given); `mongo["db"]["collection"]` is a shortcut. `mongo.documents(db,
    collection, query=None, *, sort=None)` returns documents without `_id`, e.g. to compare
    with a list of dicts. Before each test the store is back to its state right after the
    imports: collections created at import keep their indexes and documents, everything else is
    dropped. Write to it after `legacy.load(...)`: what exists when a service is first imported
    counts as that baseline.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    @property
    def client(self) -> Any:
        return self._session.backends.mongo.client()

    def __getitem__(self, database: str) -> Any:
        return self.client[database]

    def documents(
        self,
        database: str,
        collection: str,
        query: Mapping[str, Any] | None = None,
        *,
        sort: str | list[tuple[str, int]] | None = None,
    ) -> list[dict[str, Any]]:
        cursor = self.client[database][collection].find(dict(query or {}), {"_id": 0})
        if sort is not None:
            cursor = cursor.sort(sort if isinstance(sort, list) else [(sort, 1)])
        return list(cursor)

    def database_names(self) -> list[str]:
        return self._session.backends.mongo.database_names()


# ---------------------------------------------------------------------------------------------
# HTTP


_MISSING: Any = object()  # "no json= given" (None is a JSON value)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _on_router(
    method: Callable[Concatenate[HttpRouter, _P], _R],
) -> Callable[Concatenate[HttpFixture, _P], _R]:
    """`HttpRouter`'s `method` as a method of `HttpFixture`, called on the router of the moment
    (its `wire` subclass included): the signature, its types and the documentation are the
    router's, written once."""
    name = method.__name__

    @functools.wraps(method)
    def on_router(fixture: HttpFixture, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return getattr(fixture.server, name)(*args, **kwargs)

    return on_router


class HttpFixture:
    """The `http` fixture: the HTTP backends the loaded services call (`requests`, `httpx`),
    routed by method and URL, each scripted by the test.

    At `fake` the answers come from `responses` and `respx` (`harness.fakes.http.HttpRouter`);
    at `wire` from one server on 127.0.0.1 (`harness.wire.http.LoopbackHttp`), where every fault
    is the real one the client meets. The script and what was asked read the same at both::

        prices = http.route("GET", "https://prices.invalid/api/", json={"EX001": 3.5})
        alerts = http.route("POST", re.compile(r"https://alerts\\.invalid/v\\d+/"), status=202)
        prices.timeout(times=1)                         # faults per route (see below)
        prices.requests, prices.last_request            # what that backend was asked

        http.reply(json={"positions": []})              # the catch-all: every other request
        http.reply(status=503, json={...}, times=1)     # the next one only (used first)
        http.server_error(502)                          # a 5xx with a JSON error body
        http.malformed()                                # 200, JSON content type, truncated body
        http.timeout()                                  # no answer: the client's timeout fires
        http.slow(0.3, json={...})                      # answers after 0.3 s
        http.connection_error()                         # connection refused or dropped
        http.requests, http.last_request                # HttpRequest(method, url, path, params, timeout)
        http.unrouted                                   # requests nothing answered

    A route answers one method (`"*"`: any) under a URL prefix (`"https://prices.invalid/api/"`
    covers what is under it) or a compiled pattern (`re.match` on the URL); the longest prefix
    wins, the catch-all answers last once scripted. A request nothing answers gets a connection
    error, and the test fails at its end naming the method, the URL and the route to add. At
    `wire` a route's host is not seen (every URL variable points at the one server): routes
    match by path. `timeout` in an `HttpRequest` is what the client passed at `fake`; a server
    cannot see it, so it is None at `wire` (pin it with `@pytest.mark.harness_fidelity("fake")`).
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session
        self._legacy = legacy

    @property
    def server(self) -> HttpRouter:
        """The router itself (looked up at each use: a service the test loads later may bring in
        the wire level)."""
        return self._session.backends_for(self._legacy.loaded).http

    # The router's own method, signature and documentation (defined once, in HttpRouter).
    route = _on_router(HttpRouter.route)

    def reply(
        self,
        json: Any = _MISSING,
        *,
        status: int = 200,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> HttpFixture:
        """The catch-all's answer: `json` (serialized) or a raw `body`, with `status`."""
        arguments: dict[str, Any] = {
            "status": status,
            "body": body,
            "headers": headers,
            "times": times,
        }
        if json is not _MISSING:
            arguments["json"] = json
        self.server.reply(**arguments)
        return self

    def server_error(
        self, status: int = 500, json: Any = _MISSING, *, times: int | None = None
    ) -> HttpFixture:
        if json is _MISSING:
            self.server.server_error(status, times=times)
        else:
            self.server.server_error(status, json, times=times)
        return self

    def malformed(self, status: int = 200, *, times: int | None = None) -> HttpFixture:
        self.server.malformed(status, times=times)
        return self

    def timeout(self, *, times: int | None = None) -> HttpFixture:
        self.server.timeout(times=times)
        return self

    def connection_error(self, *, times: int | None = None) -> HttpFixture:
        self.server.connection_error(times=times)
        return self

    def slow(
        self, delay: float, json: Any = _MISSING, *, status: int = 200, times: int | None = None
    ) -> HttpFixture:
        if json is _MISSING:
            self.server.slow(delay, status=status, times=times)
        else:
            self.server.slow(delay, json, status=status, times=times)
        return self

    @property
    def routes(self) -> list[Route]:
        return self.server.routes

    @property
    def requests(self) -> list[HttpRequest]:
        """Every request the services made, in order, whichever backend answered it."""
        return self.server.requests

    @property
    def last_request(self) -> HttpRequest | None:
        return self.server.last_request

    @property
    def unrouted(self) -> list[HttpRequest]:
        return self.server.unrouted


# ---------------------------------------------------------------------------------------------
# Redis


class RedisFixture:
    """The `redis` fixture: the in-memory Redis (fakeredis) every loaded service's client uses.

    `redis.client` is a `redis.Redis` on the same server (`decode_responses=True`); every other
    attribute is the client's (`redis.set("k", "v")`, `redis.hgetall("h")`, `redis.lrange(...)`)
    to seed or read keys; `redis.keys(pattern="*")` lists them sorted. Emptied before each test.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    @property
    def client(self) -> Any:
        return self._session.backends.redis.client()

    def keys(self, pattern: str = "*") -> list[str]:
        return self._session.backends.redis.keys(pattern)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.client, name)


class S3Fixture:
    """The `s3` fixture: moto's server, which every loaded service's boto3 and MinIO clients use
    (S3, and every other AWS service moto implements: DynamoDB, SQS, SNS, SSM...).

    `s3.put(bucket, key, body, **extra)` (bytes or text; `extra`: `put_object`'s arguments,
    e.g. `ContentType`), `s3.get(bucket, key)` (bytes), `s3.keys(bucket, prefix="")` and
    `s3.buckets()` (sorted), `s3.create_bucket(name, region=None)`; `s3.client` is a boto3 S3
    client on the same store for anything else, `s3.url` its endpoint.
    `s3.aws_client("dynamodb", region=None)` and `s3.aws_resource("sqs", region=None)`: a boto3
    client or resource of any service on the same server, to seed and read what the services
    use (`region`: by default the one a service's client that names none gets; pass the
    service's own when it names one). Before each test the store is back to its state right
    after the services' imports: buckets (and objects) and what other services were asked to
    do at import (tables, queues...) are kept, anything else is gone.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    @property
    def _store(self) -> S3Store:
        from harness.fakes.s3 import store_for

        return store_for(self._session.backends)

    @property
    def client(self) -> Any:
        return self._store.client

    @property
    def url(self) -> str:
        return self._store.url

    def put(self, bucket: str, key: str, body: bytes | str, **extra: Any) -> None:
        self._store.put(bucket, key, body, **extra)

    def get(self, bucket: str, key: str) -> bytes:
        return self._store.get(bucket, key)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return self._store.keys(bucket, prefix)

    def buckets(self) -> list[str]:
        return self._store.buckets()

    def create_bucket(self, name: str, region: str | None = None) -> None:
        self._store.create_bucket(name, region)

    def aws_client(self, service: str, region: str | None = None) -> Any:
        return self._store.aws_client(service, region)

    def aws_resource(self, service: str, region: str | None = None) -> Any:
        return self._store.aws_resource(service, region)


# ---------------------------------------------------------------------------------------------
# SQL


class SqlFixture:
    """The `sql` fixture: the in-memory SQLite databases the loaded services' SQLAlchemy engines
    were redirected to (one per database their URLs name).

    `sql.rows("orders", status="paid")`: the rows of a table (where each named column has that
    value), dicts by column name, in insertion order; `sql.insert("orders", {"id": 1, ...}, ...)`
    seeds rows; `sql.execute(statement, parameters)` runs any statement (`?` or `:name`
    parameters), `sql.query(statement, parameters)` returns a SELECT's rows; `sql.tables()`.
    Each takes `url=` when the services use several databases (the URL as the service gave it,
    or as `sql.urls` shows it, password hidden). Everything is committed at once, and read from
    the connection the services use: values are as SQLite holds them (a `DateTime` is text).
    `sql.redirects`: each engine built (URL, file and line, options dropped). Before each test
    every database is back to its state right after the services' imports, and every ORM
    session is closed (a session the service keeps forgets the objects the last test loaded).
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    def database(self, url: str | None = None) -> Database:
        """The database a URL was redirected to (without one: the only database)."""
        __tracebackhide__ = True
        try:
            return self._session.backends.sql.database(url)
        except LookupError as error:
            _fail(HarnessError(f"harness: sql: {error.args[0]}"))

    @property
    def urls(self) -> list[str]:
        return [database.url for database in self._session.backends.sql.databases()]

    @property
    def redirects(self) -> list[Redirect]:
        return list(self._session.backends.sql.redirects)

    def rows(self, table: str, *, url: str | None = None, **equal: Any) -> list[dict[str, Any]]:
        return self.database(url).rows(table, **equal)

    def insert(self, table: str, *rows: Mapping[str, Any], url: str | None = None) -> None:
        self.database(url).insert(table, *rows)

    def execute(self, statement: str, parameters: Any = (), *, url: str | None = None) -> int:
        return self.database(url).execute(statement, parameters)

    def query(
        self, statement: str, parameters: Any = (), *, url: str | None = None
    ) -> list[dict[str, Any]]:
        return self.database(url).query(statement, parameters)

    def tables(self, *, url: str | None = None) -> list[str]:
        return self.database(url).tables()


# ---------------------------------------------------------------------------------------------
# Prometheus and Sentry


class MetricsFixture:
    """The `metrics` fixture: the Prometheus registry the loaded services' metrics live in.

    `metrics.value("orders_total", {"status": "ok"})` is a sample's value (None when absent),
    `metrics.text()` the exposition format as a scrape would read it, `metrics.registry` the
    `CollectorRegistry`, `metrics.servers` the ports `start_http_server` was asked for (nothing
    listens; kept across tests, as the import asked once). Every metric is back to zero before each test.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    @property
    def registry(self) -> Any:
        return self._session.backends.metrics.registry

    @property
    def servers(self) -> list[int]:
        return list(self._session.backends.metrics.servers)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        return self._session.backends.metrics.value(name, labels)

    def text(self) -> str:
        return self._session.backends.metrics.text()


class SentryFixture:
    """The `sentry` fixture: what the loaded services asked of `sentry_sdk`.

    `sentry.inits`: the options of each `sentry_sdk.init(...)` call (it installed nothing);
    `sentry.events`: what `capture_exception`, `capture_message`, `capture_event` reported
    (`SentryEvent(kind, value, options)`), forgotten before each test.
    """

    def __init__(self, session: HarnessSession, legacy: LegacyFixture) -> None:
        self._session = session

    @property
    def inits(self) -> list[dict[str, Any]]:
        return list(self._session.backends.sentry.inits)

    @property
    def events(self) -> list[Any]:
        return list(self._session.backends.sentry.events)
