"""Redis: `redis` (redis-py), served by fakeredis.

| level  | what serves it                                                                      |
|--------|-------------------------------------------------------------------------------------|
| `fake` | the real `redis`, its client classes replaced by fakeredis ones on one shared       |
|        | in-memory server, whatever host, port or URL the service gives                      |
| `wire` | none: the `fake` level is used (noted in the report)                                |

Fixture `redis` (`harness.fixtures.RedisFixture`): read and seed keys on that server. Emptied
before each test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.redis import RedisStore

    return RedisStore()


INTEGRATION = Integration(
    name="redis",
    packages=("redis",),
    providers={
        Fidelity.FAKE: {
            "redis": Provider(
                "redis",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.redis:activate",
                description="the real redis, its clients on one fakeredis server",
            )
        }
    },
    backends=(Backend("redis", _store, reset=lambda store: store.reset()),),
    wire=Wire(fallback="no Redis server runs in-process: fakeredis (the fake level) is used"),
    fixture="harness.fixtures:RedisFixture",
    description="Redis (redis-py) through fakeredis",
    client_constructors=("redis.Redis", "redis.StrictRedis", "redis.from_url"),
    connecting_methods=(
        "ping", "get", "set", "delete", "exists", "expire", "incr", "decr", "keys", "hget",
        "hset", "hgetall", "lpush", "rpush", "sadd", "publish", "flushdb", "flushall",
    ),
)
