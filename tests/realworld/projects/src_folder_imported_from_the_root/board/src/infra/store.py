import os

import redis

client = redis.Redis.from_url(os.environ["REDIS_URL"])


def record(site, amount):
    client.hincrbyfloat("totals", site, amount)


def totals_by_site():
    return {site.decode(): float(total) for site, total in client.hgetall("totals").items()}
