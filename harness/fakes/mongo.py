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
- `AsyncMongoClient`, change streams, sessions and transactions are not faked.

Building the tree imports the real pymongo (about 0.12 s, pure Python once `bson` is loaded) and
mongomock, as any import of them does: build it before snapshotting `sys.modules`.

`MongoStore.reset()` brings the store back to its baseline: collections emptied and dropped,
except those present when `mark_baseline()` was called (typically right after a legacy
module's import), which get back their documents of that moment and keep their indexes, so a
unique index created at import keeps raising `DuplicateKeyError` in every test.
"""

from __future__ import annotations

import copy
import threading
import types
from typing import TYPE_CHECKING, Any

from harness.fakes.tree import ModuleTree, bind, new_module

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "pymongo"

# Real submodules served as they are (their classes are what mongomock raises or returns).
REAL_SUBMODULES = (
    "pymongo.errors",
    "pymongo.results",
    "pymongo.read_preferences",
    "pymongo.write_concern",
    "pymongo.uri_parser",
    "pymongo.collation",
)


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

    def __init__(
        self, host: Any = None, port: int | None = None, *args: Any, **kwargs: Any
    ) -> None:
        self._backends.clients.record(
            TOP_LEVEL, "MongoClient", {"host": host, "port": port, **kwargs}
        )
        kwargs.pop("_store", None)
        super().__init__(
            _without_srv(host), port, *args, _store=self._backends.mongo._server, **kwargs
        )  # type: ignore[call-arg]


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


def build_tree(backends: Backends) -> ModuleTree:
    """Fresh `pymongo` module objects whose clients use `backends.mongo`."""
    import importlib

    import mongomock
    import pymongo
    from pymongo import operations

    MongoClient = bind(
        MongoClientBase, "MongoClient", {"_backends": backends}, bases=(mongomock.MongoClient,)
    )
    UpdateOne, ReplaceOne = _operations_without_sort()
    level = "fake"

    def public(module: types.ModuleType) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(module).items()
            if not name.startswith("__") and not isinstance(value, types.ModuleType)
        }

    top_attrs = public(pymongo) | {
        "MongoClient": MongoClient,
        "UpdateOne": UpdateOne,
        "ReplaceOne": ReplaceOne,
    }
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
            {"Collection": mongomock.Collection, "ReturnDocument": pymongo.ReturnDocument},
            package=False,
            level=level,
        ),
        "pymongo.database": new_module(
            "pymongo.database", {"Database": mongomock.Database}, package=False, level=level
        ),
        "pymongo.cursor": new_module(
            "pymongo.cursor",
            {"Cursor": mongomock.collection.Cursor, "CursorType": pymongo.CursorType},
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
    return ModuleTree(TOP_LEVEL, level, modules)
