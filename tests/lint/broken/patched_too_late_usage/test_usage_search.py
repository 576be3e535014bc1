"""Patches usage.MongoClient after usage was imported: the client was built at import."""

from unittest.mock import patch

import usage


@patch("usage.MongoClient")  # expect: LH104
def test_search_reads_the_data_collection(mongo_client):
    client = usage.app.test_client()
    assert client.get("/health").status_code == 200
