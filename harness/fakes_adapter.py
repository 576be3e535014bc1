"""The seam between the contract and the fakes: the integrations' providers as `Dependency`s.

One `FakesSource` per session owns one `harness.fakes.Backends` (broker, schema registry, Mongo
store, HTTP archive, whatever the integrations declare): every service loaded in the session
talks to the same backends, as services sharing a Kafka cluster and a MongoDB would, and the
integrations' fixtures show the test that same data. Which provider serves a package at a level
comes from the registry (`harness.integrations`); the `wire` level stands in front of this source
(`harness.wire.source.WireSource`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.fidelity import Fidelity
from harness.locations import display_path

if TYPE_CHECKING:
    from harness.dependencies import Dependency
    from harness.fakes.backends import Backends
    from harness.fakes.kafka_broker import DrainSession
    from harness.fakes.tree import ModuleTree
    from harness.integrations import Provider
    from harness.session import HarnessSession


class ProviderDependency:
    """A provider bound to the session's backends (see `harness.dependencies.Dependency`)."""

    def __init__(self, provider: Provider, backends: Backends) -> None:
        self._provider = provider
        self._backends = backends
        self.package = provider.package
        self.fidelity = provider.level
        self.serves_modules = provider.replaces_module
        self.note: str | None = None  # a line for the import report (why it is served so)
        # Built now, outside any contract scope: what the fake imports (mongomock, fastavro)
        # is then loaded for good, not inside a scope that would take it back.
        self._tree: ModuleTree = provider.build(backends)

    def module(self, fullname: str) -> object:
        return self._tree.module(fullname)  # KeyError (a LookupError) when not provided

    def env(self) -> Mapping[str, str]:
        return {}

    def reset(self) -> None:
        """Nothing per package: the shared backends are reset once per test by the source."""

    def activate(self) -> AbstractContextManager[object]:
        return self._provider.activate(self._backends)

    def __repr__(self) -> str:
        return f"<ProviderDependency {self.package} ({self.fidelity})>"


class FakesSource:
    """The fakes of one session, by top-level package and level."""

    def __init__(self) -> None:
        from harness.fakes import Backends

        self.backends: Backends = Backends()
        self._shared: dict[tuple[str, str], ProviderDependency] = {}

    def get(self, package: str, fidelity: Fidelity) -> Dependency | None:
        from harness.integrations import provider

        found = provider(package, fidelity)
        if found is None:  # no integration serves it at that level
            return self._stub_for_known_client(package)
        if fidelity == Fidelity.STUB:
            # A MagicMock tree per service: its mocks are replaced by that service's snapshot.
            return ProviderDependency(found, self.backends)
        key = (package, fidelity)
        if key not in self._shared:
            self._shared[key] = ProviderDependency(found, self.backends)
        return self._shared[key]

    def _stub_for_known_client(self, package: str) -> Dependency | None:
        """A known network client with no integration (`harness.integrations.clients`) is
        stubbed at every level rather than left to connect, with a note saying so."""
        from harness.integrations import for_package, provider
        from harness.integrations.clients import INTEGRATION, note

        if for_package(package) is not INTEGRATION:
            return None
        dependency = ProviderDependency(provider(package, Fidelity.STUB), self.backends)
        dependency.note = note(package)
        return dependency

    def reset(self) -> None:
        self.backends.reset()

    def close(self) -> None:
        """Stop what the backends run (at session end)."""
        self.backends.close()

    def mark_baseline(self, dependencies: list[Dependency]) -> None:
        """What a service's import left in the fakes is what every test starts from."""
        from harness.integrations import for_package

        faked = {for_package(d.package) for d in dependencies if d.fidelity == Fidelity.FAKE}
        self.backends.mark_baseline(i for i in faked if i is not None)

    def drain(
        self, *, empty_polls: int, max_messages: int | None
    ) -> AbstractContextManager[DrainSession]:
        """Drain-then-stop mode on the session's broker (see `Broker.stop_when_drained`)."""
        return self.backends.kafka.stop_when_drained(
            empty_polls=empty_polls, max_messages=max_messages
        )

    def watch_thread(
        self, *, on_swallowed: Callable[[DrainSession], object] | None = None
    ) -> AbstractContextManager[DrainSession]:
        """The calling thread (the test's own) watched for a consumer loop that would wait for
        ever on a drained log (see `Broker.watch_thread`)."""
        return self.backends.kafka.watch_thread(on_swallowed=on_swallowed)

    def describe_consumers(self) -> str:
        return ""

    def client_count(self) -> int:
        return len(self.backends.clients)

    def clients_since(self, count: int) -> list[str]:
        return [
            f"{entry.library}.{entry.cls} built at "
            + (f"{display_path(entry.file)}:{entry.line}" if entry.file else "<unknown>")
            + (f": {entry.detail}" if entry.detail else "")
            for entry in self.backends.clients.entries()[count:]
        ]


@dataclass
class _Drain:
    session: Any  # the broker's DrainSession (or the wire cluster's), None without a broker
    source: Any

    def swallowed(self) -> str:
        """Where the loop caught the stop signal and polled again ("" if it did not)."""
        return getattr(self.session, "swallowed", "") if self.session is not None else ""

    def describe(self) -> str:
        if self.session is None:
            return ""
        described = (
            f"The harness consumers delivered {self.session.delivered} message(s) during the run."
        )
        consumers = self.source.describe_consumers()
        return f"{described} {consumers}" if consumers else described


@contextmanager
def drain_mode(
    session: HarnessSession, *, empty_polls: int, max_messages: int | None
) -> Iterator[_Drain]:
    """The session's Kafka in drain-then-stop mode for the duration (nothing when no service
    of the session has built the fakes yet)."""
    source = session.source_if_built
    if source is None:
        yield _Drain(None, None)
        return
    with source.drain(empty_polls=empty_polls, max_messages=max_messages) as drain:
        yield _Drain(drain, source)


@contextmanager
def loops_at_import(
    source: Any, dependencies: Iterable[Dependency]
) -> Iterator[tuple[type[BaseException], ...]]:
    """Around a service's import: the session's fake Kafka consumers in drain-then-stop mode
    when the service consumes Kafka at `fake` or `wire`, so a loop at module level
    (`while True: msg = consumer.poll(1.0)`, `for message in consumer:`) delivers what there is
    and stops (`ConsumerStopped`) instead of polling until `import_timeout`. Yields the
    exceptions that may end the import that way (none when the drain is not on)."""
    from harness.fakes.stop import LOOP_EMPTY_POLLS

    if source is None or not consumes_kafka(dependencies):
        yield ()
        return
    with ExitStack() as stack:
        try:
            stack.enter_context(source.drain(empty_polls=LOOP_EMPTY_POLLS, max_messages=None))
        except RuntimeError:  # already draining: a service loaded inside an inline run
            yield ()
            return
        yield stop_signal_types()


def consumes_kafka(dependencies: Iterable[Dependency]) -> bool:
    """True when a service gets Kafka at `fake` or `wire` (its consumers read the session's)."""
    from harness.integrations import for_package

    return any(
        d.fidelity != Fidelity.STUB
        and (integration := for_package(d.package)) is not None
        and integration.name == "kafka"
        for d in dependencies
    )


def stop_signal_types() -> tuple[type[BaseException], ...]:
    from harness.fakes.stop import ConsumerStopped

    return (ConsumerStopped,)
