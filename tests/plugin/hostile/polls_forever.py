"""A script whose body is a consumer loop: polls at module level, forever, and closes the
consumer on the way out."""

import json
import os

from confluent_kafka import Consumer

consumer = Consumer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "group.id": os.getenv("GROUP_ID", "mailer"),
    "auto.offset.reset": "earliest",
})
consumer.subscribe([os.getenv("ORDERS_TOPIC", "orders")])
sent = []

try:
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            continue
        order = json.loads(msg.value())
        sent.append(f"order #{order['id']}: {order['total']}")
finally:
    consumer.close()
