"""Shared by the functions: the deploy puts this folder on their path (a Lambda layer), so they
import it by its bare name. Its client is built when it is imported."""

import os

import redis

STORE = redis.Redis.from_url(os.environ["VISITS_REDIS_URL"])
PREFIX = os.environ.get("VISITS_PREFIX", "visits")


def count(page):
    return STORE.incr(f"{PREFIX}:{page}")
