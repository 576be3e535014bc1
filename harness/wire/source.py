"""The `wire` level as the plugin sees it: dependencies backed by real clients and loopback servers.

`WireSource` stands in front of the session's fakes source. For a package whose integration has
a wire level (`Integration.wire`, see `harness.integrations`) it hands out a `WireDependency`:
the real package is imported (nothing is served from `sys.modules`), the service's environment
points it at the integration's backend on 127.0.0.1, and around the import and each test the
integration's `activate` swaps in what the level needs (the Kafka client classes of
`harness.wire.confluent`, `harness.wire.kafka_python`). A package whose integration declares a
`fallback` instead (`pymongo`: no MongoDB server runs in-process) gets its `fake` level, noted;
every other request goes to the fakes source.

The built-in wire levels:

| package           | wire backend                                  | env it points there           |
|-------------------|-----------------------------------------------|-------------------------------|
| `confluent_kafka` | librdkafka mock cluster + loopback registry   | Kafka host/port/bootstrap, registry URL |
| `kafka`           | the same mock cluster (kafka-python client)   | Kafka host/port/bootstrap     |
| `requests`        | a scripted loopback HTTP server               | every other `*_URL`/`*_URI`   |
| `pymongo`         | mongomock (the `fake` level)                  | -                             |

The wire backends start when a service first needs them and serve the rest of the session; the
fakes stay beside them, for the services loaded at `fake` in the same session. Which of the two a
test's fixtures show is decided per test, by the levels of the services it loaded
(`HarnessSession.backends_for`); an inline run puts both brokers in drain mode.

Which environment variable gets which address is decided from the variable's name and use, as
the plugin's plausible values are (`harness.env`); a service's `env` in `[tool.harness]` wins.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from harness.analysis.model import EnvRead, EnvUse
from harness.env import takes_host_and_port
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.integrations import Integration, WireBackend


class WireBackends:
    """The session's wire backends, each started on first use, beside the fakes' (`fake`)."""

    def __init__(self, fake_backends: Any) -> None:
        self._fake = fake_backends
        self._started: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """The wire backend `name` (declared by an integration), started on first use."""
        server = self._started.get(name)
        if server is None:
            server = self._started[name] = _spec(name).start(self._fake)
            _close_at_exit(self)
        return server

    def started(self, name: str) -> Any:
        """The wire backend `name` if it has been started, else None."""
        return self._started.get(name)

    @property
    def fake(self) -> Any:
        """The fakes' backends (harness.fakes.Backends), which services at `fake` use."""
        return self._fake

    @property
    def started_cluster(self) -> Any:
        return self._started.get("cluster")

    def reset(self) -> None:
        """Fresh data for the next test: the fakes' reset, then each started wire backend's
        (topics emptied, the HTTP script cleared; registered schemas stay, as at `fake`)."""
        self._fake.reset()
        for name, server in self._started.items():
            reset = _spec(name).reset
            if reset is not None:
                reset(server)

    def close(self) -> None:
        """Stop every wire backend, newest first (Kafka consumers leave their groups before the
        broker goes). Idempotent."""
        started, self._started = self._started, {}
        for name, server in reversed(started.items()):
            close = _spec(name).close
            if close is not None:
                close(server)


class WireDependency:
    """One package at level `wire` for the session (see `harness.dependencies.Dependency`)."""

    fidelity = Fidelity.WIRE
    serves_modules = False  # the real package is imported

    def __init__(self, package: str, integration: Integration, backends: WireBackends) -> None:
        if integration.wire is None or package not in integration.wire.packages:
            raise LookupError(f"no wire backend for {package!r}")
        self.package = package
        self._wire = integration.wire
        self._backends = backends
        # Started and imported here, outside any contract scope: a module first imported inside
        # one is taken out of sys.modules again when the scope ends.
        if self._wire.prepare is not None:
            self._wire.prepare(package, backends)

    def module(self, fullname: str) -> object:
        raise LookupError(f"{fullname} is the real module at the wire level")

    def env(self) -> Mapping[str, str]:
        return {}

    def env_for(self, reads: Iterable[EnvRead]) -> dict[str, str]:
        """Values pointing the variables the module reads at this package's loopback backend."""
        env: dict[str, str] = {}
        if self._wire.env_value is None:
            return env
        for read in reads:
            value = self._wire.env_value(self.package, read, self._backends)
            if value is not None:
                env.setdefault(read.name, value)
        return env

    def reset(self) -> None:
        """Nothing per package: the source resets the shared backends once per test."""

    def activate(self) -> AbstractContextManager[object]:
        if self._wire.activate is None:
            return nullcontext()
        return self._wire.activate(self.package, self._backends)

    def __repr__(self) -> str:
        return f"<WireDependency {self.package}>"


class _Fallback:
    """The `fake` level standing in for a package with no wire level: the fake dependency,
    with the import report's note saying so."""

    def __init__(self, dependency: Any, note: str) -> None:
        self._dependency = dependency
        self.note = note

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dependency, name)


class WireSource:
    """The session's dependency source with the wire level in front of `fakes` (a FakesSource)."""

    def __init__(self, fakes: Any) -> None:
        self.fakes = fakes
        self.backends = WireBackends(fakes.backends)
        self._wire: dict[str, WireDependency] = {}
        self.notes: list[str] = []

    def get(self, package: str, fidelity: Fidelity) -> Any:
        if fidelity != Fidelity.WIRE:
            return self.fakes.get(package, fidelity)
        from harness.integrations import for_package

        integration = for_package(package)
        wire = integration.wire if integration is not None else None
        if wire is None:  # a known client with no integration is stubbed at every level
            return self.fakes.get(package, fidelity)
        if package in wire.packages:
            if package not in self._wire:
                self._wire[package] = WireDependency(package, integration, self.backends)
            return self._wire[package]
        if wire.fallback is not None:
            note = f"{package} at wire: {wire.fallback}"
            if note not in self.notes:
                self.notes.append(note)
            fake = self.fakes.get(package, Fidelity.FAKE)
            return _Fallback(fake, note) if fake is not None else None
        return None

    def reset(self) -> None:
        self.backends.reset()

    def close(self) -> None:
        self.backends.close()
        self.fakes.close()

    def drain(self, *, empty_polls: int, max_messages: int | None) -> AbstractContextManager[Any]:
        """Drain mode on the fake broker and, once started, on the wire cluster: an inline run
        stops whichever of them the loop's consumers read."""
        policy = {"empty_polls": empty_polls, "max_messages": max_messages}
        return self._on_both_brokers(lambda broker: broker.stop_when_drained(**policy))

    def watch_thread(
        self, *, on_swallowed: Callable[[Any], object] | None = None
    ) -> AbstractContextManager[Any]:
        """The calling thread (the test's own) watched on the fake broker and, once started, on
        the wire cluster: a consumer loop the test calls itself stops on whichever it reads."""
        return self._on_both_brokers(lambda broker: broker.watch_thread(on_swallowed=on_swallowed))

    @contextmanager
    def _on_both_brokers(
        self, enter: Callable[[Any], AbstractContextManager[Any]]
    ) -> Iterator[_Drained]:
        """`enter(broker)` on the fake broker and, once started, on the wire cluster, their
        sessions read as one."""
        cluster = self.backends.started_cluster
        with ExitStack() as stack:
            sessions = [stack.enter_context(enter(self.backends.fake.kafka))]
            if cluster is not None:
                sessions.append(stack.enter_context(enter(cluster)))
            yield _Drained(sessions)

    def describe_consumers(self) -> str:
        cluster = self.backends.started_cluster
        return cluster.describe() if cluster is not None else ""

    # The rest of the fakes source's interface, unchanged.
    def __getattr__(self, name: str) -> Any:
        return getattr(self.fakes, name)


class _Drained:
    """The drain (or watch) sessions of both brokers, read as one (what `harness.fakes_adapter`
    reports, what the `legacy` fixture reads of a loop stopped in the test's thread)."""

    def __init__(self, sessions: list[Any]) -> None:
        self._sessions = sessions

    @property
    def stop(self) -> Any:
        return next((s.stop for s in self._sessions if s.stop is not None), None)

    @property
    def delivered(self) -> int:
        return sum(session.delivered for session in self._sessions)

    @property
    def swallowed(self) -> str:
        return next((s.swallowed for s in self._sessions if s.swallowed), "")


def address(
    name: str, use: EnvUse, host: str, port: int, combined: str, *, url: bool = False
) -> str | None:
    if use is EnvUse.PORT or name.endswith("_PORT"):
        return str(port)
    if name.endswith(("_IP", "_HOST", "_HOSTNAME", "_ADDR")):
        return host
    if url or use is EnvUse.URL or takes_host_and_port(name) or name.endswith("_BROKER"):
        return combined  # KAFKA_BOOTSTRAP_SERVERS: host:port, though used where a host goes
    if use is EnvUse.HOST:
        return host
    return None  # a topic, a group id...: not an address


def is_url(name: str, use: EnvUse) -> bool:
    return use is EnvUse.URL or name.endswith(("_URL", "_URI", "_ENDPOINT"))


def _spec(name: str) -> WireBackend:
    from harness.integrations import all_integrations

    for integration in all_integrations():
        if integration.wire is not None:
            for spec in integration.wire.backends:
                if spec.name == name:
                    return spec
    raise LookupError(f"no integration declares a wire backend named {name!r}")


def _close_at_exit(backends: WireBackends) -> None:
    """Safety net if the session never closes its source: stop in the right order at exit
    (consumers leave their groups before the broker goes)."""
    if not getattr(backends, "_exit_registered", False):
        backends._exit_registered = True  # type: ignore[attr-defined]
        atexit.register(backends.close)
