def test_items_added_twice_are_counted(legacy, redis):
    shop = legacy.load("shop").application.test_client()

    shop.post("/basket/ann/pear")
    answer = shop.post("/basket/ann/pear")

    assert answer.get_json() == {"items": {"pear": 2}}
    assert redis.hgetall("basket:ann") == {"pear": "2"}


def test_each_user_has_a_basket_of_their_own(legacy, redis):
    shop = legacy.load("shop").application.test_client()
    redis.hset("basket:bob", "fig", 3)

    shop.post("/basket/ann/pear")

    assert shop.get("/basket/bob").get_json() == {"items": {"fig": 3}}
    assert shop.get("/basket/ann").get_json() == {"items": {"pear": 1}}
