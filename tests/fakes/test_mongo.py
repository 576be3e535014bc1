"""The pymongo fake: mongomock behind any URI, real pymongo.errors, baseline reset."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pymongo.errors
import pytest

from harness.fakes.backends import Backends

if TYPE_CHECKING:
    from .conftest import Tree


def _positions(pm: Tree, uri: str = "mongodb://mongo:27017/"):
    return pm.MongoClient(uri)["telemetry"]["positions"]


def test_service_client_and_test_view_share_the_data(pm: Tree, backends: Backends) -> None:
    _positions(pm).insert_one({"identifier": "EX001", "timestamp": 1})
    view = backends.mongo.client()["telemetry"]["positions"]
    assert view.count_documents({"identifier": "EX001"}) == 1


def test_queries_sort_and_projection_behave_like_mongodb(pm: Tree) -> None:
    positions = _positions(pm)
    positions.insert_many(
        [
            {"identifier": "EX001", "timestamp": 3, "base": {"code": "B1"}},
            {"identifier": "EX001", "timestamp": 1, "base": {"code": "B2"}},
            {"identifier": "EX002", "timestamp": 2, "base": {"code": "B1"}},
        ]
    )
    found = list(
        positions.find({"identifier": "EX001"}, {"_id": 0, "timestamp": 1}).sort(
            "timestamp", pm.ASCENDING
        )
    )
    assert found == [{"timestamp": 1}, {"timestamp": 3}]
    codes = list(positions.find({"timestamp": {"$gte": 2}}, {"_id": 0, "base.code": 1}))
    assert sorted(d["base"]["code"] for d in codes) == ["B1", "B1"]


def test_unique_index_raises_the_real_duplicate_key_error(pm: Tree) -> None:
    positions = _positions(pm)
    positions.create_index([("identifier", pm.ASCENDING), ("timestamp", pm.ASCENDING)], unique=True)
    positions.insert_one({"identifier": "EX001", "timestamp": 1})
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        positions.insert_one({"identifier": "EX001", "timestamp": 1})
    assert pm["errors"] is pymongo.errors


def test_upsert_and_find_one_and_update(pm: Tree) -> None:
    state = _positions(pm)
    state.update_one({"identifier": "EX001"}, {"$set": {"hours": 1.0}}, upsert=True)
    updated = state.find_one_and_update(
        {"identifier": "EX001"}, {"$inc": {"hours": 0.5}}, return_document=pm.ReturnDocument.AFTER
    )
    assert updated["hours"] == 1.5


def test_bulk_write_with_update_one_works_on_mongomock(pm: Tree) -> None:
    state = _positions(pm)
    result = state.bulk_write(
        [
            pm.UpdateOne({"identifier": "EX001"}, {"$set": {"n": 1}}, upsert=True),
            pm.InsertOne({"identifier": "EX002"}),
        ]
    )
    assert (result.upserted_count, result.inserted_count) == (1, 1)
    assert pm["operations"].UpdateOne is pm.UpdateOne


def test_any_uri_is_accepted_without_network(pm: Tree, backends: Backends) -> None:
    _positions(
        pm, "mongodb+srv://user:secret@cluster0.example.net/telemetry?retryWrites=true"
    ).insert_one({"a": 1})
    pm.MongoClient("mongo", 27017, serverSelectionTimeoutMS=100)["telemetry"][
        "positions"
    ].insert_one({"a": 2})
    assert backends.mongo.client()["telemetry"]["positions"].count_documents({}) == 2
    hosts = [entry.config["host"] for entry in backends.clients.entries()]
    assert hosts[0].startswith("mongodb+srv://")


def test_pure_real_submodules_are_served_and_client_ones_refused_saying_which_class(
    pm: Tree,
) -> None:
    import pymongo.common
    import pymongo.server_api

    from harness.modules import NotServed

    assert pm["common"] is pymongo.common  # what gridfs and Flask-PyMongo import
    assert pm["server_api"].ServerApi is pymongo.server_api.ServerApi
    assert pm["common"] in {pm.tree.module(n) for n in pm.tree.names()}
    with pytest.raises(NotServed, match=r"class pymongo\.synchronous\.collection\.Collection,"):
        pm["synchronous.collection"]
    with pytest.raises(NotServed, match="client class"):  # asked again: the same answer
        pm["synchronous.collection"]
    with pytest.raises(NotServed, match=r"pymongo\.synchronous\.\w+\.(MongoClient|Database)"):
        pm["encryption"]  # builds its key vault's MongoClient: refused
    with pytest.raises(KeyError, match="has no module 'pymongo.no_such_module'"):
        pm["no_such_module"]


def test_subclasses_built_with_pymongos_own_signatures_share_the_store(
    pm: Tree, backends: Backends
) -> None:
    class Database(pm["database"].Database):  # as Flask-PyMongo's wrappers are
        pass

    class Collection(pm["collection"].Collection):
        pass

    client = pm.MongoClient("mongodb://mongo:27017/")
    database = Database(client, "shop", None, None)  # (client, name, codec_options, read_pref.)
    items = Collection(database, "items")
    items.insert_one({"name": "pen"})
    Collection(database, "orders", True)  # create=True: created now, as pymongo does

    view = backends.mongo.client()["shop"]
    assert [d["name"] for d in view["items"].find()] == ["pen"]
    assert sorted(view.list_collection_names()) == ["items", "orders"]
    assert items._Collection__database is database  # pymongo's private name Flask-PyMongo reads
    with pytest.raises(NotImplementedError, match="session"):
        Collection(database, "items", session=object())
    with pytest.raises(pymongo.errors.OperationFailure):  # still the fake's checked cursor
        list(items.find().sort("name", 2))


def test_client_options_are_pymongos_from_uri_and_keywords(pm: Tree) -> None:
    client = pm.MongoClient("mongodb://mongo:27017/?timeoutMS=250", connect=False, w=1)

    assert client.options.timeout == 0.25
    assert client.options.write_concern.document == {"w": 1}
    assert pm.MongoClient("mongo", 27017, notAnOption=1).options.timeout is None


def test_reset_returns_to_the_baseline_and_keeps_its_indexes(pm: Tree, backends: Backends) -> None:
    positions = _positions(pm)
    positions.create_index("identifier", unique=True)
    positions.insert_one({"identifier": "seed"})
    backends.mongo.mark_baseline()
    positions.insert_one({"identifier": "EX001"})
    pm.MongoClient()["scratch"]["tmp"].insert_one({"x": 1})

    backends.reset()

    assert [d["identifier"] for d in positions.find()] == ["seed"]
    assert backends.mongo.database_names() == ["telemetry"]
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        positions.insert_one({"identifier": "seed"})


def test_reset_without_baseline_drops_everything(pm: Tree, backends: Backends) -> None:
    _positions(pm).insert_one({"identifier": "EX001"})
    backends.mongo.reset()
    assert backends.mongo.database_names() == []


# Run in a fresh interpreter: here pymongo is imported already (this suite's conftest).
FRESH_BUILD = """
import sys, types
from harness.fakes.backends import Backends
from harness.integrations import provider

tree = provider("pymongo").build(Backends())
fake = tree.module("pymongo")
assert "pymongo.asynchronous.mongo_client" not in sys.modules, "the async client was imported"
ssl_support = sys.modules["pymongo.ssl_support"]
try:
    import OpenSSL, service_identity  # noqa: F401
except ImportError:  # pymongo's TLS is the standard library's, and cryptography is not imported
    assert not ssl_support.HAVE_PYSSL and "cryptography.x509" not in sys.modules
else:
    assert ssl_support.HAVE_PYSSL
client = fake.MongoClient("mongodb://mongo.invalid:27017/")
positions = client["telemetry"]["positions"]
positions.create_index("identifier", unique=True)
positions.insert_one({"identifier": "EX001"})
try:
    positions.insert_one({"identifier": "EX001"})
except sys.modules["pymongo.errors"].DuplicateKeyError:
    pass
assert tree.module("pymongo.errors") is sys.modules["pymongo.errors"]
# Other real submodules are served without the driver's client layer either.
assert tree.module("pymongo.monitoring").CommandListener.__module__ == "pymongo.monitoring"
assert "pymongo.asynchronous.mongo_client" not in sys.modules
assert "pymongo.synchronous.mongo_client" not in sys.modules
# Names only the real __init__ defines, and the async client, resolve when asked for.
assert fake.timeout(1).__class__.__name__ == "_TimeoutContext"
import pymongo
from pymongo.asynchronous.mongo_client import AsyncMongoClient
assert fake.AsyncMongoClient is AsyncMongoClient is pymongo.AsyncMongoClient
public = {
    n for n, v in vars(pymongo).items()
    if not n.startswith("__") and not isinstance(v, types.ModuleType)
}
missing = sorted(n for n in public if not hasattr(fake, n))
assert not missing, missing
print("ok")
"""


def test_the_tree_imports_pymongo_without_its_async_client_and_still_has_every_name() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FRESH_BUILD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the assertion shows its stderr
    )
    assert done.stdout.strip() == "ok", done.stderr


# What mongomock's modules bound at their import (names of pymongo's classes, or its own
# fallbacks where a `try: from pymongo... except ImportError:` failed), as JSON.
MONGOMOCK_BINDINGS = """
import json, sys, types
if sys.argv[1] == "whole":
    import pymongo, mongomock  # noqa: F401
else:
    from harness.fakes.backends import Backends
    from harness.integrations import provider
    provider("pymongo").build(Backends())

def described(value):
    if isinstance(value, types.ModuleType):
        return "module " + value.__name__
    if isinstance(value, (type, types.FunctionType)):
        return f"{value.__module__}.{value.__qualname__}"
    kind = type(value)
    if kind.__module__.startswith(("pymongo", "mongomock", "bson")):
        return f"a {kind.__module__}.{kind.__qualname__}"
    return None

print(json.dumps({
    name: {k: d for k, v in vars(module).items() if (d := described(v)) is not None}
    for name, module in sys.modules.items() if name.startswith("mongomock")
}))
"""


def test_mongomock_binds_the_same_pymongo_objects_as_with_pymongo_imported_whole() -> None:
    import json
    import subprocess
    import sys

    def bindings(mode: str) -> dict[str, dict[str, str]]:
        done = subprocess.run(
            [sys.executable, "-c", MONGOMOCK_BINDINGS, mode],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(done.stdout)

    whole, fake = bindings("whole"), bindings("fake")

    assert whole["mongomock.collection"]["IndexModel"] == "pymongo.operations.IndexModel"
    assert fake == whole
