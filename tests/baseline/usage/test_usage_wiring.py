"""Baseline: what usage.py builds at import, from its env and its schema file."""

import json

from .conftest import SERVICE_PATH


def test_mongo_collections_come_from_the_default_names(service, imported_service):
    client = imported_service.fakes["pymongo"].MongoClient

    client.assert_called_once_with("mongodb://192.0.2.1:27017/")
    assert (service.DB_NAME, service.DATA_TABLE, service.STATE_TABLE) == (
        "c40_usage",
        "usage_costs",
        "usage_state",
    )


def test_avro_serializer_uses_the_usage_schema_file(service, imported_service):
    avro = imported_service.fakes["confluent_kafka.schema_registry.avro"]

    (registry, schema_str), _ = avro.AvroSerializer.call_args
    assert registry is imported_service.built["schema_registry_client"]
    schema = json.loads(schema_str)
    assert schema == json.loads(
        (SERVICE_PATH.parents[1] / "schemas" / "usage.avsc").read_text()
    )
    assert schema["name"] == "UsageRecord"


def test_producer_serializes_values_with_avro(service, imported_service):
    fake_kafka = imported_service.fakes["confluent_kafka"]

    (conf,), _ = fake_kafka.SerializingProducer.call_args
    assert conf["bootstrap.servers"] == "192.0.2.1:9092"
    assert conf["value.serializer"] is imported_service.built["avro_serializer"]


def test_consumer_thread_is_a_daemon_running_consume_data(service, imported_service):
    thread_class = imported_service.thread_class

    assert thread_class.call_args.kwargs == {"target": service.consume_data}
    assert service.consumer_thread is thread_class.return_value
    assert service.consumer_thread.daemon is True
    service.consumer_thread.start.assert_called_once_with()
    # The telemetry Consumer is built inside the thread: the import never touched it.
    imported_service.fakes["confluent_kafka"].Consumer.assert_not_called()
