"""Baseline: the ordered import leaves the process as it found it.

Every suite shares one pytest process with suites that import the real pymongo
and kafka; a fake left in sys.modules would silently turn their clients into
MagicMocks.
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

    assert (
        imported.thread_class.call_args.kwargs["target"] is imported.module.consume_data
    )
    assert threading.Thread is thread_class_before
    assert dict(os.environ) == environ_before
    for name, fake in imported.fakes.items():
        assert sys.modules.get(name) is not fake, name
    changed = [n for n, m in modules_before.items() if sys.modules.get(n) is not m]
    assert changed == []


def test_real_pymongo_and_kafka_are_importable_after_the_baseline_import(service):
    import kafka
    import pymongo
    from pymongo.errors import DuplicateKeyError

    assert not isinstance(pymongo, Mock)
    assert isinstance(pymongo.MongoClient, type)
    assert issubclass(DuplicateKeyError, pymongo.errors.PyMongoError)
    assert isinstance(kafka.KafkaConsumer, type)
    # ...while the service keeps the fakes it was imported with.
    assert isinstance(service.collection, Mock)
