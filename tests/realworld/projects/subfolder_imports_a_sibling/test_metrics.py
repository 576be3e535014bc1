def test_a_valid_event_is_published(legacy, kafka):
    metrics = legacy.load("metrics")
    event = {"user_id": "u1", "film_id": "f9", "position": 120}

    response = metrics.app.test_client().post("/events", json=event)

    assert response.status_code == 202
    assert kafka.values("film-events") == [event]


def test_an_event_missing_fields_is_400_naming_them_and_publishes_nothing(legacy, kafka):
    metrics = legacy.load("metrics")

    response = metrics.app.test_client().post("/events", json={"user_id": "u1", "position": "x"})

    assert response.status_code == 400
    assert response.json == {"errors": ["film_id: expected str", "position: expected int"]}
    assert kafka.values("film-events") == []
