"""The four traps of hand-written legacy conftests, reproduced, and what the plugin does instead.

1. phantom patch: the conftest patches a library the code no longer imports;
2. incomplete fake tree: `patch()` cannot reach a submodule that does not import (C-backed);
3. import order: fakes, env, threads, import, in that order, or the import breaks;
4. shared mock contamination: `reset_mock()` does not undo a replaced `return_value`.
"""

from __future__ import annotations

from .conftest import Project

# -- 1. phantom patch -------------------------------------------------------------------------

CONSUMER_BEFORE_MIGRATION = """
import os
from kafka import KafkaConsumer

TOPIC = os.environ["TOPIC"]
STATE = {}


def consume_data():
    consumer = KafkaConsumer(TOPIC, group_id="svc", auto_offset_reset="earliest")
    for message in consumer:
        STATE[message.key.decode()] = message.value.decode()
"""

CONSUMER_AFTER_MIGRATION = """
import os
from confluent_kafka import Consumer

TOPIC = os.environ["TOPIC"]
STATE = {}
consumer = Consumer({"bootstrap.servers": "broker:9092", "group.id": "svc", "auto.offset.reset": "earliest"})
consumer.subscribe([TOPIC])


def consume_data():
    while True:
        try:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            STATE[msg.key().decode()] = msg.value().decode()
        except Exception:
            continue
"""

SAME_TEST_FOR_BOTH = """
def test_the_consumer_logic_runs(legacy, kafka):
    svc = legacy.load("svc")
    kafka.produce(svc.TOPIC, "on", key="EX001")
    legacy.threads.run(svc.consume_data)
    assert svc.STATE == {"EX001": "on"}
"""


def test_phantom_patch_reproduced_a_patch_of_the_old_library_patches_nothing(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py",
        CONSUMER_AFTER_MIGRATION.replace("consumer = Consumer", "# consumer = Consumer").replace(
            "consumer.subscribe", "# consumer.subscribe"
        ),
    )
    project.tests(
        """
        import importlib.util, os
        from pathlib import Path
        from unittest.mock import patch

        def test_the_old_conftest_still_passes_and_patches_nothing():
            with patch("kafka.KafkaConsumer") as patched, patch.dict(os.environ, {"TOPIC": "t"}):
                spec = importlib.util.spec_from_file_location("phantom_svc", Path("svc/service.py"))
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            import confluent_kafka
            assert module.Consumer is confluent_kafka.Consumer  # the real client: nothing faked
            assert not patched.called
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_phantom_patch_prevented_the_fakes_follow_the_imports_of_the_code(project: Project) -> None:
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(SAME_TEST_FOR_BOTH)
    for source, faked in (
        (CONSUMER_BEFORE_MIGRATION, "kafka (fake)"),
        (CONSUMER_AFTER_MIGRATION, "confluent_kafka (fake)"),
    ):
        project.legacy("svc/service.py", source)

        result = project.pytester.runpytest("-v")

        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines([f"*faked:*{faked}*"])


# -- 2. incomplete fake tree / C-backed submodule ---------------------------------------------

DEEP_IMPORTS = """
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer

registry = SchemaRegistryClient({"url": "http://registry:8081"})
deserializer = AvroDeserializer(registry)
"""


def test_c_backed_submodule_reproduced_patch_cannot_reach_a_submodule_that_fails_to_import(
    project: Project,
) -> None:
    project.legacy("site/cbacked/__init__.py", "")
    project.legacy(
        "site/cbacked/native.py",
        "raise ImportError('libcbacked.so: cannot open shared object file')\n",
    )
    project.tests(
        """
        import sys
        import pytest
        from unittest.mock import patch

        def test_patch_fails_on_the_c_backed_submodule():
            sys.path.insert(0, "site")
            try:
                # The seeds' message: the real cause (the missing shared object) is hidden.
                with pytest.raises(AttributeError, match="module 'cbacked' has no attribute 'native'"):
                    with patch("cbacked.native.Client"):
                        pass
            finally:
                sys.path.remove("site")
                for name in [n for n in sys.modules if n.startswith("cbacked")]:
                    del sys.modules[name]
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_c_backed_submodule_prevented_the_whole_tree_is_served(project: Project) -> None:
    project.legacy("svc/service.py", DEEP_IMPORTS)
    project.legacy("site/cbacked/__init__.py", "")
    project.legacy(
        "site/cbacked/native.py",
        "raise ImportError('libcbacked.so: cannot open shared object file')\n",
    )
    project.legacy("svc2/service2.py", "from cbacked.native import Client\nclient = Client()\n")
    project.config(
        """
        [tool.harness.services.svc]
        path = "svc/service.py"

        [tool.harness.services.svc2]
        path = "svc2/service2.py"
        fake = ["cbacked"]
        """
    )
    project.tests(
        """
        def test_deep_fake_tree(legacy):
            svc = legacy.load("svc")
            assert type(svc.deserializer).__name__ == "AvroDeserializer"

        def test_a_package_declared_fake_is_a_stub_tree(legacy):
            svc2 = legacy.load("svc2")
            assert type(svc2.client).__module__ == "unittest.mock"
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=2)


def test_incomplete_fake_tree_reported_a_submodule_the_fake_lacks_is_named_with_the_fix(
    project: Project,
) -> None:
    project.legacy(
        "svc/service.py", "\nfrom confluent_kafka.experimental.turbo import TurboConsumer\n"
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*svc/service.py:2 imports 'confluent_kafka.experimental', which the 'confluent_kafka' "
                'fake (fake level) does not provide*Fix: set fidelity = { confluent_kafka = "stub" }*'
            )
        ]
    )


# -- 3. import order ---------------------------------------------------------------------------

READS_AND_STARTS_AT_IMPORT = """
import os
import threading
from confluent_kafka import Consumer

TOPIC = os.environ["TOPIC"]
consumer = Consumer({"bootstrap.servers": os.environ["BROKER"], "group.id": "g"})
threading.Thread(target=lambda: None).start()
"""


def test_import_order_reproduced_env_after_the_import_is_too_late(project: Project) -> None:
    project.legacy("svc/service.py", READS_AND_STARTS_AT_IMPORT)
    project.tests(
        """
        import importlib.util, os, sys
        from pathlib import Path
        from unittest.mock import MagicMock, patch
        import pytest

        def test_fakes_then_import_then_env_fails():
            with patch.dict(sys.modules, {"confluent_kafka": MagicMock()}), patch("threading.Thread"):
                spec = importlib.util.spec_from_file_location("order_svc", Path("svc/service.py"))
                module = importlib.util.module_from_spec(spec)
                with pytest.raises(KeyError, match="TOPIC"):
                    spec.loader.exec_module(module)
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=1)


def test_import_order_prevented_no_order_to_keep_and_new_reads_are_picked_up(
    project: Project,
) -> None:
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_load(legacy):\n    assert legacy.load('svc').TOPIC == 'topic'\n")
    grown = READS_AND_STARTS_AT_IMPORT + 'REGION = os.environ["REGION"]\nimport kafka\n'
    for source in (READS_AND_STARTS_AT_IMPORT, grown):
        project.legacy("svc/service.py", source)

        project.pytester.runpytest().assert_outcomes(passed=1)


# -- 4. shared mock contamination --------------------------------------------------------------

SHARED_COLLECTION = """
from pymongo import MongoClient

client = MongoClient("db.internal", 27017)
collection = client["c40"]["positions"]


def history(identifier):
    return list(collection.find({"identifier": identifier}).sort("timestamp", 1))


def seen_today():
    return list(collection.find({}, {"_id": 0}))
"""

CONTAMINATING_ORDER = """
def test_1_seen_today_configures_find_with_a_list(legacy):
    svc = legacy.load("svc")
    svc.collection.find.return_value = [{"identifier": "EX001"}]
    assert svc.seen_today() == [{"identifier": "EX001"}]

def test_2_history_needs_find_to_return_a_cursor_mock(legacy):
    svc = legacy.load("svc")
    svc.collection.find.return_value.sort.return_value = [{"timestamp": 1}]
    assert svc.history("EX001") == [{"timestamp": 1}]
"""


def test_shared_mock_reproduced_reset_mock_does_not_undo_a_list_return_value(
    project: Project,
) -> None:
    project.tests(
        """
        import pytest
        from unittest.mock import MagicMock

        collection = MagicMock()

        @pytest.fixture
        def mock_collection():
            collection.reset_mock()
            return collection

        def test_1_seen_today(mock_collection):
            mock_collection.find.return_value = [{"identifier": "EX001"}]

        def test_2_history(mock_collection):
            with pytest.raises(AttributeError, match="'builtin_function_or_method' object has no attribute 'return_value'"):
                mock_collection.find.return_value.sort.return_value = [{"timestamp": 1}]
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)


def test_shared_mock_prevented_stub_mocks_are_replaced_before_every_test(project: Project) -> None:
    project.legacy("svc/service.py", SHARED_COLLECTION)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\nfidelity = "stub"\n')
    project.tests(CONTAMINATING_ORDER)

    project.pytester.runpytest().assert_outcomes(passed=2)


def test_shared_mock_prevented_at_the_fake_level_a_real_query_runs(project: Project) -> None:
    project.legacy("svc/service.py", SHARED_COLLECTION)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_history_sorted_by_timestamp(legacy, mongo):
            svc = legacy.load("svc")
            svc.collection.insert_many([{"identifier": "EX001", "timestamp": 2}, {"identifier": "EX001", "timestamp": 1}])
            assert [d["timestamp"] for d in svc.history("EX001")] == [1, 2]

        def test_the_next_test_starts_empty(legacy, mongo):
            assert legacy.load("svc").seen_today() == []
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)
