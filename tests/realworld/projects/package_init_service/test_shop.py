import sys


def test_the_package_is_loaded_once_and_holds_its_routes(legacy):
    shop = legacy.load("shop")

    assert sys.modules["shop"] is shop
    assert shop.routes.app is shop.app
    assert {rule.rule for rule in shop.app.url_map.iter_rules()} >= {"/items/<sku>"}


def test_a_price_is_stored_and_read_back(legacy, mongo):
    shop = legacy.load("shop")
    client = shop.app.test_client()

    assert client.put("/items/A1", json={"price": 4.5}).status_code == 200

    assert mongo.documents("shop", "items") == [{"sku": "A1", "price": 4.5}]
    assert client.get("/items/A1").json == {"sku": "A1", "price": 4.5}


def test_a_negative_price_is_refused(legacy, mongo):
    shop = legacy.load("shop")

    response = shop.app.test_client().put("/items/A1", json={"price": -1})

    assert response.status_code == 400
    assert mongo.documents("shop", "items") == []
