"""A quoting service: prices from one HTTP service (requests), stock from another (httpx)."""

import os

import httpx
import requests
from flask import Flask, jsonify

PRICES_URL = os.environ.get("PRICES_URL", "https://prices.invalid/api")
STOCK_URL = os.environ.get("STOCK_URL", "https://stock.invalid/v2")
stock_client = httpx.Client(base_url=STOCK_URL, timeout=2.0)

app = Flask(__name__)


@app.route("/quote/<sku>/<int:quantity>")
def quote(sku, quantity):
    try:
        price = requests.get(f"{PRICES_URL}/prices/{sku}", timeout=2).json()["price"]
    except requests.RequestException:
        return jsonify({"error": "prices unavailable"}), 503
    try:
        available = stock_client.get(f"/items/{sku}").json()["available"]
    except httpx.HTTPError:
        available = None
    if available is not None and available < quantity:
        return jsonify({"sku": sku, "error": "not enough stock", "available": available}), 409
    return jsonify({"sku": sku, "total": round(price * quantity, 2), "confirmed": available is not None})
