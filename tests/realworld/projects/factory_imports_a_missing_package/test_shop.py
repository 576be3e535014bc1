def test_a_known_item_has_its_price(legacy):
    shop = legacy.load("shop").app.test_client()

    assert shop.get("/price/pear").get_json() == {"item": "pear", "cents": 120}


def test_an_unknown_item_is_not_found_and_the_stub_is_reported(legacy):
    shop = legacy.load("shop").app.test_client()

    assert shop.get("/price/kiwi").status_code == 404
    assert "harness_example_metrics_not_installed is not installed" in legacy.report


def test_an_optional_import_fails_as_it_would_without_the_harness(legacy):
    legacy.load("shop")
    from shop import views

    assert views.speedups is None
