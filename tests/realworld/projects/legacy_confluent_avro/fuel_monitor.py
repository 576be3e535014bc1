"""Fuel monitor on confluent-kafka's pre-2020 Avro API: an AvroProducer and an AvroConsumer built
at import (schemas loaded from files beside the service), the consumer loop in a thread."""
import os
import threading

from confluent_kafka import avro
from confluent_kafka.avro import AvroConsumer, AvroProducer
from confluent_kafka.avro.serializer import SerializerError

READING_SCHEMA = avro.load("schemas/fuel_reading.avsc")
ALERT_SCHEMA = avro.load("schemas/fuel_alert.avsc")
KEY_SCHEMA = avro.loads('{"type": "string"}')

READINGS_TOPIC = os.environ["READINGS_TOPIC"]
ALERTS_TOPIC = os.environ.get("ALERTS_TOPIC", "fuel-alerts")
LOW_FUEL_SHARE = 0.1
SIPHONING_DROP_LITRES = 20.0

config = {
    "bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
    "schema.registry.url": os.environ["SCHEMA_REGISTRY_URL"],
}
producer = AvroProducer(config, default_key_schema=KEY_SCHEMA, default_value_schema=ALERT_SCHEMA)
consumer = AvroConsumer(dict(config, **{"group.id": "fuel-monitor", "auto.offset.reset": "earliest"}))
consumer.subscribe([READINGS_TOPIC])

LAST_LITRES = {}
SKIPPED = []


def check(reading):
    """The alert a reading raises, or None."""
    vehicle, litres = reading["vehicle"], reading["litres"]
    before = LAST_LITRES.get(vehicle)
    LAST_LITRES[vehicle] = litres
    if litres < reading["tank_litres"] * LOW_FUEL_SHARE:
        return {"vehicle": vehicle, "kind": "LOW_FUEL", "litres": litres}
    if before is not None and not reading["engine_on"] and before - litres >= SIPHONING_DROP_LITRES:
        return {"vehicle": vehicle, "kind": "SIPHONING", "litres": before - litres}
    return None


def consume():
    while True:
        try:
            msg = consumer.poll(1.0)
        except SerializerError as error:
            SKIPPED.append(str(error))
            continue
        if msg is None or msg.error():
            continue
        alert = check(msg.value())
        if alert is not None:
            producer.produce(topic=ALERTS_TOPIC, key=alert["vehicle"], value=alert)
            producer.flush()


threading.Thread(target=consume, daemon=True).start()
