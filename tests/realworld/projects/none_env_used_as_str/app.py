"""Event log: optional-looking reads whose None the code cannot take, and a real off switch."""
import os

from pymongo import MongoClient

DB_NAME = os.environ.get("DB_NAME")
COLLECTION = os.getenv("EVENTS_COLLECTION")
SENTRY_DSN = os.environ.get("SENTRY_DSN")

client = MongoClient(os.environ.get("MONGO_URI"))
events = client[DB_NAME][COLLECTION]

if SENTRY_DSN:
    raise RuntimeError("error reporting would be switched on")


def record(kind):
    if not kind:
        raise ValueError("an event needs a kind")
    events.insert_one({"kind": kind})
    return events.count_documents({"kind": kind})
