"""The loopback HTTP backend: scripted answers and real faults, seen through `requests`."""

from __future__ import annotations

import threading

import pytest
import requests

from harness.wire.http import LoopbackArchive


def _get(
    archive: LoopbackArchive, path: str = "/equip/EX001", timeout: float = 2.0, **params
) -> requests.Response:
    return requests.get(f"{archive.url}{path}", params=params or None, timeout=timeout)


def test_scripted_json_answer_and_the_request_it_recorded(archive: LoopbackArchive) -> None:
    archive.reply(json={"positions": [{"timestamp": 1}]})

    response = _get(archive, start="1", end="2")

    assert (response.status_code, response.json()) == (200, {"positions": [{"timestamp": 1}]})
    request = archive.last_request
    assert (request.method, request.path, request.params) == (
        "GET",
        "/equip/EX001",
        {"start": "1", "end": "2"},
    )


def test_answers_for_n_times_come_first_then_the_standing_one(archive: LoopbackArchive) -> None:
    archive.reply(json={"n": "standing"})
    archive.server_error(503, times=1)
    archive.reply(json={"n": "second"}, times=1)

    statuses = [(r.status_code, r.json()) for r in (_get(archive) for _ in range(3))]

    assert statuses == [
        (503, {"error": "internal server error"}),
        (200, {"n": "second"}),
        (200, {"n": "standing"}),
    ]


def test_malformed_answer_fails_to_parse_as_json(archive: LoopbackArchive) -> None:
    archive.malformed()
    response = _get(archive)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_timeout_makes_the_clients_own_timeout_fire(archive: LoopbackArchive) -> None:
    archive.timeout()
    with pytest.raises(requests.exceptions.ReadTimeout):
        _get(archive, timeout=0.2)


def test_slow_answer_within_the_timeout_arrives(archive: LoopbackArchive) -> None:
    archive.slow(0.05, json={"positions": []})
    assert _get(archive, timeout=2.0).json() == {"positions": []}


def test_slow_answer_past_the_timeout_times_out(archive: LoopbackArchive) -> None:
    archive.slow(1.0, json={"positions": []})
    with pytest.raises(requests.exceptions.ReadTimeout):
        _get(archive, timeout=0.1)


def test_connection_error_drops_the_connection_before_any_answer(archive: LoopbackArchive) -> None:
    archive.connection_error()
    with pytest.raises(requests.exceptions.ConnectionError):
        _get(archive)
    assert len(archive.requests) == 1


def test_nothing_scripted_behaves_as_an_unreachable_service(archive: LoopbackArchive) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        _get(archive)


def test_reset_lets_a_held_request_go_and_forgets_the_script(archive: LoopbackArchive) -> None:
    archive.timeout()
    outcome: list[str] = []

    def client() -> None:
        try:
            _get(archive, timeout=5.0)
            outcome.append("answered")
        except requests.exceptions.RequestException as error:
            outcome.append(type(error).__name__)

    thread = threading.Thread(target=client)
    thread.start()
    while not archive.requests:
        thread.join(0.01)
    archive.reset()
    thread.join(5.0)

    assert outcome == ["ConnectionError"]
    assert archive.requests == []
