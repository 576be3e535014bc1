"""Trap 2: confluent_kafka faked as one MagicMock, not the submodules current.py imports."""

import os
import sys
from unittest.mock import MagicMock, patch

SERVICE_DIR = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "legacy_services", "current"
)
sys.path.insert(0, SERVICE_DIR)

sys.modules.setdefault("confluent_kafka", MagicMock())  # expect: LH202

# 2. env read at import
os.environ.setdefault("KAFKA_IP", "localhost")
os.environ.setdefault("KAFKA_PORT", "9092")
os.environ.setdefault("CURRENT_TOPIC", "test-topic")
os.environ.setdefault("SCHEMA_REGISTRY_URL", "http://localhost:8081")

# 3. threads, 4. import
with patch("threading.Thread") as _mock_thread:
    _mock_thread.return_value.start = MagicMock()
    from current import app  # noqa: E402
