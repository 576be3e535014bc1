"""The fakes of the libraries legacy services import: module trees bound to in-memory backends.

Which fake serves which package at which level is the integrations registry's business
(`harness.integrations`); this package holds the fakes themselves::

    from harness.fakes import Backends
    from harness.integrations import provider

    backends = Backends()
    tree = provider("confluent_kafka", "fake").build(backends)
    tree.names()                        # every dotted module name it serves
    tree.module("confluent_kafka.schema_registry.avro")
    with provider("requests", "fake").activate(backends):
        ...                             # requests.get() answered by backends.http's routes

Loading this package imports no fake and no heavy library.
"""

from __future__ import annotations


def __getattr__(name: str) -> object:
    # `from harness.fakes import Backends` without importing the backends at package load.
    if name == "Backends":
        from harness.fakes.backends import Backends

        return Backends
    if name == "ConsumerStopped":
        from harness.fakes.stop import ConsumerStopped

        return ConsumerStopped
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Backends", "ConsumerStopped"]
