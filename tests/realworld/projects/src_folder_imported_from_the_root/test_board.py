def test_totals_are_listed_by_site(legacy, redis):
    board = legacy.load("board").app.test_client()
    redis.hset("totals", mapping={"lyon": "12.5", "arles": "3"})

    assert board.get("/totals").get_json() == [
        {"site": "arles", "total": 3.0},
        {"site": "lyon", "total": 12.5},
    ]


def test_sales_add_up_per_site(legacy, redis):
    board = legacy.load("board").app.test_client()

    for amount in ("2", "0.5"):
        assert board.post("/sales", json={"site": "lyon", "amount": amount}).status_code == 201

    assert redis.hget("totals", "lyon") == "2.5"
