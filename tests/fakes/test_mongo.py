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
