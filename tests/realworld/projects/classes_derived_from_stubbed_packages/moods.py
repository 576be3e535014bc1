"""Moods kept in Redis, with settings and dependency injection from libraries not installed
here (stubbed): the service's own classes derive from both."""
import redis
from harness_example_di_not_installed import Injectable
from harness_example_settings_not_installed import BaseSettings


class Settings(BaseSettings, Injectable):
    prefix = "mood"

    def key(self, user):
        return f"{self.prefix}:{user}"


settings = Settings(redis_host="cache.invalid")
store = redis.Redis(host=settings.redis_host)


def record(user, mood):
    store.rpush(settings.key(user), mood)
    return store.llen(settings.key(user))
