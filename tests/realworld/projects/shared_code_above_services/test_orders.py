def test_an_order_is_kept_for_the_shared_time_to_live(legacy, redis):
    orders = legacy.load("orders").app.test_client()

    assert orders.put("/orders/7", data=b"2 pears").status_code == 200

    assert orders.get("/orders/7").get_json() == {"order": "2 pears"}
    assert 3500 < redis.ttl("order:7") <= 3600  # the shared setting, counting down


def test_an_unknown_order_is_not_found(legacy):
    orders = legacy.load("orders").app.test_client()

    assert orders.get("/orders/8").status_code == 404
