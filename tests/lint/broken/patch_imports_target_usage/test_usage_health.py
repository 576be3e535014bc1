"""Imports usage inside the test, under @patch("usage.MongoClient"): too late all the same.

patch() imports its target before replacing the name, so usage's import-time
`mongo_client = MongoClient(...)` has already run with the real class when the patch applies.
"""

from unittest.mock import patch


@patch("usage.MongoClient")  # expect: LH104
def test_health_answers(mongo_client):
    import usage

    assert usage.app.test_client().get("/health").status_code == 200
