"""Redis, Prometheus and Sentry as a service's tests meet them: through the plugin's fixtures."""

from __future__ import annotations

# Imported at collection, before the session's leak check looks: importing sentry_sdk adds a
# logging handler for good (its own, on 'sentry_sdk.errors'), which is no leak of a test.
import fakeredis  # noqa: F401
import prometheus_client  # noqa: F401
import redis  # noqa: F401
import sentry_sdk  # noqa: F401

from .conftest import Project

REDIS_SERVICE = """
import os

import redis
from redis import StrictRedis

CACHE = redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]), decode_responses=True)
SESSIONS = StrictRedis.from_url(os.environ["SESSIONS_URL"], decode_responses=True)
CACHE.set("boot", "1")


def price(sku):
    cached = CACHE.get(f"price:{sku}")
    if cached is None:
        CACHE.set(f"price:{sku}", "9.5")
        return 9.5
    return float(cached)


def login(user):
    SESSIONS.incr(f"logins:{user}")
    return int(SESSIONS.get(f"logins:{user}"))
"""


def test_redis_clients_of_a_service_share_one_fake_server_with_the_test(project: Project) -> None:
    project.legacy("svc.py", REDIS_SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(
        """
        def test_a_cached_price_is_read_from_redis(legacy, redis):
            svc = legacy.load("svc")
            redis.set("price:A-1", "2.25")
            assert svc.price("A-1") == 2.25

        def test_a_missing_price_is_cached_and_each_test_starts_empty(legacy, redis):
            svc = legacy.load("svc")
            assert redis.keys() == []
            assert svc.price("A-1") == 9.5
            assert redis.get("price:A-1") == "9.5"

        def test_a_url_client_reaches_the_same_server(legacy, redis):
            svc = legacy.load("svc")
            assert [svc.login("ann"), svc.login("ann")] == [1, 2]
            assert redis.keys("logins:*") == ["logins:ann"]
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=3)


METRICS_SERVICE = """
import sentry_sdk
from prometheus_client import Counter, Histogram, start_http_server

sentry_sdk.init(dsn="https://key@sentry.invalid/1", traces_sample_rate=1.0)
ORDERS = Counter("orders_total", "Orders by outcome", ["status"])
LATENCY = Histogram("order_seconds", "Time to place an order")
start_http_server(9100)


def place(quantity):
    with LATENCY.time():
        if quantity <= 0:
            ORDERS.labels(status="refused").inc()
            try:
                raise ValueError(f"bad quantity {quantity}")
            except ValueError as error:
                sentry_sdk.capture_exception(error)
            return False
        ORDERS.labels(status="ok").inc()
        return True
"""


def test_metrics_registered_at_import_never_collide_and_sentry_installs_nothing(
    project: Project,
) -> None:
    project.legacy("shop/orders.py", METRICS_SERVICE)
    project.config(
        '[tool.harness.services.orders]\npath = "shop/orders.py"\n'
        '[tool.harness.services.orders_copy]\npath = "shop/orders.py"\n'
        'env = { VARIANT = "2" }\n'
    )
    project.tests(
        """
        import sys
        import threading

        def test_placed_orders_are_counted(legacy, metrics, sentry):
            hooks = (sys.excepthook, threading.excepthook)
            orders = legacy.load("orders")
            assert orders.place(2) and not orders.place(0)
            assert metrics.value("orders_total", {"status": "ok"}) == 1
            assert metrics.value("orders_total", {"status": "refused"}) == 1
            assert metrics.value("order_seconds_count") == 2
            assert metrics.servers == [9100] and "orders_total" in metrics.text()
            assert [e.kind for e in sentry.events] == ["exception"]
            assert str(sentry.events[0].value) == "bad quantity 0"
            assert sentry.inits[0]["dsn"] == "https://key@sentry.invalid/1"
            assert (sys.excepthook, threading.excepthook) == hooks

        def test_every_test_starts_from_zero(legacy, metrics, sentry):
            legacy.load("orders")
            assert metrics.value("orders_total", {"status": "ok"}) is None
            assert metrics.value("order_seconds_count") == 0
            assert sentry.events == []

        def test_the_same_module_imported_again_registers_its_metrics_again(legacy, metrics):
            copy = legacy.load("orders_copy")
            copy.place(1)
            assert metrics.value("orders_total", {"status": "ok"}) == 1

        def test_the_process_registry_is_untouched(legacy):
            from prometheus_client import REGISTRY
            legacy.load("orders")
            assert REGISTRY.get_sample_value("orders_total", {"status": "ok"}) is None
        """
    )

    result = project.pytester.runpytest()

    result.assert_outcomes(passed=4)
