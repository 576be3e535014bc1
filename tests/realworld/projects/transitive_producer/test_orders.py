def test_an_accepted_order_is_published_with_its_total(legacy, kafka):
    orders = legacy.load("orders")

    response = orders.app.test_client().post(
        "/orders", json={"id": "o-1", "quantity": 3, "unit_price": 2.5}
    )

    assert response.status_code == 202
    assert kafka.values("orders") == [{"id": "o-1", "total": 7.5}]


def test_a_refused_order_publishes_nothing(legacy, kafka):
    orders = legacy.load("orders")

    response = orders.app.test_client().post("/orders", json={"id": "o-2", "quantity": 0})

    assert response.status_code == 400
    assert kafka.values("orders") == []
