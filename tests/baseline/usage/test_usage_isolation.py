"""Baseline: the ordered import leaves the process as it found it.

Every suite shares one pytest process with suites that import the real
confluent_kafka and pymongo; a fake left in sys.modules would silently turn
their clients into MagicMocks.
"""

import os
import sys
import threading
from unittest.mock import Mock


def test_ordered_import_restores_modules_env_and_threading(service_importer):
    modules_before = dict(sys.modules)
    environ_before = dict(os.environ)
    thread_class_before = threading.Thread

    imported = service_importer()

    assert imported.module.consumer_thread is imported.thread_class.return_value
    assert threading.Thread is thread_class_before
    assert dict(os.environ) == environ_before
    for name, fake in imported.fakes.items():
        assert sys.modules.get(name) is not fake, name
    changed = [n for n, m in modules_before.items() if sys.modules.get(n) is not m]
    assert changed == []


def test_real_confluent_kafka_and_pymongo_are_importable_after_the_baseline_import(
    service,
):
    import confluent_kafka
    import pymongo
    from confluent_kafka.schema_registry.avro import AvroSerializer

    assert not isinstance(confluent_kafka, Mock)
    assert isinstance(confluent_kafka.Producer, type)
    assert isinstance(confluent_kafka.SerializingProducer, type)
    assert isinstance(AvroSerializer, type)
    assert isinstance(pymongo.MongoClient, type)
    # ...while the service keeps the fakes it was imported with.
    assert isinstance(service.kafka_producer, Mock)
