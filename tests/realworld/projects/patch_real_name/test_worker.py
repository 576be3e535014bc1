import sys
from unittest.mock import patch


def test_patch_by_the_real_module_name_reaches_the_module_under_test(legacy):
    worker = legacy.load("worker")

    with patch("app.worker.fetch", return_value={"events": [{"hours": 2}, {"hours": 3}]}):
        assert worker.summary("EX1") == {"equipment": "EX1", "hours": 5}

    assert worker.REFRESHED == []  # the thread the import started never ran


@patch("app.worker.fetch", return_value={"events": []})
def test_a_patch_decorator_started_before_the_load_patches_the_same_module(fetch, legacy):
    worker = legacy.load("worker")

    assert worker.summary("EX2")["hours"] == 0
    fetch.assert_called_once_with("EX2")
    assert sys.modules["app.worker"] is worker


def test_monkeypatch_by_dotted_name(legacy, monkeypatch):
    worker = legacy.load("worker")
    monkeypatch.setattr("app.worker.ARCHIVE_URL", "http://archive.invalid")

    assert worker.ARCHIVE_URL == "http://archive.invalid"


def test_outside_tests_using_it_the_real_module_was_never_imported():
    assert "app.worker" not in sys.modules
