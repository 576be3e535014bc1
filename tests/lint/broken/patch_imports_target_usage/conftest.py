"""Fakes, env and a thread patch for usage; the tests import usage themselves."""

import os
import sys
from unittest.mock import MagicMock, patch

SERVICE_DIR = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "legacy_services", "usage"
)
sys.path.insert(0, SERVICE_DIR)

# 1. fakes: the confluent_kafka tree usage.py imports
sys.modules.setdefault("confluent_kafka", MagicMock())
sys.modules.setdefault("confluent_kafka.schema_registry", MagicMock())
sys.modules.setdefault("confluent_kafka.schema_registry.avro", MagicMock())
sys.modules.setdefault("confluent_kafka.serialization", MagicMock())

# 2. env read at import
os.environ.setdefault("MONGO_IP", "localhost")
os.environ.setdefault("MONGO_PORT", "27017")
os.environ.setdefault("KAFKA_IP", "localhost")
os.environ.setdefault("KAFKA_PORT", "9092")
os.environ.setdefault("SCHEMA_REGISTRY_URL", "http://localhost:8081")
os.environ.setdefault("TELEMETRY_TOPIC", "telemetry")
os.environ.setdefault("USAGE_TOPIC", "usage")

# 3. threads: patched for the whole session, before any test module imports usage
patch("threading.Thread").start()
