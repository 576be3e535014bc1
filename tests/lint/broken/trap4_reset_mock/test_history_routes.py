"""Two tests configuring the same collection mock in incompatible ways."""

import historyAPI


def test_equipment_history_sorted():
    historyAPI.collection.find.return_value.sort.return_value = [{"timestamp": 1}]
    client = historyAPI.app.test_client()
    assert client.get("/equip/EX001").status_code == 200


def test_locations_today():
    historyAPI.collection.find.return_value = [{"base": {"code": "EX001"}}]
    client = historyAPI.app.test_client()
    assert client.get("/locations/today/equipment").status_code == 200
