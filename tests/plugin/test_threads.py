"""Threads a legacy module builds are recorded, never started; their targets run inline, bounded."""

from __future__ import annotations

from .conftest import Project

BUILDS_THREADS = """
import threading
import time
from threading import Thread, Timer

STATE = {"ticks": 0}


def tick():
    STATE["ticks"] += 1


def never_polls():
    while True:
        try:
            sum(range(100))  # busy, never sleeping (a sleep would be virtual)
            raise RuntimeError("broker unavailable")
        except Exception:
            continue


class Worker(threading.Thread):
    def run(self):
        STATE["ticks"] += 10


forever = threading.Thread(target=never_polls)  # non-daemon, like the services' consumers
forever.start()
Thread(target=tick, name="bound-by-from-import").start()
Timer(3600, tick).start()
Worker().start()
"""


def _project(project: Project) -> Project:
    project.legacy("svc/service.py", BUILDS_THREADS)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    return project


def test_thread_timer_from_import_and_subclass_are_recorded_not_started(project: Project) -> None:
    _project(project).tests(
        """
        def test_recorded(legacy):
            svc = legacy.load("svc")
            threads = list(legacy.threads)
            assert [(t.kind, t.target_name, t.started, t.at_import) for t in threads] == [
                ("Thread", "service.never_polls", True, True),
                ("Thread", "service.tick", True, True),
                ("Timer", "service.tick", True, True),
                ("Worker", "service.Worker.run", True, True),
            ]
            assert svc.STATE["ticks"] == 0
            assert not svc.forever.is_alive()
            svc.forever.join()  # returns at once: nothing to wait for
        """
    )

    _project(project).pytester.runpytest().assert_outcomes(passed=1)


def test_recorded_targets_run_inline_with_their_arguments(project: Project) -> None:
    _project(project).tests(
        """
        def test_run(legacy):
            svc = legacy.load("svc")
            threads = list(legacy.threads)
            assert legacy.threads.run(threads[1]).ended == "returned"
            assert legacy.threads.run(threads[2]).ended == "returned"  # the timer, without its hour
            assert legacy.threads.run(threads[3]).ended == "returned"
            assert svc.STATE["ticks"] == 12

        def test_state_is_fresh_in_the_next_test(legacy):
            assert legacy.load("svc").STATE == {"ticks": 0}
        """
    )

    _project(project).pytester.runpytest().assert_outcomes(passed=2)


def test_a_loop_that_never_polls_is_reported_not_hung(project: Project) -> None:
    _project(project).tests(
        """
        def test_run(legacy):
            svc = legacy.load("svc")
            legacy.threads.run(svc.never_polls, timeout=0.3)
        """
    )

    result = _project(project).pytester.runpytest()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*inline run of service.never_polls did not stop within 0.3 s; it was at svc/service.py:1? in never_polls*It was interrupted.*"
        ]
    )


def test_threads_built_by_libraries_during_a_test_are_real(project: Project) -> None:
    _project(project).tests(
        """
        from concurrent.futures import ThreadPoolExecutor

        def test_pool(legacy):
            legacy.load("svc")
            with ThreadPoolExecutor(max_workers=2) as pool:
                assert list(pool.map(abs, [-1, -2])) == [1, 2]
        """
    )

    _project(project).pytester.runpytest().assert_outcomes(passed=1)


def test_a_pool_a_library_submits_to_and_waits_on_runs_for_real(project: Project) -> None:
    # asyncio's run_in_executor (as boto3's managed transfers) submits to its own pool and waits:
    # recorded, its future would stay pending and the service's call would wait for ever.
    project.legacy(
        "svc/service.py",
        """
        import asyncio


        def square(number):
            return number * number


        async def _compute(number):
            return await asyncio.get_running_loop().run_in_executor(None, square, number)


        def compute(number):
            return asyncio.run(_compute(number))
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        import pytest

        @pytest.mark.timeout(20)
        def test_compute(legacy):
            assert legacy.load("svc").compute(7) == 49
        """
    )

    project.pytester.runpytest_subprocess(timeout=60).assert_outcomes(passed=1)


def test_threads_built_during_a_test_are_recorded_then_forgotten(project: Project) -> None:
    project.legacy(
        "svc/service.py",
        """
        import threading

        def handle():
            threading.Thread(target=print, args=("late",)).start()
        """,
    )
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_1(legacy):
            legacy.load("svc").handle()
            assert [(t.target_name, t.args, t.at_import) for t in legacy.threads] == [("builtins.print", ("late",), False)]

        def test_2(legacy):
            legacy.load("svc")
            assert list(legacy.threads) == []
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)


def test_a_non_daemon_thread_started_at_import_cannot_keep_pytest_from_exiting(
    project: Project,
) -> None:
    _project(project).tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = _project(project).pytester.runpytest_subprocess(timeout=60)

    result.assert_outcomes(passed=1)
    assert result.ret == 0


SWALLOWING_CONSUMER = """
import os
import threading
from confluent_kafka import Consumer

TOPIC = os.environ["EVENTS_TOPIC"]
SEEN = []

consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "svc", "auto.offset.reset": "earliest"})
consumer.subscribe([TOPIC])


def consume_data():
    while True:
        try:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            SEEN.append(msg.value().decode())
            if msg.value() == b"poison":
                raise ValueError("cannot parse")
        except Exception:
            continue


threading.Thread(target=consume_data).start()
"""


def test_a_consumer_loop_that_swallows_exception_still_stops_after_the_produced_messages(
    project: Project,
) -> None:
    project.legacy("svc/service.py", SWALLOWING_CONSUMER)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_run(legacy, kafka):
            svc = legacy.load("svc")
            for value in ("a", "poison", "b"):
                kafka.produce(svc.TOPIC, value)
            run = legacy.threads.run()
            assert run.ended == "stopped"
            assert run.stop.reason.value == "drained" and run.stop.delivered == 3
            assert svc.SEEN == ["a", "poison", "b"]

        def test_max_messages_bounds_a_run(legacy, kafka):
            svc = legacy.load("svc")
            for value in ("a", "b", "c"):
                kafka.produce(svc.TOPIC, value)
            run = legacy.threads.run(max_messages=2)
            assert run.stop.reason.value == "max_messages" and svc.SEEN == ["a", "b"]
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)


def test_each_import_of_one_file_keeps_its_own_threads_and_state(project: Project) -> None:
    project.legacy("svc/service.py", SWALLOWING_CONSUMER)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(
        """
        def test_default(legacy, kafka):
            svc = legacy.load("svc")
            kafka.produce(svc.TOPIC, "x")
            legacy.threads.run()
            assert (svc.TOPIC, svc.SEEN, len(legacy.threads)) == ("events-topic", ["x"], 1)

        def test_variant(legacy, kafka):
            svc = legacy.load("svc", env={"EVENTS_TOPIC": "other"})
            kafka.produce("other", "y")
            legacy.threads.run()
            assert (svc.TOPIC, svc.SEEN, len(legacy.threads)) == ("other", ["y"], 1)
        """
    )

    project.pytester.runpytest().assert_outcomes(passed=2)
