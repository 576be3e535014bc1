"""The ordered import of current, done right; the test module next to it is the broken part."""

import os
import sys
from unittest.mock import MagicMock, patch

SERVICE_DIR = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "legacy_services", "current"
)
sys.path.insert(0, SERVICE_DIR)

# 1. fakes: every module of the confluent_kafka tree current.py imports
sys.modules.setdefault("confluent_kafka", MagicMock())
sys.modules.setdefault("confluent_kafka.schema_registry", MagicMock())
sys.modules.setdefault("confluent_kafka.schema_registry.avro", MagicMock())
sys.modules.setdefault("confluent_kafka.serialization", MagicMock())

# 2. env read at import
os.environ.setdefault("KAFKA_IP", "localhost")
os.environ.setdefault("KAFKA_PORT", "9092")
os.environ.setdefault("CURRENT_TOPIC", "test-topic")
os.environ.setdefault("SCHEMA_REGISTRY_URL", "http://localhost:8081")

# 3. threads, 4. import
with patch("threading.Thread") as _mock_thread:
    _mock_thread.return_value.start = MagicMock()
    from current import app  # noqa: E402
