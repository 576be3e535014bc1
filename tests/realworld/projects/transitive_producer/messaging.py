import json
import os

from kafka import KafkaProducer

producer = KafkaProducer(
    bootstrap_servers=os.environ["KAFKA_BROKER"],
    value_serializer=lambda value: json.dumps(value).encode("utf-8"),
)


def publish(topic, payload):
    producer.send(topic, payload)
    producer.flush()
