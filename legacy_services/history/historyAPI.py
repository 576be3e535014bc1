"""history: position history of each piece of equipment.

Persists telemetry positions consumed from Kafka (kafka-python) into MongoDB and
serves them over HTTP; ranges older than the MongoDB retention window are
completed by the archive service.

Everything below runs at import: configuration, the MongoDB client and a
consumer thread. See legacy_services/README.md for env vars and shapes.
"""

import json
import os
import threading
import time
from datetime import UTC, datetime

import requests
from flask import Flask, jsonify, request
from flask_cors import CORS
from kafka import KafkaConsumer
from pymongo import ASCENDING, MongoClient
from pymongo.errors import DuplicateKeyError

# Configuration: required variables raise KeyError when unset.
MONGO_IP = os.environ["MONGO_IP"]
MONGO_PORT = int(os.environ["MONGO_PORT"])
KAFKA_IP = os.environ["KAFKA_IP"]
KAFKA_PORT = int(os.environ["KAFKA_PORT"])
HISTORY_TOPIC = os.environ["HISTORY_TOPIC"]
ARCHIVE_SERVICE_URL = os.environ["ARCHIVE_SERVICE_URL"].rstrip("/")
MONGO_DB = os.environ.get("MONGO_DB", "c40")
MONGO_COLLECTION = os.environ.get("MONGO_COLLECTION", "positions_history")
KAFKA_GROUP_ID = os.environ.get("KAFKA_GROUP_ID", "history-api")
# "2.0.0" -> (2, 0, 0); unset (None) lets kafka-python probe the broker version.
KAFKA_API_VERSION = (
    tuple(int(p) for p in os.environ.get("KAFKA_API_VERSION", "").split(".") if p)
    or None
)
ARCHIVE_TIMEOUT_SECONDS = float(os.environ.get("ARCHIVE_TIMEOUT_SECONDS", "5"))
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))
CONSUMER_RETRY_SECONDS = float(os.environ.get("CONSUMER_RETRY_SECONDS", "5"))
HISTORY_API_PORT = int(os.environ.get("HISTORY_API_PORT", "8091"))

DAY_MS = 24 * 60 * 60 * 1000
REQUIRED_KEYS = ("identifier", "timestamp", "base", "c40")

mongo_client = MongoClient(MONGO_IP, MONGO_PORT)
db = mongo_client[MONGO_DB]
collection = db[MONGO_COLLECTION]

app = Flask("c40 history api")
CORS(app)


def now_ms():
    return int(time.time() * 1000)


def decode_message(raw):
    """value_deserializer: the JSON object, or None for bytes that are not UTF-8 JSON.

    Returning None instead of raising matters: an exception here would stop the
    consumer on the same message at every retry.
    """
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        print(f"Skipping undecodable message: {e}")
        return None


def fetch_archive(identifier, start, end):
    """Ask the archive for [start, end]; returns (positions, archive_info).

    Never raises for the archive's faults: the caller answers with what MongoDB
    has and says, in archive_info, why the archive part is missing.
    """
    try:
        response = requests.get(
            f"{ARCHIVE_SERVICE_URL}/equip/{identifier}",
            params={"start": start, "end": end},
            timeout=ARCHIVE_TIMEOUT_SECONDS,
        )
    except requests.exceptions.Timeout:
        return [], {"status": "timeout", "count": 0}
    except requests.exceptions.RequestException as e:
        print(f"Archive unavailable: {e}")
        return [], {"status": "unavailable", "count": 0}

    if response.status_code >= 400:
        return [], {"status": "error", "count": 0, "http_status": response.status_code}
    try:
        body = response.json()
    except ValueError:
        return [], {"status": "invalid_response", "count": 0}

    positions = body.get("positions") if isinstance(body, dict) else None
    valid = isinstance(positions, list) and all(
        isinstance(p, dict)
        and isinstance(p.get("timestamp"), int)
        and not isinstance(p.get("timestamp"), bool)
        for p in positions
    )
    if not valid:
        return [], {"status": "invalid_response", "count": 0}
    return positions, {"status": "ok", "count": len(positions)}


def merge_positions(local, archived, start, end):
    """One position per timestamp inside [start, end], MongoDB's copy first, ascending."""
    by_timestamp = {}
    for position in archived:
        if start <= position["timestamp"] <= end:
            by_timestamp[position["timestamp"]] = position
    for position in local:
        by_timestamp[position["timestamp"]] = position
    return [by_timestamp[ts] for ts in sorted(by_timestamp)]


@app.route("/health", methods=["GET"])
def health():
    return jsonify({"status": "ok"}), 200


@app.route("/equip/<identifier>", methods=["GET"])
def get_equipment_history(identifier):
    now = now_ms()
    try:
        end = int(request.args.get("end", now))
        start = int(request.args.get("start", end - DAY_MS))
    except ValueError:
        return jsonify(
            {"error": "start and end must be integers (epoch milliseconds)"}
        ), 400
    if start > end:
        return jsonify({"error": "start must not be after end"}), 400

    query = {"identifier": identifier, "timestamp": {"$gte": start, "$lte": end}}
    local = list(collection.find(query, {"_id": 0}).sort("timestamp", 1))

    # MongoDB only keeps RETENTION_DAYS: anything older lives in the archive.
    retention_start = now - RETENTION_DAYS * DAY_MS
    if start < retention_start:
        archived, archive_info = fetch_archive(
            identifier, start, min(end, retention_start)
        )
        positions = merge_positions(local, archived, start, end)
    else:
        archive_info = {"status": "not_needed", "count": 0}
        positions = local

    return jsonify(
        {
            "identifier": identifier,
            "start": start,
            "end": end,
            "count": len(positions),
            "positions": positions,
            "archive": archive_info,
            "complete": archive_info["status"] in ("ok", "not_needed"),
        }
    ), 200


@app.route("/locations/today/equipment", methods=["GET"])
def get_equipment_seen_today():
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    query = {"timestamp": {"$gte": int(today.timestamp() * 1000)}}
    base = request.args.get("base")
    if base is not None:
        query["base.code"] = base
    projection = {"_id": 0, "identifier": 1, "base": 1, "timestamp": 1, "position": 1}
    documents = list(collection.find(query, projection))

    # Latest document per identifier.
    latest = {}
    for doc in documents:
        seen = latest.get(doc["identifier"])
        if seen is None or doc["timestamp"] > seen["timestamp"]:
            latest[doc["identifier"]] = doc
    equipment = [
        {
            "identifier": identifier,
            "base": doc.get("base"),
            "last_seen": doc["timestamp"],
            "position": doc.get("position"),
        }
        for identifier, doc in sorted(latest.items())
    ]
    return jsonify(
        {
            "date": today.strftime("%Y-%m-%d"),
            "count": len(equipment),
            "equipment": equipment,
        }
    ), 200


def consume_data():
    while True:
        consumer = None
        try:
            # The unique index is what turns a redelivered message into a
            # DuplicateKeyError below, so it must exist before any insert.
            collection.create_index(
                [("identifier", ASCENDING), ("timestamp", ASCENDING)],
                unique=True,
                name="identifier_timestamp_unique",
            )
            collection.create_index([("timestamp", ASCENDING)], name="timestamp")

            consumer = KafkaConsumer(
                HISTORY_TOPIC,
                bootstrap_servers=f"{KAFKA_IP}:{KAFKA_PORT}",
                group_id=KAFKA_GROUP_ID,
                auto_offset_reset="earliest",
                value_deserializer=decode_message,
                api_version=KAFKA_API_VERSION,
            )
            print(f"Consuming {HISTORY_TOPIC}")
            for message in consumer:
                data = message.value
                if not isinstance(data, dict):
                    continue
                if not all(key in data for key in REQUIRED_KEYS):
                    print(f"Skipping message without {REQUIRED_KEYS}: {data}")
                    continue
                if not isinstance(data["base"], dict) or not isinstance(
                    data["c40"], dict
                ):
                    print(
                        f"Skipping message whose base or c40 is not an object: {data}"
                    )
                    continue
                if not isinstance(data["timestamp"], int) or isinstance(
                    data["timestamp"], bool
                ):
                    print(f"Skipping message with a non-integer timestamp: {data}")
                    continue
                entry = {
                    "identifier": data["identifier"],
                    "timestamp": data["timestamp"],
                    "base": data["base"],
                    "position": data["c40"].get("position"),
                }
                try:
                    collection.insert_one(entry)
                except DuplicateKeyError:
                    # Already stored: Kafka delivers at least once.
                    continue
        except Exception as e:
            print(f"Consumer failed, retrying in {CONSUMER_RETRY_SECONDS}s: {e}")
            if consumer is not None:
                consumer.close()
            time.sleep(CONSUMER_RETRY_SECONDS)


threading.Thread(target=consume_data, daemon=True).start()


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=HISTORY_API_PORT)
