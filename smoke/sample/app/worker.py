"""A stock worker written the legacy way: env read, clients built and a thread started at import.

Our own small module for the packaging smoke (smoke/wheel_smoke.py): a project that has never
heard of the harness, as a new user's would be.
"""

import os
import threading
import time

import pymongo
import requests

MONGO_URL = os.environ["MONGO_URL"]
PRICES_URL = os.environ.get("PRICES_URL", "http://prices.invalid:8080")
REFRESH_SECONDS = int(os.environ.get("REFRESH_SECONDS", "30"))

client = pymongo.MongoClient(MONGO_URL)
stock = client["inventory"]["stock"]
stock.create_index("sku", unique=True)
last_refresh = {"count": 0}


def restock(sku, quantity):
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    stock.update_one({"sku": sku}, {"$inc": {"quantity": quantity}}, upsert=True)
    return stock.find_one({"sku": sku})["quantity"]


def price_of(sku):
    response = requests.get(f"{PRICES_URL}/prices/{sku}", timeout=2)
    response.raise_for_status()
    return response.json()["price"]


def value_of(sku):
    item = stock.find_one({"sku": sku})
    if item is None:
        return 0
    return item["quantity"] * price_of(sku)


def refresh():
    while True:
        last_refresh["count"] = stock.count_documents({})
        time.sleep(REFRESH_SECONDS)


threading.Thread(target=refresh, daemon=True).start()
