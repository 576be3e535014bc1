def test_the_weights_read_at_import_score_each_subject(legacy, redis):
    grader = legacy.load("grader")
    client = grader.app.test_client()

    assert client.get("/score/algebra/4").json == {"subject": "algebra", "score": 6.0}
    assert client.get("/score/history/3").json == {"subject": "history", "score": 1.5}
    assert redis.hgetall("scores") == {"algebra": "6.0", "history": "1.5"}


def test_an_unknown_subject_is_404(legacy):
    grader = legacy.load("grader")

    response = grader.app.test_client().get("/score/latin/1")

    assert response.status_code == 404
    assert response.json == {"error": "unknown subject latin"}
