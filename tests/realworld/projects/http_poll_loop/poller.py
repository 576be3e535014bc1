"""Mirrors a price list: polls an HTTP service, keeps the changes, sleeps, polls again."""
import os
import threading
import time

import requests

PRICES_URL = os.environ.get("PRICES_URL", "http://prices:8000/prices")
POLL_SECONDS = int(os.environ.get("POLL_SECONDS", "30"))
CURRENT = {}
CHANGES = []


def apply(prices):
    for sku, price in sorted(prices.items()):
        if CURRENT.get(sku) != price:
            CHANGES.append((sku, CURRENT.get(sku), price))
            CURRENT[sku] = price


def poll_forever():
    while True:
        try:
            response = requests.get(PRICES_URL, timeout=5)
            response.raise_for_status()
            apply(response.json())
        except requests.RequestException:
            pass
        time.sleep(POLL_SECONDS)


threading.Thread(target=poll_forever, daemon=True).start()
