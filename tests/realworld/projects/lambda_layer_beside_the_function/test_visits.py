import json


def call(app, page):
    answer = app.lambda_handler({"pathParameters": {"page": page}}, None)
    return answer["statusCode"], json.loads(answer["body"])


def test_each_visit_of_a_page_is_counted_in_the_layer_store(legacy, redis):
    app = legacy.load("visits")

    assert call(app, "/Home/") == (200, {"page": "home", "visits": 1})
    assert call(app, "home") == (200, {"page": "home", "visits": 2})
    assert redis.get("visits:home") == "2"


def test_the_layer_is_the_project_code_not_a_stub(legacy):
    app = legacy.load("visits")

    assert app.prefix() == "visits"  # its own default, not a MagicMock
    assert call(app, "/") == (400, {"error": "no page"})


def test_the_layer_flusher_is_recorded_and_runs_inline(legacy, redis):
    legacy.load("visits")
    (flusher,) = legacy.threads  # recorded when the layer was imported, not started
    assert flusher.file.endswith("visit_store.py") and flusher.at_import
    flusher.target.__globals__["PENDING"].extend(["home", "about"])

    legacy.threads.run(until=lambda: not flusher.target.__globals__["PENDING"])

    assert redis.lrange("visits:log", 0, -1) == ["home", "about"]
