"""A consumer loop whose bare `except:` catches everything, the stop signal included."""

import json
import os
import threading

from confluent_kafka import Consumer

consumer = Consumer(
    {
        "bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        "group.id": "g",
        "auto.offset.reset": "earliest",
    }
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
