"""A `pymongo`-shaped package tree backed by mongomock, on one shared in-memory store.

`build_tree(backends)` serves `pymongo` and its commonly imported submodules. `MongoClient`
accepts any host or URI (`mongodb+srv://` too: rewritten to `mongodb://` so no DNS lookup
happens) and is a `mongomock.MongoClient` on `backends.mongo`'s store, so the service's
client and the test's view (`backends.mongo.client()`) see the same data. mongomock does the
querying (filters, sort, projection, upserts, aggregation, unique indexes).

What is real and what is not:

- `pymongo.errors`, `pymongo.results`, `pymongo.read_preferences`, `pymongo.write_concern`,
  `pymongo.uri_parser` are the **real** modules: mongomock raises the real
  `pymongo.errors.DuplicateKeyError`, so `except pymongo.errors.DuplicateKeyError` works as in
  production.
- `pymongo` itself is a fresh module holding the real constants and helpers (`ASCENDING`,
  `DESCENDING`, `ReturnDocument`, `IndexModel`, `InsertOne`, `DeleteOne`, ...) with
  `MongoClient` replaced; `pymongo.collection.Collection`, `pymongo.database.Database`,
  `pymongo.mongo_client.MongoClient` and `pymongo.cursor.Cursor` are mongomock's.
- `UpdateOne` and `ReplaceOne` are thin subclasses of the real ones: pymongo 4.20 passes a
  `sort` argument to the bulk builder that mongomock 4.3 does not take, so `bulk_write` with
  the real classes fails; these subclasses leave it out (and refuse a non-empty `sort`).
- Sort and index specifications go through real pymongo's own checks first
  (`helpers_shared._index_list`/`_index_document`: `TypeError` for a float direction or a
  bare key that is not a string, `ValueError` for an empty list), which mongomock skips. A
  sort direction other than 1 or -1 (`sort("timestamp", 2)`, `sort("t", "asc")`) passes
  pymongo but is refused by the MongoDB server when the query runs; mongomock sorts anyway,
  so the fake cursor raises the server's `OperationFailure` (code 15975, or 15974 for a
  string) when it is first iterated, as a real cursor does at its first fetch. An index key of
  2 is valid MongoDB (any positive number is ascending), so `create_index` only gets pymongo's
  type checks.
- Any other submodule (`pymongo.common`, `pymongo.monitoring`: what gridfs, Flask-PyMongo and
  services import) is the real one when it holds none of pymongo's own client classes, and is
  refused, naming the class, when it does (`MongoTree`).
- `Database(client, name, ...)` and `Collection(database, name, ...)` also take pymongo's own
  signatures (Flask-PyMongo's wrappers subclass them), and `MongoClient.options` is pymongo's
  `ClientOptions` of what the client was given.
- `AsyncMongoClient`, change streams, sessions and transactions are not faked. GridFS is
  `harness.fakes.gridfs`.

Building the tree imports mongomock and the parts of the real pymongo it and the fake use, as
any import of them does: build it before snapshotting `sys.modules`. Not all of pymongo:
`pymongo/__init__` imports the whole driver (the async client, TLS support, `cryptography`:
more than half of what a first load of a Mongo service costs), so unless pymongo is imported
already, the package stands in `sys.modules` without its `__init__` having run
(`harness.fakes.lazy_package`): its submodules are the real ones, loaded as they are imported.
The fake's top level holds the real package's names resolved then, except `DEFERRED` and the
ones only the real `__init__` defines (`pymongo.timeout`): those are resolved the first time a
service asks the fake for them (the real `__init__` then runs, once).

`MongoStore.reset()` brings the store back to its baseline: collections emptied and dropped,
except those present when `mark_baseline()` was called (typically right after a legacy
module's import), which get back their documents of that moment and keep their indexes, so a
unique index created at import keeps raising `DuplicateKeyError` in every test.
"""

from __future__ import annotations

import copy
import sys
import threading
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.fakes.lazy_package import failing_at_once, without_init
from harness.fakes.tree import ModuleTree, bind, new_module
from harness.fidelity import Fidelity
from harness.modules import NotServed, real_package

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "pymongo"

# Real submodules in the tree from the start (their classes are what mongomock raises or
# returns); any other real submodule is served when asked for, by the rule of `MongoTree`.
REAL_SUBMODULES = (
    "pymongo.errors",
    "pymongo.results",
    "pymongo.read_preferences",
    "pymongo.write_concern",
    "pymongo.uri_parser",
    "pymongo.collation",
)


# Real pymongo names the fake resolves only when asked for: the async client (the costliest part
# of pymongo to import; mongomock has no async client, so it is the real one, as before).
DEFERRED = ("AsyncMongoClient",)
# pymongo's modules import each other in cycles that resolve only in the order its __init__
# imports them: `common` first (else `helpers_shared -> hello -> common -> compression_support ->
# hello` fails, and mongomock, catching the ImportError, uses its own IndexModel and ReturnDocument).
IMPORTED_FIRST = ("pymongo.common",)
# pymongo modules whose import fails where an optional dependency is missing, after importing
# others for nothing: TLS through pyOpenSSL (imports cryptography first; without pyOpenSSL
# pymongo uses the standard library's ssl).
BOUND_TO_FAIL = ("pymongo.pyopenssl_context",)


class MongoStore:
    """The in-memory MongoDB server the fake clients share. Thread-safe for reset/baseline."""

    def __init__(self) -> None:
        from mongomock.store import ServerStore

        self._server = ServerStore()
        self._lock = threading.Lock()
        self._baseline: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def client(self, host: str | None = None, **kwargs: Any) -> Any:
        """A mongomock client on this store: the test's view of the service's data."""
        import mongomock

        return mongomock.MongoClient(host, _store=self._server, **kwargs)

    def database_names(self) -> list[str]:
        return sorted(self.client().list_database_names())

    def mark_baseline(self) -> None:
        """Remember the current databases, collections and documents as the reset target."""
        client = self.client()
        baseline: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for db_name in client.list_database_names():
            db = client[db_name]
            baseline[db_name] = {
                name: copy.deepcopy(list(db[name].find())) for name in db.list_collection_names()
            }
        with self._lock:
            self._baseline = baseline

    def reset(self) -> None:
        """Back to the baseline (nothing at all if `mark_baseline` was never called)."""
        client = self.client()
        with self._lock:
            baseline = self._baseline
            for db_name in client.list_database_names():
                kept = baseline.get(db_name)
                if kept is None:
                    client.drop_database(db_name)
                    continue
                db = client[db_name]
                for name in db.list_collection_names():
                    if name not in kept:
                        db.drop_collection(name)
                        continue
                    # Emptied, not dropped: indexes created at import survive.
                    db[name].delete_many({})
                    if kept[name]:
                        db[name].insert_many(copy.deepcopy(kept[name]))


class MongoClientBase:
    """Mixin for the tree's `MongoClient`: records the client, binds the shared store."""

    _backends: Backends
    _database_class: type

    def __init__(
        self, host: Any = None, port: int | None = None, *args: Any, **kwargs: Any
    ) -> None:
        self._backends.clients.record(
            TOP_LEVEL, "MongoClient", {"host": host, "port": port, **kwargs}
        )
        kwargs.pop("_store", None)
        self._harness_given = (host, dict(kwargs))
        super().__init__(
            _without_srv(host), port, *args, _store=self._backends.mongo._server, **kwargs
        )  # type: ignore[call-arg]


    def get_database(self, *args: Any, **kwargs: Any) -> Any:
        database = super().get_database(*args, **kwargs)  # type: ignore[misc]
        database.__class__ = self._database_class
        return database

    @property
    def options(self) -> Any:
        """pymongo's `ClientOptions` of the options the client was given, in its URI or as
        keywords (mongomock has none; `GridFSBucket` reads its `timeout`). Options pymongo
        would refuse are left out: mongomock took the client as it was."""
        from pymongo import common, uri_parser
        from pymongo.client_options import ClientOptions
        from pymongo.errors import PyMongoError

        host, given = self._harness_given
        options = common._CaseInsensitiveDictionary()
        for uri in host if isinstance(host, (list, tuple)) else [host]:
            if isinstance(uri, str) and "://" in uri:
                try:
                    options.update(uri_parser.parse_uri(_without_srv(uri))["options"])
                except (PyMongoError, ValueError):
                    pass
        for key, value in given.items():
            try:
                name, valid = common.validate(key, value)
            except (PyMongoError, ValueError, TypeError):
                continue
            options[name] = valid
        return ClientOptions(None, None, None, options)  # type: ignore[arg-type]


# -- Sort and index specifications checked as pymongo and the server check them --------------
# Written by hand: mongomock accepts any direction; these subclasses add no state, only the
# checks, and are swapped onto the objects mongomock builds (`__class__`), since mongomock
# creates its databases, collections and cursors from module-level names.

SORT_ORDER_ERROR = (15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")


def _sort_error(sort: Any, OperationFailure: type[Exception]) -> Exception | None:
    """What the server says of a sort specification pymongo let through (None if valid)."""
    items = sort.items() if isinstance(sort, dict) else (sort or ())
    for key, direction in items:
        if isinstance(direction, dict) and "$meta" in direction:
            continue
        if isinstance(direction, bool) or direction not in (1, -1):
            if isinstance(direction, str):
                code, message = 15974, f"Illegal key in $sort specification: {key}: {direction!r}"
            else:
                code, message = SORT_ORDER_ERROR
            return OperationFailure(message, code, {"ok": 0.0, "errmsg": message, "code": code})
    return None


class CursorChecks:
    """Mixin for the tree's `Cursor`: a sort the server would refuse fails at the first fetch."""

    # Bound at build time: once the tree is served, `pymongo.*` imports reach the fake package.
    _helpers: types.ModuleType  # the real pymongo.helpers_shared
    _operation_failure: type[Exception]
    _factory: Any

    def sort(self, key_or_list: Any, direction: Any = None) -> Any:
        keys = self._helpers._index_list(key_or_list, direction)
        self._helpers._index_document(keys)
        super().sort(keys)  # type: ignore[misc]
        self._refuse_invalid_sort(keys)
        return self

    def _refuse_invalid_sort(self, sort: Any) -> None:
        error = _sort_error(sort, self._operation_failure)
        if error is not None:

            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise error

            self._factory = refuse


# -- pymongo's constructors ----------------------------------------------------------------
# mongomock builds its databases and collections with its own signatures (the store as third
# argument); code subclassing pymongo's classes (Flask-PyMongo's `Database(client, name)` and
# `Collection(db, name)` wrappers) calls pymongo's. Written by hand: these accept both.


class CollectionChecks:
    """Mixin for the tree's `Collection`: pymongo's checks on `find(sort=)` and index keys."""

    _cursor_class: type
    _helpers: types.ModuleType  # the real pymongo.helpers_shared, bound at build time

    def __init__(self, database: Any, name: str, *args: Any, **kwargs: Any) -> None:
        if "_db_store" not in kwargs:  # pymongo's (database, name, create, codec_options, ...)
            given = dict(
                zip(
                    ("create", "codec_options", "read_preference", "write_concern",
                     "read_concern", "session"),
                    args,
                )
            )  # fmt: skip
            given.update(kwargs)
            if given.pop("session", None) is not None:
                raise NotImplementedError("Collection(session=...) is not supported by mongomock")
            if given.pop("create", False):
                database.create_collection(name)
            kwargs = {
                key: given.pop(key)
                for key in ("codec_options", "read_preference", "write_concern", "read_concern")
                if key in given
            }
            args = ()
            kwargs["_db_store"] = database._store
        super().__init__(database, name, *args, **kwargs)  # type: ignore[call-arg]

    @property
    def _Collection__database(self) -> Any:
        """pymongo's private name of `database`, which Flask-PyMongo's `Collection` reads."""
        return self.database  # type: ignore[attr-defined]

    def find(self, *args: Any, sort: Any = None, **kwargs: Any) -> Any:
        if sort is not None:
            self._helpers._index_document(sort)  # pymongo's Cursor does this with sort=
        cursor = super().find(*args, sort=sort, **kwargs)  # type: ignore[misc]
        cursor.__class__ = self._cursor_class
        cursor._refuse_invalid_sort(sort)
        return cursor

    def create_index(self, keys: Any, *args: Any, **kwargs: Any) -> Any:
        self._helpers._index_document(self._helpers._index_list(keys))
        return super().create_index(keys, *args, **kwargs)  # type: ignore[misc]

    def with_options(self, *args: Any, **kwargs: Any) -> Any:
        collection = super().with_options(*args, **kwargs)  # type: ignore[misc]
        collection.__class__ = type(self)
        return collection


class DatabaseChecks:
    """Mixin for the tree's `Database`: hands out collections that check like pymongo."""

    _collection_class: type

    def __init__(self, client: Any, name: str, *args: Any, **kwargs: Any) -> None:
        if "_store" not in kwargs:  # pymongo's (client, name, codec_options, read_preference, ...)
            given = dict(
                zip(("codec_options", "read_preference", "write_concern", "read_concern"), args)
            )
            given.update(kwargs)
            given.pop("write_concern", None)  # as mongomock's get_database: taken, not used
            args, kwargs = (), {**given, "_store": client._store[name]}
        super().__init__(client, name, *args, **kwargs)  # type: ignore[call-arg]

    def get_collection(self, *args: Any, **kwargs: Any) -> Any:
        collection = super().get_collection(*args, **kwargs)  # type: ignore[misc]
        collection.__class__ = self._collection_class
        return collection


class MongoTree(ModuleTree):
    """The fake's modules, and pymongo's other submodules served real when they are safe.

    A service (or a library it imports: Flask-PyMongo, gridfs) may import any of pymongo's
    submodules: `pymongo.common`'s validators, `pymongo.monitoring`'s listeners, `pymongo.
    server_api`. Such a module is imported for real (outside the scope, as the fake's own
    imports are) and served as it is when none of its names is one of pymongo's own client
    classes, the ones the fake replaces (`MongoClient`, `Database`, `Collection`, `Cursor`), a
    subclass of one, or a pymongo module holding one: then it opens no connection of its own,
    and what it hands out works with the fake's clients. A module that does hold one
    (`pymongo.synchronous.collection`, `pymongo.encryption`) would build clients on the real
    driver: refused, saying which class (`NotServed`)."""

    def __init__(
        self,
        modules: dict[str, types.ModuleType],
        package: types.ModuleType,
        clients: tuple[type, ...],
    ) -> None:
        super().__init__(TOP_LEVEL, Fidelity.FAKE, modules)
        self._package = package  # the real pymongo (or its stand-in without `__init__`)
        self._clients = frozenset(cls.__name__ for cls in clients)
        self._refused: dict[str, str] = {}

    def module(self, name: str) -> types.ModuleType:
        if name in self._modules or not name.startswith(TOP_LEVEL + "."):
            return super().module(name)
        if name in self._refused:
            raise NotServed(self._refused[name])
        import importlib

        try:
            with real_package(TOP_LEVEL, self._package):
                module = importlib.import_module(name)
        except ImportError:
            return super().module(name)  # no such module: refused as any name not served
        held = self._client_class_in(module)
        if held is not None:
            self._refused[name] = (
                f"it holds pymongo's own client class {held}, which would connect to a real "
                "server; the fake's clients are MongoClient, Database, Collection and Cursor "
                "from pymongo, pymongo.mongo_client, pymongo.database, pymongo.collection and "
                "pymongo.cursor"
            )
            raise NotServed(self._refused[name])
        self._modules[name] = module
        return module

    __getitem__ = module

    def _client_class_in(self, module: types.ModuleType) -> str | None:
        """`module.Name` of a real client class `module` holds (one it defines first), or None
        (a package's own submodules are asked about when they are imported, not with it)."""
        held = []
        for value in list(vars(module).values()):
            if isinstance(value, types.ModuleType):
                own = value.__name__.startswith(module.__name__ + ".")
                if own or not value.__name__.startswith(TOP_LEVEL + "."):
                    continue
            inner = (
                list(vars(value).values()) if isinstance(value, types.ModuleType) else [value]
            )
            for candidate in inner:
                if not isinstance(candidate, type):
                    continue
                if any(
                    cls.__name__ in self._clients and cls.__module__.startswith(TOP_LEVEL)
                    for cls in candidate.__mro__
                ):
                    held.append(candidate)
        held.sort(key=lambda cls: cls.__module__ != module.__name__)
        return f"{held[0].__module__}.{held[0].__qualname__}" if held else None


def _without_srv(host: Any) -> Any:
    """`mongodb+srv://` needs a DNS lookup to resolve; a fake server needs none."""
    if isinstance(host, str) and host.startswith("mongodb+srv://"):
        return "mongodb://" + host[len("mongodb+srv://") :]
    if isinstance(host, (list, tuple)):
        return type(host)(_without_srv(h) for h in host)
    return host


def _operations_without_sort() -> tuple[type, type]:
    # Written by hand: bridges pymongo 4.20's bulk API to mongomock 4.3's (see module docstring).
    from pymongo import operations
    from pymongo.collation import validate_collation_or_none

    class UpdateOne(operations.UpdateOne):
        __doc__ = operations.UpdateOne.__doc__

        def _add_to_bulk(self, bulkobj: Any) -> None:
            if self._sort:
                raise NotImplementedError("UpdateOne(sort=...) is not supported by mongomock")
            bulkobj.add_update(
                self._filter,
                self._doc,
                False,
                bool(self._upsert),
                collation=validate_collation_or_none(self._collation),
                array_filters=self._array_filters,
                hint=self._hint,
            )

    class ReplaceOne(operations.ReplaceOne):
        __doc__ = operations.ReplaceOne.__doc__

        def _add_to_bulk(self, bulkobj: Any) -> None:
            if self._sort:
                raise NotImplementedError("ReplaceOne(sort=...) is not supported by mongomock")
            bulkobj.add_replace(
                self._filter,
                self._doc,
                self._upsert,
                collation=validate_collation_or_none(self._collation),
                hint=self._hint,
            )

    for cls in (UpdateOne, ReplaceOne):
        cls.__module__ = "pymongo.operations"
    return UpdateOne, ReplaceOne


def _real_top_level(
    replaced: set[str],
) -> tuple[dict[str, Any], Callable[[str], Any] | None]:
    """The real `pymongo`'s public names for the fake's top level (`replaced` left out, modules
    too), and the fake's module `__getattr__` for those resolved when first asked for."""
    import pymongo

    package = without_init("pymongo")  # the stand-in build_tree installed, if it did
    if package is None or package.completed:
        return {
            name: value
            for name, value in vars(pymongo).items()
            if not name.startswith("__")
            and not isinstance(value, types.ModuleType)
            and name not in replaced
        }, None
    deferred = (package.needs_init | set(DEFERRED)) & package.names
    names: dict[str, Any] = {}
    for name in sorted(package.names - deferred - replaced):
        if name.startswith("__") or package.is_submodule(name):
            continue
        value = getattr(package.module, name)
        if not isinstance(value, types.ModuleType):
            names[name] = value

    def __getattr__(attr: str) -> Any:
        if attr in deferred:
            with real_package("pymongo", package.module):
                value = getattr(package.module, attr)
            if not isinstance(value, types.ModuleType):
                return value
        raise AttributeError(f"module 'pymongo' has no attribute {attr!r}")

    return names, __getattr__


def build_tree(backends: Backends) -> ModuleTree:
    """Fresh `pymongo` module objects whose clients use `backends.mongo`."""
    import importlib

    if without_init("pymongo") is not None:  # its submodules, not the whole driver
        for name in IMPORTED_FIRST:
            importlib.import_module(name)
    with failing_at_once(*BOUND_TO_FAIL):
        import mongomock
    import pymongo
    from pymongo import errors, helpers_shared, operations

    Cursor = bind(
        CursorChecks,
        "Cursor",
        {"_helpers": helpers_shared, "_operation_failure": errors.OperationFailure},
        bases=(mongomock.collection.Cursor,),
    )
    Collection = bind(
        CollectionChecks,
        "Collection",
        {"_cursor_class": Cursor, "_helpers": helpers_shared},
        bases=(mongomock.Collection,),
    )
    Database = bind(
        DatabaseChecks, "Database", {"_collection_class": Collection}, bases=(mongomock.Database,)
    )
    MongoClient = bind(
        MongoClientBase,
        "MongoClient",
        {"_backends": backends, "_database_class": Database},
        bases=(mongomock.MongoClient,),
    )
    UpdateOne, ReplaceOne = _operations_without_sort()
    level = Fidelity.FAKE

    def public(module: types.ModuleType) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(module).items()
            if not name.startswith("__") and not isinstance(value, types.ModuleType)
        }

    replacing = {"MongoClient": MongoClient, "UpdateOne": UpdateOne, "ReplaceOne": ReplaceOne}
    real_names, resolve_later = _real_top_level(set(replacing))
    top_attrs = real_names | replacing
    if resolve_later is not None:
        top_attrs["__getattr__"] = resolve_later
    top_attrs["__all__"] = list(getattr(pymongo, "__all__", ()))
    modules: dict[str, types.ModuleType] = {
        "pymongo": new_module(
            "pymongo",
            top_attrs,
            package=True,
            level=level,
            doc="harness fake of pymongo (mongomock)",
        ),
        "pymongo.mongo_client": new_module(
            "pymongo.mongo_client", {"MongoClient": MongoClient}, package=False, level=level
        ),
        "pymongo.collection": new_module(
            "pymongo.collection",
            {"Collection": Collection, "ReturnDocument": pymongo.ReturnDocument},
            package=False,
            level=level,
        ),
        "pymongo.database": new_module(
            "pymongo.database", {"Database": Database}, package=False, level=level
        ),
        "pymongo.cursor": new_module(
            "pymongo.cursor",
            {"Cursor": Cursor, "CursorType": pymongo.CursorType},
            package=False,
            level=level,
        ),
        "pymongo.operations": new_module(
            "pymongo.operations",
            public(operations) | {"UpdateOne": UpdateOne, "ReplaceOne": ReplaceOne},
            package=False,
            level=level,
        ),
    }
    for name in REAL_SUBMODULES:
        modules[name] = importlib.import_module(name)
    return MongoTree(modules, sys.modules[TOP_LEVEL], (MongoClient, Database, Collection, Cursor))
