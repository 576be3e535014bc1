"""The import time bound: what it borrows (SIGALRM and its timer) is given back."""

from __future__ import annotations

import signal
import time

import pytest

from harness.threads import ImportTimedOut, not_counted, time_bound


def test_the_bound_gives_back_the_previous_alarm_handler_and_what_is_left_of_its_timer() -> None:
    def previous_handler(number: int, frame: object) -> None:
        raise AssertionError("the previous alarm must not fire during this test")

    saved = signal.signal(signal.SIGALRM, previous_handler)
    saved_timer = signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with time_bound(5, what="importing svc", is_legacy_file=lambda filename: False):
            pass
        assert signal.getsignal(signal.SIGALRM) is previous_handler
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, *saved_timer)
        signal.signal(signal.SIGALRM, saved)


def test_a_block_that_outlives_the_bound_is_interrupted_with_where_it_was() -> None:
    with (
        pytest.raises(ImportTimedOut, match=r"importing svc did not finish within 0.2 s"),
        time_bound(0.2, what="importing svc", is_legacy_file=lambda filename: True),
    ):
        time.sleep(5)


def test_the_harness_work_inside_a_bounded_import_is_not_counted() -> None:
    # moto's S3 store starts at the service's first client, inside its import: on a busy
    # machine that alone can outlast a small bound. The timer stops for such work, then goes
    # on with what was left of it.
    with time_bound(0.5, what="importing svc", is_legacy_file=lambda filename: True):
        with not_counted():
            time.sleep(1.0)
            assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.5
