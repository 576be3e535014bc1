"""The archive service fake: scripted answers and faults through responses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from harness.fakes.backends import Backends
from harness.integrations import provider

ARCHIVE = "http://archive:8080"


@pytest.fixture
def archive_backends() -> Iterator[Backends]:
    backends = Backends(archive_url=ARCHIVE)
    with provider("requests").activate(backends):
        yield backends


def test_scripted_json_answer_and_recorded_request(archive_backends: Backends) -> None:
    archive = archive_backends.archive
    archive.reply(json=[{"timestamp": 1000}])

    response = requests.get(f"{ARCHIVE}/history/EX001", params={"from": "1", "to": "2"}, timeout=3)

    assert response.status_code == 200 and response.json() == [{"timestamp": 1000}]
    request = archive.last_request
    assert (request.method, request.path, request.params, request.timeout) == (
        "GET",
        "/history/EX001",
        {"from": "1", "to": "2"},
        3,
    )


def test_server_error_status(archive_backends: Backends) -> None:
    archive_backends.archive.server_error(503)
    response = requests.get(f"{ARCHIVE}/history", timeout=1)
    assert response.status_code == 503
    with pytest.raises(requests.HTTPError):
        response.raise_for_status()


def test_timeout_raises_read_timeout(archive_backends: Backends) -> None:
    archive_backends.archive.timeout()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{ARCHIVE}/history", timeout=1)


def test_malformed_body_fails_to_decode(archive_backends: Backends) -> None:
    archive_backends.archive.malformed()
    response = requests.get(f"{ARCHIVE}/history", timeout=1)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_connection_error(archive_backends: Backends) -> None:
    archive_backends.archive.connection_error()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{ARCHIVE}/history", timeout=1)


def test_one_shot_answers_come_before_the_standing_one(archive_backends: Backends) -> None:
    archive = archive_backends.archive
    archive.reply(json={"ok": True}).server_error(500, times=1)
    statuses = [requests.get(f"{ARCHIVE}/h", timeout=1).status_code for _ in range(3)]
    assert statuses == [500, 200, 200]


def test_slow_archive_times_out_only_clients_with_a_shorter_timeout(
    archive_backends: Backends,
) -> None:
    archive_backends.archive.slow(2.0, json=[])
    assert requests.get(f"{ARCHIVE}/h", timeout=5).json() == []
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{ARCHIVE}/h", timeout=(1, 1.5))


def test_unscripted_archive_is_unreachable_with_a_hint(archive_backends: Backends) -> None:
    with pytest.raises(requests.ConnectionError, match=r"archive.reply\(json=\.\.\.\)"):
        requests.get(f"{ARCHIVE}/history", timeout=1)


def test_reset_forgets_script_and_requests(archive_backends: Backends) -> None:
    archive = archive_backends.archive
    archive.reply(json=[])
    requests.get(f"{ARCHIVE}/h", timeout=1)
    archive_backends.reset()
    assert archive.requests == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{ARCHIVE}/h", timeout=1)


def test_activation_is_undone_on_exit() -> None:
    original = requests.adapters.HTTPAdapter.send
    backends = Backends()
    with provider("requests").activate(backends):
        assert requests.adapters.HTTPAdapter.send is not original
    assert requests.adapters.HTTPAdapter.send is original
