import os

REDIS_URL = os.environ.get("REDIS_URL", "redis://cache:6379/0")
ORDER_TTL_SECONDS = 3600
