import json

from kafka import KafkaConsumer


def readings_consumer():
    # kafka-python's default auto_offset_reset is "latest"
    return KafkaConsumer(
        "readings",
        bootstrap_servers="kafka:9092",
        group_id="meters",
        value_deserializer=lambda raw: json.loads(raw.decode("utf-8")),
    )
