"""Baseline: the history service's HTTP routes.

MongoDB is the `collection` MagicMock (fresh per test) and the archive service
is `requests.get` replaced by `archive_get`; the clock is fixed at NOW_MS.
"""

from unittest.mock import MagicMock

import pytest
import requests

from .conftest import DAY_MS, NOW_MS, TODAY_MIDNIGHT_MS

ARCHIVE_URL = "http://archive.invalid:8080/equip/EX001"
RETENTION_START = NOW_MS - 30 * DAY_MS
OLD_START = RETENTION_START - 2 * DAY_MS


def position(timestamp, identifier="EX001", base="BASE01", lat=45.0):
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": base, "name": None},
        "position": {"lat": lat, "lon": 9.0},
    }


def mongo_returns(collection, documents):
    collection.find.return_value.sort.return_value = documents


def archive_answers(archive_get, status=200, body=None, json_error=False):
    response = MagicMock(name="archive response", status_code=status)
    if json_error:
        response.json.side_effect = requests.exceptions.JSONDecodeError(
            "Expecting value", "<html>", 0
        )
    else:
        response.json.return_value = body
    archive_get.side_effect = None
    archive_get.return_value = response


def test_health_is_ok(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# -- /equip/<identifier>: range and MongoDB query ---------------------------
def test_equip_defaults_to_the_last_24_hours(client, collection):
    mongo_returns(collection, [])

    body = client.get("/equip/EX001").get_json()

    assert (body["start"], body["end"]) == (NOW_MS - DAY_MS, NOW_MS)
    collection.find.assert_called_once_with(
        {"identifier": "EX001", "timestamp": {"$gte": NOW_MS - DAY_MS, "$lte": NOW_MS}},
        {"_id": 0},
    )


def test_equip_queries_the_requested_range_sorted_ascending(client, collection):
    mongo_returns(collection, [])

    client.get(f"/equip/EX001?start={NOW_MS - 3600_000}&end={NOW_MS - 60_000}")

    query, projection = collection.find.call_args.args
    assert query["timestamp"] == {"$gte": NOW_MS - 3600_000, "$lte": NOW_MS - 60_000}
    assert projection == {"_id": 0}
    collection.find.return_value.sort.assert_called_once_with("timestamp", 1)


def test_equip_returns_mongo_positions_with_count(client, collection):
    documents = [position(NOW_MS - 2000), position(NOW_MS - 1000)]
    mongo_returns(collection, documents)

    response = client.get("/equip/EX001")

    assert response.status_code == 200
    body = response.get_json()
    assert body["identifier"] == "EX001"
    assert body["positions"] == documents
    assert body["count"] == 2


def test_equip_with_no_history_is_200_and_empty(client, collection):
    mongo_returns(collection, [])

    response = client.get("/equip/EX404")

    assert response.status_code == 200
    assert response.get_json()["positions"] == []
    assert response.get_json()["count"] == 0


@pytest.mark.parametrize("query", ["start=yesterday", "end=1.5", "start=1&end=abc"])
def test_equip_rejects_non_integer_bounds(client, collection, query):
    response = client.get(f"/equip/EX001?{query}")

    assert response.status_code == 400
    assert "error" in response.get_json()
    collection.find.assert_not_called()


def test_equip_rejects_start_after_end(client, collection):
    response = client.get(f"/equip/EX001?start={NOW_MS}&end={NOW_MS - 1}")

    assert response.status_code == 400
    collection.find.assert_not_called()


def test_equip_accepts_an_instant_range(client, collection):
    mongo_returns(collection, [position(NOW_MS - 5)])

    response = client.get(f"/equip/EX001?start={NOW_MS - 5}&end={NOW_MS - 5}")

    assert response.status_code == 200
    assert response.get_json()["count"] == 1


# -- /equip/<identifier>: archive merge -----------------------------------
def test_equip_inside_retention_never_calls_the_archive(
    client, collection, archive_get
):
    mongo_returns(collection, [position(RETENTION_START + 1)])

    body = client.get(f"/equip/EX001?start={RETENTION_START}&end={NOW_MS}").get_json()

    archive_get.assert_not_called()
    assert body["archive"] == {"status": "not_needed", "count": 0}
    assert body["complete"] is True


def test_equip_past_retention_asks_the_archive_for_the_old_part_only(
    client, collection, archive_get
):
    mongo_returns(collection, [])
    archive_answers(archive_get, body={"positions": []})

    client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}")

    archive_get.assert_called_once_with(
        ARCHIVE_URL, params={"start": OLD_START, "end": RETENTION_START}, timeout=2.5
    )


def test_equip_entirely_archived_range_asks_the_archive_up_to_end(
    client, collection, archive_get
):
    mongo_returns(collection, [])
    archive_answers(archive_get, body={"positions": []})
    end = RETENTION_START - DAY_MS

    client.get(f"/equip/EX001?start={OLD_START}&end={end}")

    assert archive_get.call_args.kwargs["params"] == {"start": OLD_START, "end": end}


def test_equip_merges_archive_and_mongo_ascending(client, collection, archive_get):
    mongo_returns(
        collection, [position(RETENTION_START + 10), position(RETENTION_START + 20)]
    )
    archive_answers(
        archive_get,
        body={"positions": [position(OLD_START + 5), position(OLD_START + 1)]},
    )

    body = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}").get_json()

    assert [p["timestamp"] for p in body["positions"]] == [
        OLD_START + 1,
        OLD_START + 5,
        RETENTION_START + 10,
        RETENTION_START + 20,
    ]
    assert body["count"] == 4
    assert body["archive"] == {"status": "ok", "count": 2}
    assert body["complete"] is True


def test_equip_merge_keeps_the_mongo_copy_of_a_shared_timestamp(
    client, collection, archive_get
):
    mongo_returns(collection, [position(RETENTION_START, lat=1.0)])
    archive_answers(
        archive_get, body={"positions": [position(RETENTION_START, lat=2.0)]}
    )

    body = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}").get_json()

    assert body["positions"] == [position(RETENTION_START, lat=1.0)]


def test_equip_merge_drops_archive_positions_outside_the_range(
    client, collection, archive_get
):
    mongo_returns(collection, [])
    archive_answers(
        archive_get,
        body={
            "positions": [
                position(OLD_START - 1),
                position(OLD_START),
                position(OLD_START + 1),
            ]
        },
    )

    body = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}").get_json()

    assert [p["timestamp"] for p in body["positions"]] == [OLD_START, OLD_START + 1]


# -- /equip/<identifier>: the archive failing degrades gracefully ---------
@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "timeout"),
        (requests.exceptions.ConnectionError("refused"), "unavailable"),
    ],
)
def test_equip_archive_unreachable_answers_with_mongo_only(
    client, collection, archive_get, failure, status
):
    mongo_returns(collection, [position(RETENTION_START + 1)])
    archive_get.side_effect = failure

    response = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["positions"] == [position(RETENTION_START + 1)]
    assert body["archive"] == {"status": status, "count": 0}
    assert body["complete"] is False


def test_equip_archive_server_error_is_reported_with_its_status(
    client, collection, archive_get
):
    mongo_returns(collection, [position(RETENTION_START + 1)])
    archive_answers(archive_get, status=503)

    response = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["archive"] == {"status": "error", "count": 0, "http_status": 503}
    assert body["complete"] is False
    assert body["count"] == 1


def test_equip_archive_answering_non_json_is_invalid(client, collection, archive_get):
    mongo_returns(collection, [])
    archive_answers(archive_get, json_error=True)

    body = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}").get_json()

    assert body["archive"]["status"] == "invalid_response"
    assert body["complete"] is False


@pytest.mark.parametrize(
    "garbage",
    [
        [position(1)],
        {"items": []},
        {"positions": "none"},
        {"positions": [{"timestamp": "2025-11-21"}]},
        {"positions": [{"timestamp": True}]},
        {"positions": ["EX001"]},
    ],
)
def test_equip_archive_answering_the_wrong_shape_is_invalid(
    client, collection, archive_get, garbage
):
    mongo_returns(collection, [position(RETENTION_START + 1)])
    archive_answers(archive_get, body=garbage)

    body = client.get(f"/equip/EX001?start={OLD_START}&end={NOW_MS}").get_json()

    assert body["archive"] == {"status": "invalid_response", "count": 0}
    assert body["positions"] == [position(RETENTION_START + 1)]


# -- /locations/today/equipment --------------------------------------------
def test_today_queries_since_midnight_utc_without_object_ids(client, collection):
    collection.find.return_value = []

    client.get("/locations/today/equipment")

    query, projection = collection.find.call_args.args
    assert query == {"timestamp": {"$gte": TODAY_MIDNIGHT_MS}}
    assert projection["_id"] == 0
    assert {k for k, v in projection.items() if v} == {
        "identifier",
        "base",
        "timestamp",
        "position",
    }


def test_today_filters_on_the_base_code(client, collection):
    collection.find.return_value = []

    client.get("/locations/today/equipment?base=NORTH")

    query, _ = collection.find.call_args.args
    assert query == {"timestamp": {"$gte": TODAY_MIDNIGHT_MS}, "base.code": "NORTH"}


def test_today_lists_each_equipment_once_at_its_latest_position(client, collection):
    collection.find.return_value = [
        position(TODAY_MIDNIGHT_MS + 300, "EX002", lat=2.0),
        position(TODAY_MIDNIGHT_MS + 100, "EX001", lat=1.0),
        position(TODAY_MIDNIGHT_MS + 500, "EX001", lat=1.5),
        position(TODAY_MIDNIGHT_MS + 200, "EX001", lat=1.2),
    ]

    response = client.get("/locations/today/equipment")

    assert response.status_code == 200
    assert response.get_json() == {
        "date": "2025-11-21",
        "count": 2,
        "equipment": [
            {
                "identifier": "EX001",
                "base": {"code": "BASE01", "name": None},
                "last_seen": TODAY_MIDNIGHT_MS + 500,
                "position": {"lat": 1.5, "lon": 9.0},
            },
            {
                "identifier": "EX002",
                "base": {"code": "BASE01", "name": None},
                "last_seen": TODAY_MIDNIGHT_MS + 300,
                "position": {"lat": 2.0, "lon": 9.0},
            },
        ],
    }


def test_today_with_nothing_seen_is_empty(client, collection):
    collection.find.return_value = []

    body = client.get("/locations/today/equipment").get_json()

    assert body == {"date": "2025-11-21", "count": 0, "equipment": []}
