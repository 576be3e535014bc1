"""The legacy `confluent_kafka.avro` package over the confluent-kafka fake.

`confluent_kafka.avro` (`AvroProducer`, `AvroConsumer`, `CachedSchemaRegistryClient`,
`MessageSerializer`, `loads`/`load`, `SerializerError`, `ClientError`...) is the pre-2020 API
that much legacy code still uses. It is pure Python over `confluent_kafka.Producer` and
`Consumer`, so the fake serves **the installed package's own code**, its files run once per
module tree with `confluent_kafka` resolving to the fake: `AvroProducer` and `AvroConsumer`
subclass the fake `Producer` and `Consumer` (the in-memory broker, drain mode, the offset rule),
and the serializer, the schema parsing (apache `avro`, fastavro) and the errors are the real
ones, behaviour and messages included.

One part is replaced (written by hand, as nothing can stand in for it): the HTTP of
`CachedSchemaRegistryClient` (its `_send_request`, through requests or urllib3) is answered
in-process by the fake registry's REST API (`harness.fakes.registry_rest`), over the same store
as the new-API `SchemaRegistryClient`, the serdes and the `kafka` fixture. Its constructor (the
configuration and URL checks, the deprecation warning) and its caches are the real ones.

The package is run when a service first imports it (a lazy subtree of the tree,
`harness.fakes.tree.ModuleTree`), so a service that never does pays nothing. Where the installed
confluent-kafka has no `confluent_kafka.avro` (deprecated since 2.0.2, to be removed) or lacks
what it imports (`avro`, `requests`: the `[avro]` extra), the import fails with one line saying
so and how to fix it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from harness.fakes import registry_rest
from harness.fakes.tree import FIDELITY_ATTRIBUTE, bind
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "confluent_kafka"
PACKAGE = "confluent_kafka.avro"
CLIENT_MODULE = "confluent_kafka.avro.cached_schema_registry_client"


@cache
def package_dir() -> str | None:
    """The installed `confluent_kafka/avro` folder (found on the path, nothing imported)."""
    spec = importlib.machinery.PathFinder.find_spec(TOP_LEVEL)
    for location in (spec.submodule_search_locations or ()) if spec is not None else ():
        folder = os.path.join(location, "avro")
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            return os.path.abspath(folder)
    return None


def is_package_file(filename: str) -> bool:
    """Whether `filename` is a file of the installed `confluent_kafka.avro` (for the client log:
    an `AvroProducer` is built where the service calls it, not inside the library)."""
    folder = package_dir()
    return folder is not None and os.path.abspath(filename).startswith(folder + os.sep)


def build(fake_modules: Mapping[str, types.ModuleType], backends: Backends) -> dict[str, Any]:
    """The modules of `confluent_kafka.avro`, the real files run over `fake_modules` (the fake
    tree's `confluent_kafka`...), by full dotted name."""
    from harness.modules import NotServed, outside_scopes

    folder = package_dir()
    if folder is None:
        raise NotServed(
            "the harness runs that package's own code over its fake, and the installed "
            f"confluent-kafka ({_version()}) has none: it is deprecated since 2.0.2 and removed "
            "in later releases; install a release that ships it, with its avro extra"
        )
    # Outside the contract scopes: what the package imports for real (requests, avro, fastavro)
    # stays loaded after them, as the fake's own imports do.
    with outside_scopes(), _over_the_fake(fake_modules) as loaded:
        try:
            _run_package(folder)
        except ImportError as error:
            missing = getattr(error, "name", None) or str(error)
            raise NotServed(
                "the harness runs that package's own code over its fake, and it imports "
                f"{missing!r}, which is not installed: pip install 'confluent-kafka[avro]'"
            ) from None
    modules = dict(loaded)
    client = _in_memory_client(modules[CLIENT_MODULE].CachedSchemaRegistryClient, backends)
    for name in (PACKAGE, CLIENT_MODULE):
        modules[name].CachedSchemaRegistryClient = client
    for module in modules.values():
        setattr(module, FIDELITY_ATTRIBUTE, Fidelity.FAKE)
    return modules


@contextmanager
def _over_the_fake(
    fake_modules: Mapping[str, types.ModuleType],
) -> Iterator[dict[str, Any]]:
    """For the block, `confluent_kafka` and its submodules in `sys.modules` are the fake's; then
    they are as before, and the dict yielded holds what the block loaded of
    `confluent_kafka.avro`."""
    saved = {name: sys.modules.pop(name) for name in _names(sys.modules, TOP_LEVEL)}
    sys.modules.update(fake_modules)
    loaded: dict[str, Any] = {}
    try:
        yield loaded
    finally:
        loaded.update({name: sys.modules[name] for name in _names(sys.modules, PACKAGE)})
        for name in _names(sys.modules, TOP_LEVEL):
            del sys.modules[name]
        sys.modules.update(saved)


def _names(modules: Mapping[str, Any], package: str) -> list[str]:
    return [name for name in modules if name == package or name.startswith(package + ".")]


def _run_package(folder: str) -> None:
    """Import `confluent_kafka.avro` from `folder`: its submodules then load through the import
    system, from the package's `__path__`, as they would for real."""
    spec = importlib.util.spec_from_file_location(
        PACKAGE,
        os.path.join(folder, "__init__.py"),
        submodule_search_locations=[folder],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)
    sys.modules[TOP_LEVEL].avro = module  # type: ignore[attr-defined]  # as the import system does


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("confluent-kafka")
    except PackageNotFoundError:
        return "not installed"


class InMemoryTransport:
    """`CachedSchemaRegistryClient` with its HTTP answered by the fake registry (see the module
    docstring); bound by `_in_memory_client` to a registry, before the real class in the MRO."""

    _registry_state: Any  # harness.fakes.schema_registry.SchemaRegistry
    _clients: Any  # harness.fakes.tree.ClientLog
    _client_error: type[Exception]
    _valid_methods: list[str]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # Recorded here, not in __init__: the real __init__ warns with stacklevel=2, which must
        # name the service's line, not an override's.
        conf = args[0] if args else kwargs.get("url")
        cls._clients.record(
            PACKAGE,
            "CachedSchemaRegistryClient",
            dict(conf) if isinstance(conf, Mapping) else {"url": conf},
            skip=is_package_file,
        )
        return super().__new__(cls)

    def _send_request(
        self, url: str, method: str = "GET", body: Any = None, headers: Any = None
    ) -> tuple[Any, int]:
        if method not in self._valid_methods:
            raise self._client_error(
                f"Method {method} is invalid; valid methods include {self._valid_methods}"
            )
        base: str = self.url  # type: ignore[attr-defined]  # set by the real __init__
        path = url[len(base) :] if url.startswith(base) else urlsplit(url).path
        status, answer = registry_rest.answer(
            self._registry_state, method, unquote(urlsplit(path).path), body
        )
        return answer, status


def _in_memory_client(real: type, backends: Backends) -> type:
    """A subclass of the real `CachedSchemaRegistryClient` over `backends.schema_registry`."""
    real_globals = real.__init__.__globals__  # type: ignore[misc]  # its module's namespace
    namespace = {
        "_registry_state": backends.schema_registry,
        "_clients": backends.clients,
        "_client_error": real_globals["ClientError"],
        "_valid_methods": list(real_globals["VALID_METHODS"]),
    }
    return bind(InMemoryTransport, "CachedSchemaRegistryClient", namespace, bases=(real,))
