"""Redis at level `fake`: the real `redis` package, its clients served by fakeredis.

`activate(backends)` replaces, while active, the client classes of `redis` (and
`redis.asyncio`) with fakeredis ones bound to `backends.redis` (a `RedisStore`): whatever
host, port or URL a service gives, its clients share that one in-memory server, and so does the
test's view::

    store = backends.redis
    store.client().set("price:EX001", "3.5")   # a redis.Redis on the same data
    store.keys()                                # every key, decoded
    store.reset()                               # an empty server (FLUSHALL)

A client class bound at import (`from redis import Redis`) keeps the fake class: it is the
service's client for the session, on the same store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.fakes.backends import Backends


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class RedisStore:
    """One in-memory Redis server (a `fakeredis.FakeServer`) shared by every client."""

    def __init__(self) -> None:
        import fakeredis

        self.server = fakeredis.FakeServer()

    def client(self, **kwargs: Any) -> Any:
        """A `redis.Redis` client on this server (`decode_responses=True` by default)."""
        import fakeredis

        kwargs.setdefault("decode_responses", True)
        return fakeredis.FakeRedis(server=self.server, **kwargs)

    def keys(self, pattern: str = "*") -> list[str]:
        return sorted(self.client().keys(pattern))

    def reset(self) -> None:
        """No key in any database."""
        self.client().flushall()


def _bound(store: RedisStore, base: type, name: str) -> type:
    """`base` (a fakeredis client class) with every instance on `store`'s server."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["server"] = store.server
        base.__init__(self, *args, **kwargs)

    def from_url(cls: type, url: str, **kwargs: Any) -> Any:
        kwargs["server"] = store.server
        if not url.startswith(_REDIS_SCHEMES):
            # Every client reaches the one fake server: the address does not matter, and a
            # plausible value the harness gave the variable (http://...) must not fail here.
            url = "redis://localhost:6379/0"
        return base.from_url.__func__(cls, url, **kwargs)  # type: ignore[attr-defined]

    return type(
        name,
        (base,),
        {"__init__": __init__, "from_url": classmethod(from_url), "__module__": "redis"},
    )


@contextlib.contextmanager
def activate(backends: Backends) -> Iterator[RedisStore]:
    """`redis.Redis`, `redis.StrictRedis`, `redis.from_url` (and the `redis.asyncio` ones)
    answered by `backends.redis` while active."""
    import sys
    from unittest import mock

    import fakeredis
    import redis.asyncio
    import redis.client

    # From sys.modules, not as attributes of `redis`: when a service's first import of redis
    # is decided while it runs, the import system runs `redis/__init__.py` again into a new
    # module object, which holds no submodule attributes (`redis.client` is missing there).
    redis = sys.modules["redis"]
    client, asynchronous_module = sys.modules["redis.client"], sys.modules["redis.asyncio"]
    store = backends.redis
    sync = _bound(store, fakeredis.FakeRedis, "Redis")
    strict = _bound(store, fakeredis.FakeStrictRedis, "StrictRedis")
    asynchronous = _bound(store, fakeredis.FakeAsyncRedis, "Redis")
    patches = [
        mock.patch.object(redis, "Redis", sync),
        mock.patch.object(redis, "StrictRedis", strict),
        mock.patch.object(redis, "from_url", sync.from_url),
        mock.patch.object(client, "Redis", sync),
        mock.patch.object(client, "StrictRedis", strict),
        mock.patch.object(asynchronous_module, "Redis", asynchronous),
        mock.patch.object(asynchronous_module, "StrictRedis", asynchronous),
        mock.patch.object(asynchronous_module, "from_url", asynchronous.from_url),
    ]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield store
