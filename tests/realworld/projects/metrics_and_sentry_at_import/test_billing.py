def test_an_invoice_is_counted_and_its_amount_left_open(legacy, metrics):
    billing = legacy.load("billing").app.test_client()

    response = billing.post("/invoices", json={"lines": [{"price": 2.5, "quantity": 3}]})

    assert response.get_json() == {"amount": 7.5}
    assert metrics.value("invoices_total", {"currency": "EUR"}) == 1
    assert metrics.value("open_amount") == 7.5


def test_a_malformed_invoice_is_reported_to_sentry_and_not_counted(legacy, metrics, sentry):
    billing = legacy.load("billing").app.test_client()

    response = billing.post("/invoices", json={"lines": [{"price": 2.5}]})

    assert response.status_code == 400
    assert [type(event.value).__name__ for event in sentry.events] == ["KeyError"]
    assert metrics.value("invoices_total", {"currency": "EUR"}) is None
    assert sentry.inits[0]["environment"] == "production"
