"""An order mailer run as `python consumer.py`: the module's body is the consumer loop."""
import json
import os

from confluent_kafka import Consumer

OUTBOX = []
consumer = Consumer({
    "bootstrap.servers": os.getenv("BOOTSTRAP_SERVERS"),
    "group.id": os.getenv("GROUP_ID"),
    "auto.offset.reset": "earliest",
})
consumer.subscribe([os.getenv("KAFKA_TOPIC")])


def mail_for(order):
    if order["total"] <= 0:
        return None
    return {"to": order["email"], "subject": f"Order #{order['id']} completed",
            "body": f"Total: ${order['total']:.2f}"}


try:
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            print("Consumer error: {}".format(msg.error()))
            continue
        mail = mail_for(json.loads(msg.value()))
        if mail is not None:
            OUTBOX.append(mail)
finally:
    consumer.close()
