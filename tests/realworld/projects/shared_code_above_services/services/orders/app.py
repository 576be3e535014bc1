# Run from the repository's root (PYTHONPATH=.), so shared/ is importable as `shared`.
import redis
from flask import Flask, request

from shared.settings import ORDER_TTL_SECONDS, REDIS_URL

cache = redis.from_url(REDIS_URL)
app = Flask(__name__)


@app.put("/orders/<order_id>")
def put_order(order_id):
    cache.setex(f"order:{order_id}", ORDER_TTL_SECONDS, request.get_data())
    return {"stored": order_id}


@app.get("/orders/<order_id>")
def get_order(order_id):
    body = cache.get(f"order:{order_id}")
    return ({"order": body.decode()}, 200) if body is not None else ({"error": "unknown"}, 404)
