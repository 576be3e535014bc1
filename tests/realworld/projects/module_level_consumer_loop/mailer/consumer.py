"""An order mailer run as `python consumer.py`: the module's body is the consumer loop."""
import json
import logging.config
import os

from confluent_kafka import Consumer

# As a framework's setup does (django.setup()): logging configured by the script itself.
logging.config.dictConfig({
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"mailer.smtp": {"handlers": ["console"], "level": "INFO", "propagate": False}},
})
log = logging.getLogger("mailer.smtp")

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
            log.info("mail to %s", mail["to"])
            OUTBOX.append(mail)
finally:
    consumer.close()
