"""usage: engine hours and kilometres used by each piece of equipment.

Consumes telemetry events (JSON) from Kafka; between two consecutive events of
the same equipment it computes the hours and km used, books them as daily costs
in MongoDB and publishes an Avro usage record on Kafka.

Everything below runs at import: configuration, the MongoDB client, the Schema
Registry client, the Avro serializer, the Kafka producer and a consumer thread.
See legacy_services/README.md for env vars, shapes and business rules.
"""

import json
import os
import time
from datetime import UTC, datetime
from threading import Thread
from urllib.parse import quote_plus

from confluent_kafka import Consumer, SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import StringSerializer
from flask import Flask, jsonify, request
from flask_cors import CORS
from pymongo import ASCENDING, MongoClient

# ---------------------------------------------------------------------------
# Configuration: required variables raise KeyError when unset.
# ---------------------------------------------------------------------------
MONGO_IP = os.environ["MONGO_IP"]
MONGO_PORT = int(os.environ["MONGO_PORT"])
KAFKA_IP = os.environ["KAFKA_IP"]
KAFKA_PORT = int(os.environ["KAFKA_PORT"])
SCHEMA_REGISTRY_URL = os.environ["SCHEMA_REGISTRY_URL"]
TELEMETRY_TOPIC = os.environ["TELEMETRY_TOPIC"]
USAGE_TOPIC = os.environ["USAGE_TOPIC"]
MONGO_USER = os.environ.get("MONGO_USER", "")
MONGO_PASSWORD = os.environ.get("MONGO_PASSWORD", "")
DB_NAME = os.environ.get("DB_NAME", "c40_usage")
DATA_TABLE = os.environ.get("DATA_TABLE", "usage_costs")
STATE_TABLE = os.environ.get("STATE_TABLE", "usage_state")
KAFKA_GROUP_ID = os.environ.get("KAFKA_GROUP_ID", "usage-api")
CONSUMER_RETRY_SECONDS = float(os.environ.get("CONSUMER_RETRY_SECONDS", "5"))
USAGE_API_PORT = int(os.environ.get("USAGE_API_PORT", "8092"))

USAGE_SCHEMA_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, "schemas", "usage.avsc"
)
SEARCH_DEFAULT_LIMIT = 100
SEARCH_MAX_LIMIT = 1000
DAY_FORMAT = "%Y-%m-%d"

# ---------------------------------------------------------------------------
# MongoDB
# ---------------------------------------------------------------------------
if MONGO_USER:
    mongo_connection_string = f"mongodb://{quote_plus(MONGO_USER)}:{quote_plus(MONGO_PASSWORD)}@{MONGO_IP}:{MONGO_PORT}/"
else:
    mongo_connection_string = f"mongodb://{MONGO_IP}:{MONGO_PORT}/"

mongo_client = MongoClient(mongo_connection_string)
db = mongo_client[DB_NAME]
# One document per equipment, UTC day and cost source.
data_collection = db[DATA_TABLE]
# The reference event of each equipment, so a restart resumes where it stopped.
state_collection = db[STATE_TABLE]

# ---------------------------------------------------------------------------
# Schema Registry and Kafka producer
# ---------------------------------------------------------------------------
schema_registry_client = SchemaRegistryClient({"url": SCHEMA_REGISTRY_URL})

with open(USAGE_SCHEMA_PATH) as schema_file:
    usage_schema_str = schema_file.read()

# The schema is registered under "<USAGE_TOPIC>-value" at the first serialize.
avro_serializer = AvroSerializer(schema_registry_client, usage_schema_str)

producer_conf = {
    "bootstrap.servers": f"{KAFKA_IP}:{KAFKA_PORT}",
    "key.serializer": StringSerializer("utf_8"),
    "value.serializer": avro_serializer,
}
kafka_producer = SerializingProducer(producer_conf)

# identifier -> reference event: the last event a delta was (or will be)
# computed from. Written by the consumer thread, read by /debug/lastdata.
last_processed_data = {}

app = Flask("c40 usage api")
CORS(app)


# ---------------------------------------------------------------------------
# Event helpers
# ---------------------------------------------------------------------------
def is_number(value):
    # bool is an int subclass; a True odometer is a broken payload, not 1 hour.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_valid_event(data):
    """An event usage can book: an identifier, an integer timestamp and a base code."""
    if not isinstance(data, dict):
        return False
    identifier = data.get("identifier")
    timestamp = data.get("timestamp")
    base = data.get("base")
    return (
        isinstance(identifier, str)
        and identifier != ""
        and isinstance(timestamp, int)
        and not isinstance(timestamp, bool)
        and isinstance(base, dict)
        and isinstance(base.get("code"), str)
        and base["code"] != ""
    )


def get_odometry(data):
    """(hours_tot, km_tot) as floats, or None when either counter is missing."""
    c40 = data.get("c40")
    odometry = c40.get("odometry") if isinstance(c40, dict) else None
    if not isinstance(odometry, dict):
        return None
    hours = odometry.get("hours_tot")
    km = odometry.get("km_tot")
    if not is_number(hours) or not is_number(km):
        return None
    return float(hours), float(km)


def timestamp_to_date(timestamp):
    """Epoch milliseconds -> the UTC day it falls on, "YYYY-MM-DD"."""
    return datetime.fromtimestamp(timestamp / 1000, tz=UTC).strftime(DAY_FORMAT)


def extract_poi_list(data):
    """Codes of the points of interest the event is inside, in order, without duplicates."""
    c40 = data.get("c40")
    if not isinstance(c40, dict):
        return []
    codes = []
    for poi in c40.get("poi") or []:
        code = poi.get("code") if isinstance(poi, dict) else None
        if code and code not in codes:
            codes.append(code)
    return codes


def compute_delta(ref, upd):
    """(dt, dh, dk) from ref to upd: milliseconds, engine hours, kilometres.

    Both events must carry odometry. Hours and km are rounded to 3 decimals so
    float noise (0.30000000000000004) never reaches the books. A negative delta
    is returned as is: the caller decides what an odometer going back means.
    """
    ref_hours, ref_km = get_odometry(ref)
    upd_hours, upd_km = get_odometry(upd)
    dt = upd["timestamp"] - ref["timestamp"]
    dh = round(upd_hours - ref_hours, 3)
    dk = round(upd_km - ref_km, 3)
    return dt, dh, dk


def should_compute_delta(data):
    """True when a reference exists for the equipment and the event is newer than it."""
    reference = last_processed_data.get(data["identifier"])
    if reference is None:
        return False
    # Equal timestamps are a redelivery; older ones arrived out of order.
    return data["timestamp"] > reference["timestamp"]


def get_cost_sources(data):
    """Where the usage since the reference is booked.

    The equipment worked during the interval where it was at its start, so the
    reference event's POIs come first; then the event's own POIs; an equipment
    outside every POI is booked on its base.
    """
    reference = last_processed_data.get(data["identifier"])
    if reference is not None:
        sources = extract_poi_list(reference)
        if sources:
            return sources
    sources = extract_poi_list(data)
    if sources:
        return sources
    return [data["base"]["code"]]


# ---------------------------------------------------------------------------
# Persistence and publishing
# ---------------------------------------------------------------------------
def upsert_costs(data, sources, dh, dk):
    """Add dh and dk to the day's cost document of each source, split evenly."""
    date = timestamp_to_date(data["timestamp"])
    share = len(sources)
    for source in sources:
        data_collection.update_one(
            {"identifier": data["identifier"], "date": date, "source": source},
            {
                "$inc": {"hours": dh / share, "km": dk / share, "intervals": 1},
                "$set": {"base_code": data["base"]["code"]},
                "$max": {"last_timestamp": data["timestamp"]},
            },
            upsert=True,
        )


def save_reference(data):
    """Make data the equipment's reference event, in MongoDB first, then in memory."""
    identifier = data["identifier"]
    state_collection.replace_one(
        {"identifier": identifier},
        {"identifier": identifier, "event": data},
        upsert=True,
    )
    last_processed_data[identifier] = data


def delivery_report(err, msg):
    if err is not None:
        print(f"Usage record delivery failed: {err}")


def emit_on_kafka(producer, topic, data):
    try:
        producer.produce(
            topic=topic, key=data["identifier"], value=data, on_delivery=delivery_report
        )
    except BufferError:
        # Local queue full: serve delivery reports to make room, then retry once.
        producer.poll(1)
        producer.produce(
            topic=topic, key=data["identifier"], value=data, on_delivery=delivery_report
        )
    # Serve delivery callbacks of earlier records without blocking.
    producer.poll(0)


def handle_message(data):
    """Apply the business rules to one telemetry event; returns the outcome.

    Outcomes: "invalid", "missing_odometry", "first", "out_of_order", "reset",
    "computed" (see the README's table).
    """
    if not is_valid_event(data):
        print(f"Skipping invalid event: {data}")
        return "invalid"
    if get_odometry(data) is None:
        # Keep the reference: the next complete event covers the gap.
        return "missing_odometry"

    identifier = data["identifier"]
    reference = last_processed_data.get(identifier)
    if reference is None:
        save_reference(data)
        return "first"
    if not should_compute_delta(data):
        print(f"Ignoring out-of-order event of {identifier} at {data['timestamp']}")
        return "out_of_order"

    dt, dh, dk = compute_delta(reference, data)
    if dh < 0 or dk < 0:
        # The odometer went back: reset or unit replaced. What was used since
        # the reference cannot be known; start counting again from here.
        print(f"Odometer reset on {identifier}: dh={dh}, dk={dk}")
        save_reference(data)
        return "reset"

    # Sources depend on the reference: compute them before it is replaced.
    sources = get_cost_sources(data)
    upsert_costs(data, sources, dh, dk)
    emit_on_kafka(
        kafka_producer,
        USAGE_TOPIC,
        {
            "identifier": identifier,
            "base_code": data["base"]["code"],
            "date": timestamp_to_date(data["timestamp"]),
            "start_timestamp": reference["timestamp"],
            "end_timestamp": data["timestamp"],
            "delta_ms": dt,
            "delta_hours": dh,
            "delta_km": dk,
            "sources": sources,
        },
    )
    save_reference(data)
    return "computed"


def ensure_indexes():
    data_collection.create_index(
        [("identifier", ASCENDING), ("date", ASCENDING), ("source", ASCENDING)],
        unique=True,
        name="identifier_date_source_unique",
    )
    state_collection.create_index(
        [("identifier", ASCENDING)], unique=True, name="identifier_unique"
    )


def load_state():
    for document in state_collection.find({}, {"_id": 0}):
        last_processed_data[document["identifier"]] = document["event"]


# ---------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------
def parse_day(value):
    """ "YYYY-MM-DD" normalised (2025-1-5 -> 2025-01-05); ValueError otherwise."""
    return datetime.strptime(value, DAY_FORMAT).strftime(DAY_FORMAT)


@app.route("/health", methods=["GET"])
def health():
    return jsonify({"status": "ok", "tracked_equipment": len(last_processed_data)}), 200


@app.route("/search", methods=["GET"])
def search():
    query = {}
    for param, field in (
        ("identifier", "identifier"),
        ("base", "base_code"),
        ("source", "source"),
    ):
        value = request.args.get(param)
        if value:
            query[field] = value

    try:
        date_from = parse_day(request.args["from"]) if "from" in request.args else None
        date_to = parse_day(request.args["to"]) if "to" in request.args else None
    except ValueError:
        return jsonify({"error": "from and to must be dates formatted YYYY-MM-DD"}), 400
    if date_from is not None and date_to is not None and date_from > date_to:
        return jsonify({"error": "from must not be after to"}), 400
    date_query = {}
    if date_from is not None:
        date_query["$gte"] = date_from
    if date_to is not None:
        date_query["$lte"] = date_to
    if date_query:
        query["date"] = date_query

    try:
        limit = int(request.args.get("limit", SEARCH_DEFAULT_LIMIT))
    except ValueError:
        limit = 0
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        return jsonify(
            {"error": f"limit must be an integer from 1 to {SEARCH_MAX_LIMIT}"}
        ), 400

    cursor = data_collection.find(query, {"_id": 0})
    documents = list(
        cursor.sort([("date", 1), ("identifier", 1), ("source", 1)]).limit(limit)
    )
    # Shares added with $inc carry float noise: round what is shown.
    results = [
        {
            **doc,
            "hours": round(doc.get("hours", 0), 3),
            "km": round(doc.get("km", 0), 3),
        }
        for doc in documents
    ]
    return jsonify(
        {
            "count": len(results),
            "total_hours": round(sum(r["hours"] for r in results), 3),
            "total_km": round(sum(r["km"] for r in results), 3),
            "results": results,
        }
    ), 200


@app.route("/debug/lastdata", methods=["GET"])
def debug_last_data():
    identifier = request.args.get("identifier")
    if identifier is None:
        return jsonify(dict(last_processed_data)), 200
    event = last_processed_data.get(identifier)
    if event is None:
        return jsonify({"error": "no reference event", "identifier": identifier}), 404
    return jsonify(event), 200


# ---------------------------------------------------------------------------
# Kafka consumer
# ---------------------------------------------------------------------------
def consume_data():
    # Indexes and saved state need MongoDB. Retried here rather than at import
    # so the HTTP API comes up while the database is still unreachable.
    while True:
        try:
            ensure_indexes()
            load_state()
            break
        except Exception as e:
            print(f"MongoDB not ready, retrying in {CONSUMER_RETRY_SECONDS}s: {e}")
            time.sleep(CONSUMER_RETRY_SECONDS)

    consumer = Consumer(
        {
            "bootstrap.servers": f"{KAFKA_IP}:{KAFKA_PORT}",
            "group.id": KAFKA_GROUP_ID,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([TELEMETRY_TOPIC])
    print("Consumer started")

    while True:
        try:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                print(f"Consumer error: {msg.error()}")
                continue
            data = json.loads(msg.value().decode("utf-8"))
            handle_message(data)
        except Exception as e:
            print(f"Error processing message: {e}")
            continue


consumer_thread = Thread(target=consume_data)
consumer_thread.daemon = True
consumer_thread.start()


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=USAGE_API_PORT)
