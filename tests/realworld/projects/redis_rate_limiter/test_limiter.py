def test_the_fourth_request_in_a_minute_is_refused(legacy, redis):
    limiter = legacy.load("limiter").app.test_client()

    statuses = [limiter.get("/api/ann").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert [key for key in redis.keys("rate:*")] and redis.ttl(redis.keys("rate:*")[0]) == 60


def test_a_blocked_client_is_refused_before_counting(legacy, redis):
    limiter = legacy.load("limiter").app.test_client()
    redis.sadd("limiter:blocked", "bob")

    assert limiter.get("/api/bob").status_code == 403
    assert redis.keys("rate:*") == []


def test_clients_are_counted_apart(legacy):
    limiter = legacy.load("limiter").app.test_client()
    limiter.get("/api/ann")

    assert limiter.get("/api/bob").get_json() == {"ok": True, "remaining": 2}
