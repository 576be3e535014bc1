"""Baseline: history's pure helpers and its import-time wiring (not the consumer loop)."""

from unittest.mock import Mock


def test_decode_message_parses_a_json_object(service):
    raw = b'{"identifier": "EX001", "timestamp": 1763683200000, "base": {"code": "B"}, "c40": {}}'

    assert service.decode_message(raw) == {
        "identifier": "EX001",
        "timestamp": 1763683200000,
        "base": {"code": "B"},
        "c40": {},
    }


def test_decode_message_turns_invalid_json_into_none(service):
    assert service.decode_message(b'{"identifier": ') is None


def test_decode_message_turns_non_utf8_bytes_into_none(service):
    assert service.decode_message(b"\xff\xfe\x00garbage") is None


def test_mongo_client_is_built_from_env_at_import(service, imported_service):
    fake_pymongo = imported_service.fakes["pymongo"]

    fake_pymongo.MongoClient.assert_called_once_with("192.0.2.1", 27017)
    assert service.ARCHIVE_SERVICE_URL == "http://archive.invalid:8080"
    assert service.ARCHIVE_TIMEOUT_SECONDS == 2.5


def test_consumer_thread_is_a_daemon_running_consume_data(service, imported_service):
    thread_class = imported_service.thread_class

    assert thread_class.call_args.kwargs == {
        "target": service.consume_data,
        "daemon": True,
    }
    thread_class.return_value.start.assert_called_once_with()
    # The KafkaConsumer is built inside the thread: the import never touched it.
    assert isinstance(service.KafkaConsumer, Mock)
    imported_service.fakes["kafka"].KafkaConsumer.assert_not_called()
