"""A publisher configured through python-decouple."""
import json

from confluent_kafka import Producer

import settings

producer = Producer({"bootstrap.servers": settings.BOOTSTRAP_SERVERS})


def publish_all(events):
    sent = 0
    for event in events[: settings.BATCH_LIMIT]:
        producer.produce(settings.EVENTS_TOPIC, json.dumps(event).encode("utf-8"))
        sent += 1
    producer.flush()
    return sent
