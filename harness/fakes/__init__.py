"""Fakes of the libraries legacy services import: which exist, at which fidelity level.

A provider builds, for one state (`harness.fakes.backends.Backends`), the module tree that
stands in for a top-level package, and optionally a context to activate around imports and
tests (the `fake` level of `requests` leaves the real module alone and intercepts calls
instead)::

    from harness.fakes import Backends, provider

    backends = Backends()
    tree = provider("confluent_kafka", "fake").build(backends)
    tree.names()                        # every dotted module name it serves
    tree.module("confluent_kafka.schema_registry.avro")
    with provider("requests", "fake").activate(backends):
        ...                             # requests.get() answered by backends.archive

Levels: `stub` (MagicMock package trees, for any top-level name) and `fake` (behaviour:
in-memory broker, schema registry, mongomock, `responses`). Loading this package imports no
fake and no heavy library: providers name their factory by dotted path and import it on use.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.fakes.backends import Backends
    from harness.fakes.tree import ModuleTree

STUB = "stub"
FAKE = "fake"
LEVELS = (STUB, FAKE)


@dataclass(frozen=True)
class Provider:
    """How one top-level package is faked at one level."""

    top_level: str
    level: str
    # "module:function" building a ModuleTree from Backends; None: the real package stays
    factory: str | None
    # "module:function" returning a context manager to enter around imports and tests
    activation: str | None = None
    description: str = ""

    def build(self, backends: Backends) -> ModuleTree:
        """The module tree for `backends` (an empty tree when the real package stays)."""
        if self.factory is None:
            from harness.fakes.tree import ModuleTree

            return ModuleTree(self.top_level, self.level, {})
        if self.level == STUB:
            return _load(self.factory)(self.top_level)
        return _load(self.factory)(backends)

    def activate(self, backends: Backends) -> contextlib.AbstractContextManager[object]:
        """What to keep active while the faked code runs (a no-op for most providers)."""
        if self.activation is None:
            return contextlib.nullcontext()
        return _load(self.activation)(backends)

    @property
    def replaces_module(self) -> bool:
        """True when the real package must not be imported (a tree is served instead)."""
        return self.factory is not None


def _load(path: str) -> Callable:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


_FAKE_PROVIDERS = {
    "confluent_kafka": Provider(
        "confluent_kafka",
        FAKE,
        "harness.fakes.confluent:build_tree",
        description="in-memory broker and schema registry, real Avro encoding",
    ),
    "kafka": Provider(
        "kafka",
        FAKE,
        "harness.fakes.kafka_python:build_tree",
        description="kafka-python shape over the same in-memory broker",
    ),
    "pymongo": Provider(
        "pymongo",
        FAKE,
        "harness.fakes.mongo:build_tree",
        description="mongomock on a shared in-memory store, real pymongo.errors",
    ),
    "requests": Provider(
        "requests",
        FAKE,
        None,
        activation="harness.fakes.http:activate",
        description="the real requests, answered by the scripted archive through responses",
    ),
}


def provider(top_level: str, level: str = FAKE) -> Provider:
    """The provider faking `top_level` at `level`; `stub` works for any package name."""
    if level == STUB:
        return Provider(
            top_level, STUB, "harness.fakes.stub:build_tree", description="MagicMock modules"
        )
    if level != FAKE:
        raise ValueError(f"unknown fidelity level {level!r} (expected one of {', '.join(LEVELS)})")
    try:
        return _FAKE_PROVIDERS[top_level]
    except KeyError:
        known = ", ".join(sorted(_FAKE_PROVIDERS))
        raise LookupError(
            f"no {FAKE!r} fake for {top_level!r} (fakes exist for: {known}); "
            f"use the {STUB!r} level for it"
        ) from None


def fake_packages() -> list[str]:
    """Top-level package names with a `fake` level."""
    return sorted(_FAKE_PROVIDERS)


def iter_providers() -> Iterator[Provider]:
    yield from _FAKE_PROVIDERS.values()


def __getattr__(name: str) -> object:
    # `from harness.fakes import Backends` without importing the backends at package load.
    if name == "Backends":
        from harness.fakes.backends import Backends

        return Backends
    if name == "ConsumerStopped":
        from harness.fakes.stop import ConsumerStopped

        return ConsumerStopped
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAKE",
    "LEVELS",
    "STUB",
    "Backends",
    "ConsumerStopped",
    "Provider",
    "fake_packages",
    "iter_providers",
    "provider",
]
