"""Imports usage at the top, as most suites do: at collection, before the conftest's fixtures."""

import usage


def test_health_answers():
    assert usage.app.test_client().get("/health").status_code == 200
