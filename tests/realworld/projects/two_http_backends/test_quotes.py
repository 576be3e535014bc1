import pytest


@pytest.fixture
def quotes(legacy, http):
    module = legacy.load("quotes")
    http.route("GET", "https://prices.invalid/api/prices/", json={"price": 2.5})
    return module


def test_a_quote_multiplies_the_price_and_confirms_the_stock(quotes, http):
    stock = http.route("GET", "https://stock.invalid/v2/items/", json={"available": 10})

    response = quotes.app.test_client().get("/quote/A-1/4")

    assert response.get_json() == {"sku": "A-1", "total": 10.0, "confirmed": True}
    assert [r.path for r in stock.requests] == ["/v2/items/A-1"]


def test_too_little_stock_is_a_conflict(quotes, http):
    http.route("GET", "https://stock.invalid/v2/", json={"available": 3})

    response = quotes.app.test_client().get("/quote/A-1/4")

    assert (response.status_code, response.get_json()["available"]) == (409, 3)


def test_a_stock_service_timing_out_gives_an_unconfirmed_quote(quotes, http):
    http.route("GET", "https://stock.invalid/v2/").timeout()

    response = quotes.app.test_client().get("/quote/A-1/4")

    assert response.get_json() == {"sku": "A-1", "total": 10.0, "confirmed": False}


def test_prices_down_is_a_503_whatever_the_stock(quotes, http):
    http.routes[0].server_error(503).connection_error(times=1)
    http.route("GET", "https://stock.invalid/v2/", json={"available": 10})

    first = quotes.app.test_client().get("/quote/A-1/1")

    assert first.status_code == 503
