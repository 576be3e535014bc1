"""Baseline: the usage service's HTTP routes.

`data_collection` is a fresh MagicMock per test: `/search` reads
`find(query, projection).sort(keys).limit(n)`, so results are planted at the
end of that chain.
"""

import pytest

T0 = 1_763_683_200_000  # 2025-11-21T00:00:00Z


def cost(identifier="EX001", date="2025-11-21", source="SITE-1", hours=1.0, km=10.0):
    return {
        "identifier": identifier,
        "date": date,
        "source": source,
        "base_code": "BASE01",
        "hours": hours,
        "km": km,
        "intervals": 1,
        "last_timestamp": T0,
    }


def search_returns(data_collection, documents):
    data_collection.find.return_value.sort.return_value.limit.return_value = documents


def test_health_is_ok_and_counts_tracked_equipment(client, last_processed_data):
    assert client.get("/health").get_json() == {"status": "ok", "tracked_equipment": 0}

    last_processed_data["EX001"] = {"identifier": "EX001", "timestamp": T0}

    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["tracked_equipment"] == 1


def test_search_without_filters_reads_everything_sorted_and_limited(
    client, data_collection
):
    search_returns(data_collection, [])

    response = client.get("/search")

    assert response.status_code == 200
    assert response.get_json() == {
        "count": 0,
        "total_hours": 0,
        "total_km": 0,
        "results": [],
    }
    data_collection.find.assert_called_once_with({}, {"_id": 0})
    cursor = data_collection.find.return_value
    cursor.sort.assert_called_once_with([("date", 1), ("identifier", 1), ("source", 1)])
    cursor.sort.return_value.limit.assert_called_once_with(100)


def test_search_maps_each_filter_to_its_field(client, data_collection):
    search_returns(data_collection, [])

    client.get(
        "/search?identifier=EX001&base=NORTH&source=SITE-1&from=2025-11-01&to=2025-11-30"
    )

    query, _ = data_collection.find.call_args.args
    assert query == {
        "identifier": "EX001",
        "base_code": "NORTH",
        "source": "SITE-1",
        "date": {"$gte": "2025-11-01", "$lte": "2025-11-30"},
    }


def test_search_with_one_date_bound_is_open_ended(client, data_collection):
    search_returns(data_collection, [])

    client.get("/search?from=2025-11-01")

    query, _ = data_collection.find.call_args.args
    assert query == {"date": {"$gte": "2025-11-01"}}


def test_search_normalises_unpadded_dates(client, data_collection):
    search_returns(data_collection, [])

    client.get("/search?from=2025-1-5&to=2025-01-05")

    query, _ = data_collection.find.call_args.args
    assert query["date"] == {"$gte": "2025-01-05", "$lte": "2025-01-05"}


def test_search_ignores_empty_filters(client, data_collection):
    search_returns(data_collection, [])

    client.get("/search?identifier=&source=")

    assert data_collection.find.call_args.args[0] == {}


@pytest.mark.parametrize(
    "query", ["from=21/11/2025", "to=2025-13-01", "from=2025-11-31"]
)
def test_search_rejects_malformed_dates(client, data_collection, query):
    response = client.get(f"/search?{query}")

    assert response.status_code == 400
    assert "error" in response.get_json()
    data_collection.find.assert_not_called()


def test_search_rejects_from_after_to(client, data_collection):
    response = client.get("/search?from=2025-11-02&to=2025-11-01")

    assert response.status_code == 400
    data_collection.find.assert_not_called()


@pytest.mark.parametrize("limit", ["0", "1001", "ten", "-5"])
def test_search_rejects_a_limit_out_of_range(client, data_collection, limit):
    response = client.get(f"/search?limit={limit}")

    assert response.status_code == 400
    data_collection.find.assert_not_called()


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_search_accepts_limits_at_the_bounds(client, data_collection, limit):
    search_returns(data_collection, [])

    assert client.get(f"/search?limit={limit}").status_code == 200
    data_collection.find.return_value.sort.return_value.limit.assert_called_once_with(
        int(limit)
    )


def test_search_returns_documents_with_rounded_figures_and_totals(
    client, data_collection
):
    search_returns(
        data_collection,
        [cost(hours=0.1 + 0.2, km=10.0), cost(source="SITE-2", hours=1.25, km=2.0004)],
    )

    body = client.get("/search").get_json()

    assert body["count"] == 2
    assert [r["hours"] for r in body["results"]] == [0.3, 1.25]
    assert [r["km"] for r in body["results"]] == [10.0, 2.0]
    assert body["total_hours"] == 1.55
    assert body["total_km"] == 12.0
    assert body["results"][0]["identifier"] == "EX001"
    assert body["results"][1]["source"] == "SITE-2"


def test_debug_lastdata_lists_every_reference(client, last_processed_data):
    last_processed_data["EX001"] = {"identifier": "EX001", "timestamp": T0}
    last_processed_data["EX002"] = {"identifier": "EX002", "timestamp": T0 + 1}

    response = client.get("/debug/lastdata")

    assert response.status_code == 200
    assert response.get_json() == dict(last_processed_data)


def test_debug_lastdata_of_one_equipment(client, last_processed_data):
    last_processed_data["EX001"] = {"identifier": "EX001", "timestamp": T0}

    assert client.get("/debug/lastdata?identifier=EX001").get_json() == {
        "identifier": "EX001",
        "timestamp": T0,
    }


def test_debug_lastdata_of_an_unknown_equipment_is_404(client, last_processed_data):
    response = client.get("/debug/lastdata?identifier=EX999")

    assert response.status_code == 404
    assert response.get_json() == {"error": "no reference event", "identifier": "EX999"}
