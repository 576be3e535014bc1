"""Baseline: the current service's HTTP routes and its import-time wiring.

The consumer loop is out of reach here (its thread is patched away), so these
tests fill `current_data` the way the loop would and read it back over HTTP.
"""


def telemetry(identifier, timestamp=1_763_683_200_000, base="BASE01", **c40):
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": base, "name": f"Base {base}"},
        "c40": {"position": {"lat": 45.46, "lon": 9.19}, "poi": [], **c40},
    }


def test_health_is_ok_with_nothing_consumed(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "equipment_count": 0}


def test_health_counts_tracked_equipment(client, current_data):
    current_data["EX001"] = telemetry("EX001")
    current_data["EX002"] = telemetry("EX002")

    assert client.get("/health").get_json()["equipment_count"] == 2


def test_equipment_is_empty_before_any_event(client):
    response = client.get("/equipment")

    assert response.status_code == 200
    assert response.get_json() == {"count": 0, "equipment": []}


def test_equipment_returns_every_stored_event_unchanged(client, current_data):
    event = telemetry("EX001", speed_kmh=12.5, engine_on=True)
    current_data["EX001"] = event

    body = client.get("/equipment").get_json()

    assert body == {"count": 1, "equipment": [event]}


def test_equipment_is_sorted_by_identifier(client, current_data):
    for identifier in ("EX003", "EX001", "EX002"):
        current_data[identifier] = telemetry(identifier)

    body = client.get("/equipment").get_json()

    assert [e["identifier"] for e in body["equipment"]] == ["EX001", "EX002", "EX003"]
    assert body["count"] == 3


def test_equipment_filters_by_base_code(client, current_data):
    current_data["EX001"] = telemetry("EX001", base="NORTH")
    current_data["EX002"] = telemetry("EX002", base="SOUTH")
    current_data["EX003"] = telemetry("EX003", base="NORTH")

    body = client.get("/equipment?base=NORTH").get_json()

    assert [e["identifier"] for e in body["equipment"]] == ["EX001", "EX003"]
    assert body["count"] == 2


def test_equipment_filter_on_unknown_base_returns_nothing(client, current_data):
    current_data["EX001"] = telemetry("EX001", base="NORTH")

    body = client.get("/equipment?base=EAST").get_json()

    assert body == {"count": 0, "equipment": []}


def test_equipment_filter_skips_events_without_base(client, current_data):
    current_data["EX001"] = {**telemetry("EX001"), "base": None}
    current_data["EX002"] = telemetry("EX002", base="BASE01")

    body = client.get("/equipment?base=BASE01").get_json()

    assert [e["identifier"] for e in body["equipment"]] == ["EX002"]


def test_equipment_without_filter_keeps_events_without_base(client, current_data):
    current_data["EX001"] = {**telemetry("EX001"), "base": None}

    assert client.get("/equipment").get_json()["count"] == 1


def test_one_equipment_returns_its_stored_event(client, current_data):
    event = telemetry("EX001", timestamp=1_763_683_260_000)
    current_data["EX001"] = event
    current_data["EX002"] = telemetry("EX002")

    response = client.get("/equipment/EX001")

    assert response.status_code == 200
    assert response.get_json() == event


def test_unknown_equipment_is_404_naming_it(client, current_data):
    current_data["EX001"] = telemetry("EX001")

    response = client.get("/equipment/EX999")

    assert response.status_code == 404
    assert response.get_json() == {
        "error": "equipment not found",
        "identifier": "EX999",
    }


def test_identifier_lookup_is_case_sensitive(client, current_data):
    current_data["EX001"] = telemetry("EX001")

    assert client.get("/equipment/ex001").status_code == 404


def test_cors_allows_any_origin(client):
    for origin in ("http://dashboard.example", "https://ops.example:8443"):
        response = client.get("/health", headers={"Origin": origin})

        assert response.headers["Access-Control-Allow-Origin"] == origin


def test_routes_only_answer_get(client):
    assert client.post("/equipment").status_code == 405


def test_consumer_thread_targets_consume_data_and_is_the_patched_one(
    service, imported_service
):
    thread_class = imported_service.thread_class

    assert thread_class.call_args.kwargs == {"target": service.consume_data}
    assert service.consumer_thread is thread_class.return_value
    service.consumer_thread.start.assert_called_once_with()


def test_consumer_is_configured_from_env_and_subscribed(service, imported_service):
    fake_kafka = imported_service.fakes["confluent_kafka"]

    (conf,), _ = fake_kafka.DeserializingConsumer.call_args
    assert conf["bootstrap.servers"] == "192.0.2.1:9092"
    assert conf["group.id"] == "current-api"
    assert conf["value.deserializer"] is imported_service.built["avro_deserializer"]
    imported_service.built["consumer"].subscribe.assert_called_once_with(["current-topic"])
