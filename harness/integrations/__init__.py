"""The integrations registry: one module per external system the harness can stand in for.

Each module (`kafka`, `mongo`, `http`, ...) defines one `Integration`: the top-level packages
that reach the system, a `Provider` per fidelity level (`harness.fidelity.Fidelity`), the
in-memory `Backend`s its fakes share (how each is built, reset before each test and baselined
after a service's import), its `Wire` level (loopback servers and how a service's environment
is pointed at them) and the object its pytest fixture gives the test.

Asking the registry::

    from harness import integrations
    from harness.fidelity import Fidelity

    integrations.packages_reaching_backends()     # {"confluent_kafka": <kafka>, "pymongo": ...}
    integrations.for_package("kafka")             # the Integration covering a top-level package
    integrations.provider("pymongo", Fidelity.FAKE)   # what serves it at that level, or None

A third-party integration is a distribution with an entry point in the group
`legacy_harness.integrations` naming an `Integration` (or a module holding one as
`INTEGRATION`)::

    # pyproject.toml of vendor-harness
    [project.entry-points."legacy_harness.integrations"]
    vendor_queue = "vendor_harness.integration:INTEGRATION"

    # vendor_harness/integration.py
    from harness.fidelity import Fidelity
    from harness.integrations import Backend, Integration, Provider

    INTEGRATION = Integration(
        name="vendor_queue",
        packages=("vendor_queue",),
        providers={Fidelity.FAKE: {"vendor_queue": Provider(
            "vendor_queue", Fidelity.FAKE, "vendor_harness.fake:build_tree")}},
        backends=(Backend("vendor_queue", lambda options: InMemoryQueue(),
                          reset=lambda queue: queue.clear()),),
        fixture="vendor_harness.fake:QueueFixture",   # built as QueueFixture(session, legacy)
    )

`build_tree(backends)` returns a `harness.fakes.tree.ModuleTree` whose modules use
`backends.vendor_queue`; a test reaches the fixture object with `legacy.fixture("vendor_queue")`.
Registered integrations win over built-in ones for the packages they cover.
"""

from harness.integrations.base import Backend, Integration, Provider, Wire, WireBackend
from harness.integrations.registry import (
    ENTRY_POINT_GROUP,
    all_integrations,
    by_name,
    for_package,
    packages_at,
    packages_reaching_backends,
    provider,
    serves_modules,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Backend",
    "Integration",
    "Provider",
    "Wire",
    "WireBackend",
    "all_integrations",
    "by_name",
    "for_package",
    "packages_at",
    "packages_reaching_backends",
    "provider",
    "serves_modules",
]
