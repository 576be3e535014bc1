def test_restocking_adds_up_and_low_stock_uses_the_code_default(legacy, mongo):
    inventory = legacy.load("inventory")

    assert inventory.restock("A", 2) == 2
    assert inventory.restock("A", 1) == 3
    inventory.restock("B", 1)

    assert inventory.low_stock() == ["B"]
    assert inventory.LOW_STOCK == 3
    database, collection = inventory.stock.database.name, inventory.stock.name
    assert sorted(d["sku"] for d in mongo.documents(database, collection)) == ["A", "B"]


def test_a_port_read_through_a_helper_is_a_number_and_every_value_is_reported(legacy):
    inventory = legacy.load("inventory")

    assert isinstance(inventory.DB_PORT, int)
    for name in ("INVENTORY_DB_HOST", "INVENTORY_DB_PORT", "INVENTORY_DB", "STOCK_COLLECTION"):
        assert name in legacy.report
    assert legacy.env()["INVENTORY_DB_PORT"] == str(inventory.DB_PORT)
