"""The worker through the harness plugin: no sys.modules, env or thread code in any conftest."""

import pytest


def test_restock_adds_up_per_sku(legacy, mongo):
    worker = legacy.load("worker")

    assert worker.restock("A1", 3) == 3
    assert worker.restock("A1", 2) == 5
    assert mongo.documents("inventory", "stock") == [{"sku": "A1", "quantity": 5}]


def test_restock_refuses_nothing(legacy):
    worker = legacy.load("worker")

    with pytest.raises(ValueError, match="positive"):
        worker.restock("A1", 0)


def test_every_test_starts_from_the_stock_right_after_import(legacy, mongo):
    legacy.load("worker")

    assert mongo.documents("inventory", "stock") == []


def test_value_is_quantity_times_the_price_service_answer(legacy, http):
    worker = legacy.load("worker")
    worker.restock("B2", 4)
    http.reply(json={"price": 2.5})

    assert worker.value_of("B2") == 10.0
    assert http.last_request.path == "/prices/B2"


def test_value_of_an_unknown_sku_asks_no_price(legacy, http):
    worker = legacy.load("worker")

    assert worker.value_of("nope") == 0
    assert http.requests == []


def test_the_import_time_thread_is_recorded_not_run(legacy):
    worker = legacy.load("worker")

    [thread] = [t for t in legacy.threads if t.at_import]
    assert thread.target is worker.refresh
    assert thread.started  # start() was called, and recorded
    assert not thread.thread.is_alive()
    assert worker.last_refresh == {"count": 0}
