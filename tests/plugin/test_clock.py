"""Inline runs on a virtual clock: sleeps return at once, `until=` and `max_iterations=` stop the
loop, and only the legacy modules' view of `time` changes."""

from __future__ import annotations

import time

import pytest

from harness.clock import ClockStopped, VirtualClock, virtual_time

from .conftest import Project


def test_the_legacy_globals_see_the_clock_and_get_the_real_time_back_after() -> None:
    namespace = {"time": time, "sleep": time.sleep, "monotonic": time.monotonic}
    clock = VirtualClock(max_iterations=5)

    with virtual_time([namespace], clock):
        before = namespace["time"].time()
        namespace["sleep"](3600)
        namespace["time"].sleep(60)
        assert namespace["time"].time() - before == pytest.approx(3660)
        assert namespace["monotonic"]() - clock.monotonic_start == pytest.approx(3660)
        assert namespace["time"].gmtime is time.gmtime  # the rest is the real module
        assert time.sleep is not clock.sleep  # pytest and libraries keep the real clock

    assert namespace == {"time": time, "sleep": time.sleep, "monotonic": time.monotonic}


def test_until_is_checked_after_each_sleep_and_max_iterations_counts_sleeps() -> None:
    rounds = []
    clock = VirtualClock(until=lambda: len(rounds) == 2)
    with pytest.raises(ClockStopped, match="until"):
        while True:
            rounds.append(1)
            clock.sleep(1)
    assert clock.sleeps == 2

    capped = VirtualClock(max_iterations=4)
    with pytest.raises(ClockStopped, match="max_iterations=4"):
        while True:
            capped.sleep(0)
    assert capped.sleeps == 4


def test_a_loop_given_no_stop_fails_the_test_naming_the_way_out(project: Project) -> None:
    project.legacy(
        "svc/service.py",
        """
        import threading
        import time

        def forever():
            while True:
                try:
                    time.sleep(5)
                except Exception:
                    continue

        threading.Thread(target=forever).start()
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests("def test_run(legacy):\n    legacy.load('svc')\n    legacy.threads.run()\n")

    result = project.pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*inline run of service.forever: the loop slept 10000 times*pass until=<condition> or max_iterations=<n>*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
