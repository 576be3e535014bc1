"""Iterates over a consumer at module level: without the harness, the import never ends."""

import os

from kafka import KafkaConsumer

consumer = KafkaConsumer(os.environ.get("TOPIC", "events"), bootstrap_servers="kafka.invalid:9092")
seen = []
for message in consumer:
    seen.append(message.value)
