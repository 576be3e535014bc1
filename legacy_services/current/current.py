"""current: real-time state of each piece of equipment.

Consumes Avro telemetry events from Kafka and keeps, per equipment identifier,
the newest event seen; serves that state over HTTP.

Everything below runs at import: configuration, the Kafka consumer and a
consumer thread. See legacy_services/README.md for env vars and shapes.
"""

import os
import threading

from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import StringDeserializer
from flask import Flask, jsonify, request
from flask_cors import CORS

# Configuration: required variables raise KeyError when unset.
KAFKA_IP = os.environ["KAFKA_IP"]
KAFKA_PORT = int(os.environ["KAFKA_PORT"])
CURRENT_TOPIC = os.environ["CURRENT_TOPIC"]
SCHEMA_REGISTRY_URL = os.environ["SCHEMA_REGISTRY_URL"]
KAFKA_GROUP_ID = os.environ.get("KAFKA_GROUP_ID", "current-api")
CURRENT_API_PORT = int(os.environ.get("CURRENT_API_PORT", "8090"))

schema_registry_client = SchemaRegistryClient({"url": SCHEMA_REGISTRY_URL})
# No schema given: events are decoded with the writer schema from the registry.
avro_deserializer = AvroDeserializer(schema_registry_client)

consumer_conf = {
    "bootstrap.servers": f"{KAFKA_IP}:{KAFKA_PORT}",
    "group.id": KAFKA_GROUP_ID,
    # A fresh group rebuilds the state from what the topic still holds.
    "auto.offset.reset": "earliest",
    "key.deserializer": StringDeserializer("utf_8"),
    "value.deserializer": avro_deserializer,
}
consumer = DeserializingConsumer(consumer_conf)
consumer.subscribe([CURRENT_TOPIC])

# identifier -> newest telemetry event of that equipment
current_data = {}


def consume_data():
    while True:
        try:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                print(f"Consumer error: {msg.error()}")
                continue
            event = msg.value()
            if event is None:
                # Tombstone: nothing to record.
                continue
            identifier = event["identifier"]
            known = current_data.get(identifier)
            # Partitions can deliver late: an older sample must never replace
            # a newer one. Same timestamp: the last delivered wins.
            if known is not None and event["timestamp"] < known["timestamp"]:
                continue
            current_data[identifier] = event
        except Exception as e:
            print(f"Error while consuming: {e}")
            continue


consumer_thread = threading.Thread(target=consume_data)
consumer_thread.start()

app = Flask("c40 current api")
CORS(app)


@app.route("/health", methods=["GET"])
def health():
    return jsonify({"status": "ok", "equipment_count": len(current_data)}), 200


@app.route("/equipment", methods=["GET"])
def get_all_equipment():
    base = request.args.get("base")
    # Copy first: the consumer thread may add identifiers while we iterate.
    events = list(current_data.values())
    if base is not None:
        events = [e for e in events if (e.get("base") or {}).get("code") == base]
    events.sort(key=lambda e: e["identifier"])
    return jsonify({"count": len(events), "equipment": events}), 200


@app.route("/equipment/<identifier>", methods=["GET"])
def get_equipment(identifier):
    event = current_data.get(identifier)
    if event is None:
        return jsonify({"error": "equipment not found", "identifier": identifier}), 404
    return jsonify(event), 200


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=CURRENT_API_PORT)
