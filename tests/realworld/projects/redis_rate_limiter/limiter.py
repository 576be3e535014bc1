"""A rate limiter in front of an API: requests per client and minute, counted in Redis."""

import os
import time

import redis
from flask import Flask, jsonify

LIMIT = int(os.environ.get("RATE_LIMIT", "3"))
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://cache:6379/0"))
store.set("limiter:started", int(time.time()))

app = Flask(__name__)


@app.route("/api/<client>")
def api(client):
    if store.sismember("limiter:blocked", client):
        return jsonify({"error": "blocked"}), 403
    key = f"rate:{client}:{int(time.time() // 60)}"
    count = store.incr(key)
    store.expire(key, 60)
    if count > LIMIT:
        return jsonify({"error": "too many requests", "count": count}), 429
    return jsonify({"ok": True, "remaining": LIMIT - count})
