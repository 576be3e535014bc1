"""A consumer loop whose bare `except:` catches everything, the stop signal included."""

import json
import threading

from confluent_kafka import Consumer

consumer = Consumer(
    {"bootstrap.servers": "kafka.invalid:9092", "group.id": "g", "auto.offset.reset": "earliest"}
)
consumer.subscribe(["orders"])
seen = []


def consume():
    while True:
        try:
            message = consumer.poll(1.0)
            if message is None:
                continue
            seen.append(json.loads(message.value()))
        except:  # noqa: E722, S112
            continue


threading.Thread(target=consume, daemon=True).start()
