"""Consumes at module level: the import never ends on its own."""

import os

from kafka import KafkaConsumer

consumer = KafkaConsumer(os.environ.get("TOPIC", "events"), bootstrap_servers="kafka.invalid:9092")
seen = []
for message in consumer:
    seen.append(message.value)
