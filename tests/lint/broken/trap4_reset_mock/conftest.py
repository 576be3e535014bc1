"""Trap 4: a shared collection mock, "cleaned" with reset_mock() between tests."""

import pytest
import os
import sys
from unittest.mock import MagicMock, patch

SERVICE_DIR = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "legacy_services", "history"
)
sys.path.insert(0, SERVICE_DIR)

os.environ.update(
    {
        "MONGO_IP": "localhost",
        "MONGO_PORT": "27017",
        "KAFKA_IP": "localhost",
        "KAFKA_PORT": "9092",
        "HISTORY_TOPIC": "history",
        "ARCHIVE_SERVICE_URL": "http://archive.invalid",
    }
)

with patch("pymongo.MongoClient"), patch("threading.Thread"):
    import historyAPI  # noqa: E402


@pytest.fixture(autouse=True)
def clean_collection():
    yield
    historyAPI.collection.reset_mock()  # expect: LH401
