import json
import os

from kafka import KafkaProducer

producer = KafkaProducer(
    bootstrap_servers=[os.environ["KAFKA_BOOTSTRAP"]],
    value_serializer=lambda value: json.dumps(value).encode("utf-8"),
)
