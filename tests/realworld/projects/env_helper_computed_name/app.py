"""Stock levels; every setting is read through a helper module, some under computed names."""
from pymongo import MongoClient

from config import env, required

PREFIX = "INVENTORY"
DB_HOST = required(f"{PREFIX}_DB_HOST")
DB_PORT = int(env(f"{PREFIX}_DB_PORT"))
LOW_STOCK = int(env("LOW_STOCK_LEVEL", "3"))

client = MongoClient(DB_HOST, DB_PORT)
stock = client[env("INVENTORY_DB")][env("STOCK_COLLECTION")]


def restock(sku, quantity):
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    stock.update_one({"sku": sku}, {"$inc": {"quantity": quantity}}, upsert=True)
    return stock.find_one({"sku": sku})["quantity"]


def low_stock():
    return sorted(item["sku"] for item in stock.find({"quantity": {"$lt": LOW_STOCK}}))
