"""history and the archive service: merging archived positions, and degrading on its faults.

A range older than the retention window (30 days before the frozen NOW) sends one request to
the archive for the part MongoDB no longer keeps; whatever the archive does, the answer is a 200
with MongoDB's positions, and `archive` / `complete` say what happened.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from harness.fixtures import HttpFixture, LegacyFixture, MongoFixture

from .builders import (
    DAY,
    HISTORY_ENV,
    NEEDS_A_BACKEND,
    NOW,
    freeze_clock,
    get,
    position,
)

RETENTION_START = NOW - 30 * DAY
START = RETENTION_START - 10 * DAY  # an old range: [START, NOW]
LOCAL = position("EX001", NOW - DAY, lat=1.0)  # what MongoDB holds in that range


@pytest.fixture
def history_now(monkeypatch: pytest.MonkeyPatch, history: ModuleType, mongo: MongoFixture) -> ModuleType:
    """history at NOW, with one recent position of EX001 in MongoDB."""
    freeze_clock(monkeypatch, history, NOW)
    mongo["c40"]["positions_history"].insert_one(dict(LOCAL))
    return history


def old_range(history: ModuleType) -> dict[str, Any]:
    status, body = get(history, f"/equip/EX001?start={START}&end={NOW}")
    assert status == 200
    return body


def degraded(archive: dict[str, Any]) -> dict[str, Any]:
    """The answer when the archive part is missing: MongoDB's positions only, incomplete."""
    return {
        "identifier": "EX001",
        "start": START,
        "end": NOW,
        "count": 1,
        "positions": [LOCAL],
        "archive": archive,
        "complete": False,
    }


@NEEDS_A_BACKEND
def test_archived_positions_are_merged_in_time_order_with_mongo_winning_on_a_shared_time(
    history_now: ModuleType, http: HttpFixture
) -> None:
    at_start = position("EX001", START, lat=5.0)
    middle = position("EX001", START + DAY, lat=6.0)
    shadowed = position("EX001", NOW - DAY, lat=7.0)  # MongoDB has this time too
    http.reply(json={"positions": [middle, position("EX001", START - 1), shadowed, at_start]})

    assert old_range(history_now) == {
        "identifier": "EX001",
        "start": START,
        "end": NOW,
        "count": 3,
        "positions": [at_start, middle, LOCAL],
        "archive": {"status": "ok", "count": 4},  # what the archive sent, before filtering
        "complete": True,
    }


@NEEDS_A_BACKEND
def test_archived_positions_at_the_end_of_the_range_are_kept_and_after_it_dropped(
    history_now: ModuleType, http: HttpFixture
) -> None:
    end = RETENTION_START - DAY
    at_end = position("EX001", end)
    http.reply(json={"positions": [at_end, position("EX001", end + 1)]})

    status, body = get(history_now, f"/equip/EX001?start={START}&end={end}")

    assert status == 200
    assert body["positions"] == [at_end]
    assert body["count"] == 1


@NEEDS_A_BACKEND
def test_an_empty_archive_answer_is_complete(history_now: ModuleType, http: HttpFixture) -> None:
    http.reply(json={"positions": []})

    body = old_range(history_now)

    assert body["positions"] == [LOCAL]
    assert body["archive"] == {"status": "ok", "count": 0}
    assert body["complete"] is True


@NEEDS_A_BACKEND
def test_the_archive_is_asked_once_with_get_for_the_range_mongo_no_longer_keeps(
    history_now: ModuleType, http: HttpFixture
) -> None:
    http.reply(json={"positions": []})

    old_range(history_now)

    assert [(r.method, r.url.split("?")[0], r.params) for r in http.requests] == [
        (
            "GET",
            f"{history_now.ARCHIVE_SERVICE_URL}/equip/EX001",
            {"start": str(START), "end": str(RETENTION_START)},
        )
    ]


@pytest.mark.harness_fidelity("fake")  # a real server cannot see the client's timeout
def test_the_archive_request_waits_at_most_ARCHIVE_TIMEOUT_SECONDS(
    history_now: ModuleType, http: HttpFixture
) -> None:
    http.reply(json={"positions": []})

    old_range(history_now)

    assert [r.timeout for r in http.requests] == [5.0]


@NEEDS_A_BACKEND
def test_an_archive_timeout_degrades_to_mongo_positions(history_now: ModuleType, http: HttpFixture) -> None:
    http.timeout()

    assert old_range(history_now) == degraded({"status": "timeout", "count": 0})


@NEEDS_A_BACKEND
def test_an_archive_slower_than_the_timeout_degrades_to_mongo_positions(
    history_now: ModuleType, http: HttpFixture
) -> None:
    http.slow(5.0, json={"positions": [position("EX001", START)]})

    assert old_range(history_now) == degraded({"status": "timeout", "count": 0})


@pytest.mark.harness_fidelity("fake")  # the fake compares the delay with the timeout, nothing sleeps
def test_an_archive_answering_within_the_timeout_is_used(history_now: ModuleType, http: HttpFixture) -> None:
    archived = position("EX001", START)
    http.slow(4.9, json={"positions": [archived]})

    assert old_range(history_now)["positions"] == [archived, LOCAL]


@NEEDS_A_BACKEND
def test_an_unreachable_archive_degrades_to_mongo_positions(history_now: ModuleType, http: HttpFixture) -> None:
    http.connection_error()

    assert old_range(history_now) == degraded({"status": "unavailable", "count": 0})


@NEEDS_A_BACKEND
@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_an_archive_http_error_degrades_to_mongo_positions_with_its_status(
    history_now: ModuleType, http: HttpFixture, status: int
) -> None:
    http.server_error(status, json={"positions": [position("EX001", START)]})

    assert old_range(history_now) == degraded({"status": "error", "count": 0, "http_status": status})


@NEEDS_A_BACKEND
def test_an_archive_answer_just_below_400_is_used(history_now: ModuleType, http: HttpFixture) -> None:
    archived = position("EX001", START)
    http.reply(json={"positions": [archived]}, status=399)

    assert old_range(history_now)["archive"] == {"status": "ok", "count": 1}


@NEEDS_A_BACKEND
def test_a_malformed_json_answer_degrades_to_mongo_positions(history_now: ModuleType, http: HttpFixture) -> None:
    http.malformed()

    assert old_range(history_now) == degraded({"status": "invalid_response", "count": 0})


@pytest.mark.parametrize(
    "body",
    [
        [{"identifier": "EX001", "timestamp": 1}],
        {"items": []},
        {"positions": None},
        {"positions": {"timestamp": 1}},
        {"positions": "none"},
        {"positions": [1]},
        {"positions": [{"identifier": "EX001"}]},
        {"positions": [{"timestamp": "1763683200000"}]},
        {"positions": [{"timestamp": True}]},
        {"positions": [{"timestamp": 1763683200000.0}]},
        {"positions": [{"timestamp": None}]},
        {"positions": [position("EX001", START), {"timestamp": "late"}]},
    ],
    ids=[
        "array-body",
        "no-positions",
        "null-positions",
        "object-positions",
        "string-positions",
        "non-object-position",
        "no-timestamp",
        "string-timestamp",
        "bool-timestamp",
        "float-timestamp",
        "null-timestamp",
        "one-bad-among-good",
    ],
)
@NEEDS_A_BACKEND
def test_an_answer_not_shaped_as_positions_degrades_to_mongo_positions(
    history_now: ModuleType, http: HttpFixture, body: Any
) -> None:
    http.reply(json=body)

    assert old_range(history_now) == degraded({"status": "invalid_response", "count": 0})


class TestConfiguredArchive:
    @pytest.fixture
    def configured(self, monkeypatch: pytest.MonkeyPatch, legacy: LegacyFixture) -> ModuleType:
        history = legacy.load("history", env=HISTORY_ENV)
        freeze_clock(monkeypatch, history, NOW)
        return history

    @pytest.mark.harness_fidelity("fake")  # at wire level only the loopback archive is reachable
    def test_the_archive_url_comes_from_ARCHIVE_SERVICE_URL_without_its_trailing_slash(
        self, configured: ModuleType, http: HttpFixture
    ) -> None:
        http.reply(json={"positions": []})

        get(configured, f"/equip/EX001?start={NOW - 2 * DAY - 1}&end={NOW}")

        assert [r.url for r in http.requests] == [
            f"http://archive.test:9000/X/equip/EX001?start={NOW - 2 * DAY - 1}&end={NOW - 2 * DAY}"
        ]

    def test_the_retention_window_is_RETENTION_DAYS_long(self, configured: ModuleType, http: HttpFixture) -> None:
        status, body = get(configured, f"/equip/EX001?start={NOW - 2 * DAY}&end={NOW}")

        assert (status, body["archive"], http.requests) == (200, {"status": "not_needed", "count": 0}, [])
