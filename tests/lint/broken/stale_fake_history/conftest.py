"""Left over from a migration: history.py uses kafka-python, not confluent_kafka."""

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
sys.modules.setdefault("confluent_kafka", MagicMock())  # expect: LH201

with patch("pymongo.MongoClient"), patch("threading.Thread"):
    import historyAPI  # noqa: E402
