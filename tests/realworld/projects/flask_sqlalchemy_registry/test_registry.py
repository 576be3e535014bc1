def test_registering_a_service_stores_it_with_its_routes(legacy, sql):
    client = legacy.load("registry").main_app.test_client()

    answer = client.post(
        "/services", json={"name": "orders", "host": "orders:8000", "routes": ["/o", "/o/<id>"]}
    )

    assert answer.status_code == 201
    assert sql.rows("services") == [{"id": 1, "name": "orders", "host": "orders:8000", "active": 1}]
    assert [row["path"] for row in sql.rows("routes", service_id=1)] == ["/o", "/o/<id>"]


def test_registering_again_moves_the_host_and_adds_only_new_routes(legacy, sql):
    client = legacy.load("registry").main_app.test_client()
    sql.insert("services", {"id": 7, "name": "orders", "host": "old:8000", "active": 0})
    sql.insert("routes", {"service_id": 7, "path": "/o"})

    client.post("/services", json={"name": "orders", "host": "new:8000", "routes": ["/o", "/p"]})

    assert sql.rows("services") == [{"id": 7, "name": "orders", "host": "new:8000", "active": 1}]
    assert [row["path"] for row in sql.rows("routes")] == ["/o", "/p"]


def test_only_active_services_are_listed_and_deregistering_deactivates(legacy, sql):
    client = legacy.load("registry").main_app.test_client()
    sql.insert(
        "services",
        {"name": "b", "host": "b:1", "active": 1},
        {"name": "a", "host": "a:1", "active": 1},
        {"name": "z", "host": "z:1", "active": 0},
    )

    assert [s["name"] for s in client.get("/services").get_json()] == ["a", "b"]
    assert client.delete("/services/b").status_code == 204
    assert client.delete("/services/z-unknown").status_code == 404

    assert [s["name"] for s in client.get("/services").get_json()] == ["a"]


def test_the_tables_create_all_made_at_import_start_every_test_empty(legacy, sql):
    legacy.load("registry")

    assert sql.tables() == ["routes", "services"]
    assert sql.rows("services") == []
    assert "postgresql://test:***@192.0.2.1:5432/test redirected to SQLite in memory" in legacy.report
