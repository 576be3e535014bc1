import json
import os

from confluent_kafka import Producer


class Notifier:
    def __init__(self):
        self.topic = os.environ.get("ALERT_TOPIC", "alerts")
        self.producer = Producer({"bootstrap.servers": os.environ["KAFKA_SERVERS"]})

    def alert(self, equipment, level):
        payload = json.dumps({"equipment": equipment, "level": level}).encode("utf-8")
        self.producer.produce(self.topic, payload)
        self.producer.flush()
