"""The pymongo fake refuses sort and index specifications as pymongo and MongoDB do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pymongo.errors
import pytest

if TYPE_CHECKING:
    from .conftest import Tree


@pytest.fixture
def readings(pm: Tree):
    collection = pm.MongoClient("mongodb://mongo:27017/")["telemetry"]["readings"]
    collection.insert_many([{"timestamp": 2}, {"timestamp": 1}, {"timestamp": 3}])
    return collection


def _timestamps(cursor) -> list[int]:
    return [doc["timestamp"] for doc in cursor]


def test_valid_sorts_still_order_the_documents(readings) -> None:
    assert _timestamps(readings.find().sort("timestamp", -1)) == [3, 2, 1]
    assert _timestamps(readings.find().sort([("timestamp", 1)])) == [1, 2, 3]
    assert _timestamps(readings.find().sort({"timestamp": -1})) == [3, 2, 1]
    assert _timestamps(readings.find(sort=[("timestamp", -1)])) == [3, 2, 1]
    assert readings.find_one(sort=[("timestamp", -1)])["timestamp"] == 3


def test_a_direction_other_than_1_or_minus_1_fails_when_the_query_runs(readings) -> None:
    cursor = readings.find().sort("timestamp", 2)  # pymongo sends it; the server refuses it
    with pytest.raises(pymongo.errors.OperationFailure, match=r"must be 1 \(for ascending\)") as e:
        list(cursor)
    assert e.value.code == 15975


@pytest.mark.parametrize("sort", [[("timestamp", 0)], {"timestamp": 2}, [("timestamp", -2)]])
def test_find_sort_argument_and_find_one_are_checked_too(readings, sort) -> None:
    with pytest.raises(pymongo.errors.OperationFailure) as e:
        list(readings.find({}, sort=sort))
    assert e.value.code == 15975
    with pytest.raises(pymongo.errors.OperationFailure):
        readings.find_one({}, sort=sort)


def test_a_string_direction_is_an_illegal_sort_key(readings) -> None:
    with pytest.raises(pymongo.errors.OperationFailure, match="Illegal key") as e:
        list(readings.find().sort("timestamp", "asc"))
    assert e.value.code == 15974


def test_pymongo_type_checks_run_before_the_query(readings) -> None:
    with pytest.raises(TypeError, match="second item in each key pair"):
        readings.find().sort("timestamp", 1.0)
    with pytest.raises(TypeError, match="must use a dictionary or a list"):
        readings.find({}, sort="timestamp")
    with pytest.raises(TypeError, match="key_or_list must be an instance of list"):
        readings.find().sort(5)
    with pytest.raises(TypeError, match="second item in each key pair"):
        readings.create_index([("timestamp", 1.0)])


def test_create_index_accepts_what_mongodb_accepts(readings) -> None:
    readings.create_index([("timestamp", -1)], name="newest")
    readings.create_index([("timestamp", 2)], name="positive_is_ascending")
    assert {"newest", "positive_is_ascending"} <= set(readings.index_information())


def test_collections_from_with_options_and_attributes_keep_the_checks(readings) -> None:
    for collection in (readings.with_options(), readings.database.readings):
        with pytest.raises(pymongo.errors.OperationFailure):
            list(collection.find().sort("timestamp", 2))
