"""The `wire` level as the plugin sees it: dependencies backed by real clients and loopback servers.

`WireSource` stands in front of the session's fakes source. For a package at level `wire` it
hands out a `WireDependency`: the real package is imported (nothing is served from
`sys.modules`), the service's environment points it at a backend on 127.0.0.1, and around the
import and each test the client classes are the wire ones (`harness.wire.confluent`,
`harness.wire.kafka_python`). Every other request goes to the fakes source, and so does
`pymongo` at `wire`: no MongoDB server can run in-process, so it stays on mongomock.

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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from harness.analysis.model import EnvRead, EnvUse

if TYPE_CHECKING:
    from harness.wire.http import LoopbackArchive
    from harness.wire.kafka import MockCluster
    from harness.wire.registry import LoopbackRegistry

WIRE = "wire"
FAKE = "fake"
WIRE_PACKAGES = ("confluent_kafka", "kafka", "requests")
FALLS_BACK_TO_FAKE = {
    "pymongo": "no MongoDB server runs in-process: mongomock (the fake level) is used"
}

_KAFKA_WORDS = ("KAFKA", "BROKER", "BOOTSTRAP")
_REGISTRY_WORDS = ("REGISTRY", "SCHEMA")
_NOT_HTTP_WORDS = (*_KAFKA_WORDS, *_REGISTRY_WORDS, "MONGO", "REDIS", "POSTGRES", "DATABASE", "DB_")


class WireBackends:
    """The session's wire backends, each started on first use, beside the fakes' (`fake`)."""

    def __init__(self, fake_backends: Any) -> None:
        self._fake = fake_backends
        self._cluster: MockCluster | None = None
        self._registry: LoopbackRegistry | None = None
        self._archive: LoopbackArchive | None = None

    # -- started on first use by a wire dependency -------------------------------------------

    def cluster(self) -> MockCluster:
        if self._cluster is None:
            from harness.wire.kafka import MockCluster

            self._cluster = MockCluster.start()
            _close_at_exit(self)
        return self._cluster

    def registry(self) -> LoopbackRegistry:
        if self._registry is None:
            from harness.wire.registry import LoopbackRegistry

            # The fake's store: a service at `fake` and one at `wire` would see the same schemas.
            self._registry = LoopbackRegistry.start(self._fake.schema_registry)
            _close_at_exit(self)
        return self._registry

    def loopback_archive(self) -> LoopbackArchive:
        if self._archive is None:
            from harness.wire.http import LoopbackArchive

            self._archive = LoopbackArchive.start()
            _close_at_exit(self)
        return self._archive

    @property
    def fake(self) -> Any:
        """The fakes' backends (harness.fakes.Backends), which services at `fake` use."""
        return self._fake

    @property
    def started_cluster(self) -> MockCluster | None:
        return self._cluster

    def reset(self) -> None:
        """Fresh data for the next test: the fakes' reset, topics emptied, the HTTP script cleared.

        Registered schemas stay, as at the fake level (serializers cache their ids)."""
        self._fake.reset()
        if self._cluster is not None:
            self._cluster.clear()
        if self._archive is not None:
            self._archive.reset()

    def close(self) -> None:
        """Stop every wire backend (consumers leave their groups first). Idempotent."""
        if self._cluster is not None:
            self._cluster.close()
        if self._registry is not None:
            self._registry.stop()
        if self._archive is not None:
            self._archive.stop()
        self._cluster = self._registry = self._archive = None


class WireDependency:
    """One package at level `wire` for the session (see `harness.dependencies.Dependency`)."""

    fidelity = WIRE
    serves_modules = False  # the real package is imported

    def __init__(self, package: str, backends: WireBackends) -> None:
        self.package = package
        self._backends = backends
        # Started and imported here, outside any contract scope: a module first imported inside
        # one is taken out of sys.modules again when the scope ends.
        if package == "confluent_kafka":
            import harness.wire.confluent  # noqa: F401  (imports the real confluent_kafka)

            backends.cluster()
            backends.registry()
        elif package == "kafka":
            import harness.wire.kafka_python  # noqa: F401  (imports the real kafka-python)

            backends.cluster()
        elif package == "requests":
            import requests  # noqa: F401

            backends.loopback_archive()
        else:
            raise LookupError(f"no wire backend for {package!r}")

    def module(self, fullname: str) -> object:
        raise LookupError(f"{fullname} is the real module at the wire level")

    def env(self) -> Mapping[str, str]:
        return {}

    def env_for(self, reads: Iterable[EnvRead]) -> dict[str, str]:
        """Values pointing the variables the module reads at this package's loopback backend."""
        env: dict[str, str] = {}
        for read in reads:
            value = self._value_for(read)
            if value is not None:
                env.setdefault(read.name, value)
        return env

    def _value_for(self, read: EnvRead) -> str | None:
        name = read.name.upper()
        if self.package in ("confluent_kafka", "kafka") and any(w in name for w in _KAFKA_WORDS):
            cluster = self._backends.cluster()
            return _address(name, read.use, cluster.host, cluster.port, cluster.bootstrap_servers)
        if self.package == "confluent_kafka" and any(w in name for w in _REGISTRY_WORDS):
            registry = self._backends.registry()
            port = registry.url.rsplit(":", 1)[1]
            return _address(name, read.use, "127.0.0.1", int(port), registry.url, url=True)
        if (
            self.package == "requests"
            and _is_url(name, read.use)
            and not any(w in name for w in _NOT_HTTP_WORDS)
        ):
            return self._backends.loopback_archive().url
        return None

    def reset(self) -> None:
        """Nothing per package: the source resets the shared backends once per test."""

    def activate(self) -> AbstractContextManager[object]:
        if self.package == "confluent_kafka":
            from harness.wire.confluent import clients_on

            return clients_on(self._backends.cluster())
        if self.package == "kafka":
            from harness.wire.kafka_python import clients_on

            return clients_on(self._backends.cluster())
        return nullcontext()

    def __repr__(self) -> str:
        return f"<WireDependency {self.package}>"


class WireSource:
    """The session's dependency source with the wire level in front of `fakes` (a FakesSource)."""

    def __init__(self, fakes: Any) -> None:
        self.fakes = fakes
        self.backends = WireBackends(fakes.backends)
        self._wire: dict[str, WireDependency] = {}
        self.notes: list[str] = []

    def get(self, package: str, fidelity: str) -> Any:
        if fidelity != WIRE:
            return self.fakes.get(package, fidelity)
        if package in FALLS_BACK_TO_FAKE:
            note = f"{package} at wire: {FALLS_BACK_TO_FAKE[package]}"
            if note not in self.notes:
                self.notes.append(note)
            return self.fakes.get(package, FAKE)
        if package not in WIRE_PACKAGES:
            return None
        if package not in self._wire:
            self._wire[package] = WireDependency(package, self.backends)
        return self._wire[package]

    def reset(self) -> None:
        self.backends.reset()

    def close(self) -> None:
        self.backends.close()

    @contextmanager
    def drain(self, *, empty_polls: int, max_messages: int | None) -> Iterator[Any]:
        """Drain mode on the fake broker and, once started, on the wire cluster: an inline run
        stops whichever of them the loop's consumers read."""
        policy = {"empty_polls": empty_polls, "max_messages": max_messages}
        cluster = self.backends.started_cluster
        with ExitStack() as stack:
            sessions = [stack.enter_context(self.backends.fake.kafka.stop_when_drained(**policy))]
            if cluster is not None:
                sessions.append(stack.enter_context(cluster.stop_when_drained(**policy)))
            yield _Drained(sessions)

    def describe_consumers(self) -> str:
        cluster = self.backends.started_cluster
        return cluster.describe() if cluster is not None else ""

    # The rest of the fakes source's interface, unchanged.
    def __getattr__(self, name: str) -> Any:
        return getattr(self.fakes, name)


class _Drained:
    """The drain sessions of both brokers, read as one (what `harness.fakes_adapter` reports)."""

    def __init__(self, sessions: list[Any]) -> None:
        self._sessions = sessions

    @property
    def delivered(self) -> int:
        return sum(session.delivered for session in self._sessions)


def _address(
    name: str, use: EnvUse, host: str, port: int, combined: str, *, url: bool = False
) -> str | None:
    if use is EnvUse.PORT or name.endswith("_PORT"):
        return str(port)
    if use is EnvUse.HOST or name.endswith(("_IP", "_HOST", "_HOSTNAME", "_ADDR")):
        return host
    if (
        url
        or use is EnvUse.URL
        or "BOOTSTRAP" in name
        or name.endswith(("_SERVERS", "_BROKERS", "_BROKER"))
    ):
        return combined
    return None  # a topic, a group id...: not an address


def _is_url(name: str, use: EnvUse) -> bool:
    return use is EnvUse.URL or name.endswith(("_URL", "_URI", "_ENDPOINT"))


def _close_at_exit(backends: WireBackends) -> None:
    """Safety net if the session never closes its source: stop in the right order at exit
    (consumers leave their groups before the broker goes)."""
    if not getattr(backends, "_exit_registered", False):
        backends._exit_registered = True  # type: ignore[attr-defined]
        atexit.register(backends.close)
