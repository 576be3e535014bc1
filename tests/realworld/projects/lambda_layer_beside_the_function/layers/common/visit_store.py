"""Shared by the functions: the deploy puts this folder on their path (a Lambda layer), so they
import it by its bare name. Its client is built, its tracer patched and its flusher started
when it is imported."""

import os
import threading
import time

import redis
from aws_xray_sdk.core import patch_all

patch_all()  # traces every client call in production

STORE = redis.Redis.from_url(os.environ["VISITS_REDIS_URL"])
PREFIX = os.environ.get("VISITS_PREFIX", "visits")
PENDING = []


def count(page):
    return STORE.incr(f"{PREFIX}:{page}")


def _flush_forever():
    while True:
        while PENDING:
            STORE.rpush(f"{PREFIX}:log", PENDING.pop(0))
        time.sleep(5)


threading.Thread(target=_flush_forever, daemon=True).start()
