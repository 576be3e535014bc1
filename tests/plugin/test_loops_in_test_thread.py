"""A consumer loop the test calls in its own thread (`svc.main()`, not through
`legacy.threads.run`) fails the test with one line once it keeps waiting on a drained log,
instead of hanging the session; loops that end by themselves, and other threads, are untouched.

Each generated session runs its tests under pytest-timeout (`INNER_TIMEOUT`): without the rule,
each of them would hang; with it, none comes near the bound.
"""

from __future__ import annotations

from .conftest import Project

INNER_TIMEOUT = ("-o", "timeout=20")

KAFKA_PYTHON_RELAY = """
import os
from kafka import KafkaConsumer, KafkaProducer

SEEN = []


def build(**options):
    return KafkaConsumer("in", bootstrap_servers=os.environ["KAFKA_SERVERS"],
                         auto_offset_reset="earliest", **options)


def main(**options):
    consumer = build(**options)
    producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_SERVERS"])
    for message in consumer:
        SEEN.append(message.value)
        producer.send("out", message.value * 2)


def main_that_survives_everything():
    try:
        main()
    except BaseException:
        return "stopped, and carried on"


def poll_loop():
    consumer = build()
    while True:
        for records in consumer.poll(timeout_ms=0).values():
            SEEN.extend(r.value for r in records)


def iterate():
    for message in build():
        SEEN.append(message.value)
"""

CONFLUENT_RELAY = """
import os
from confluent_kafka import Consumer

SEEN = []
consumer = None


def build():
    global consumer
    consumer = Consumer({"bootstrap.servers": os.environ["KAFKA_BROKERS"], "group.id": "relay",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe(["in"])
    return consumer


def main():
    consumer = build()
    while True:
        try:
            msg = consumer.poll(0.01)
            if msg is None or msg.error():
                continue
            SEEN.append(msg.value())
        except Exception:
            continue


def until_idle(idle_polls):
    consumer = build()
    idle = 0
    while idle < idle_polls:
        msg = consumer.poll(0.01)
        if msg is None:
            idle += 1
            continue
        idle = 0
        SEEN.append(msg.value())


def forever_blocking():
    consumer = build()
    while True:
        msg = consumer.poll()
        SEEN.append(msg.value())


def swallows_everything():
    consumer = build()
    while True:
        try:
            msg = consumer.poll(0.01)
        except:  # noqa: E722  the legacy pattern at stake
            continue
"""


def _project(project: Project) -> Project:
    project.legacy("svc/kafka_relay.py", KAFKA_PYTHON_RELAY)
    project.legacy("svc/confluent_relay.py", CONFLUENT_RELAY)
    project.config(
        '[tool.harness.services.kp]\npath = "svc/kafka_relay.py"\n'
        '[tool.harness.services.ck]\npath = "svc/confluent_relay.py"\n'
    )
    return project


def test_a_kafka_python_iteration_called_in_the_test_thread_fails_naming_its_line(
    project: Project,
) -> None:
    _project(project).tests(
        """
        def test_relay(legacy, kafka):
            svc = legacy.load("kp")
            kafka.produce("in", b"x")
            svc.main()

        def test_poll_loop(legacy, kafka):
            svc = legacy.load("kp")
            kafka.produce("in", b"x")
            svc.poll_loop()
        """
    )

    result = project.pytester.runpytest(*INNER_TIMEOUT)

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            (
                "harness: svc/kafka_relay.py:16 consumes a drained topic in the test's own "
                "thread and would wait for ever. Fix: run it with "
                "legacy.threads.run(kafka_relay.main) (stops when the fakes are drained), or "
                "give the consumer a timeout"
            ),
            (
                "harness: svc/kafka_relay.py:31 polls a drained topic in the test's own "
                "thread, 20 empty polls in a row: a loop that would never end. Fix: run it "
                "with legacy.threads.run(kafka_relay.poll_loop) (stops when the fakes are "
                "drained), or end the loop when a poll returns nothing"
            ),
        ]
    )
    result.stdout.no_fnmatch_line("*harness/fakes*")  # no traceback into the harness
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_confluent_poll_loop_called_in_the_test_thread_fails_despite_its_except_exception(
    project: Project,
) -> None:
    _project(project).tests(
        """
        def test_relay(legacy, kafka):
            svc = legacy.load("ck")
            kafka.produce("in", b"x")
            svc.main()

        def test_blocking_poll(legacy, kafka):
            svc = legacy.load("ck")
            kafka.produce("in", b"x")
            svc.forever_blocking()
        """
    )

    result = project.pytester.runpytest(*INNER_TIMEOUT)

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            (
                "harness: svc/confluent_relay.py:21 polls a drained topic in the test's own "
                "thread, 20 empty polls in a row: a loop that would never end. Fix: run it "
                "with legacy.threads.run(confluent_relay.main) (stops when the fakes are "
                "drained), or end the loop when a poll returns nothing"
            ),
            (
                "harness: svc/confluent_relay.py:44 consumes a drained topic in the test's own "
                "thread and would wait for ever. Fix: run it with "
                "legacy.threads.run(confluent_relay.forever_blocking)*"
            ),
        ]
    )


def test_at_the_wire_level_the_real_clients_loops_fail_the_same_way(project: Project) -> None:
    _project(project).tests(
        """
        def test_relay(legacy, kafka):
            svc = legacy.load("ck", fidelity="wire")
            kafka.produce("in", b"x")
            svc.main()

        def test_blocking_poll(legacy, kafka):
            svc = legacy.load("ck", fidelity="wire")
            kafka.produce("in", b"x")
            svc.forever_blocking()

        def test_kafka_python_iteration(legacy, kafka):
            svc = legacy.load("kp", fidelity="wire")
            kafka.produce("in", b"x")
            try:
                svc.iterate()
            finally:
                assert svc.SEEN == [b"x"]  # what was produced first came through
        """
    )

    result = project.pytester.runpytest(*INNER_TIMEOUT)

    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "harness: svc/confluent_relay.py:21 polls a drained topic in the test's own thread,"
            " 20 empty polls in a row*",
            "harness: svc/confluent_relay.py:44 consumes a drained topic in the test's own "
            "thread and would wait for ever*",
            "harness: svc/kafka_relay.py:36 consumes a drained topic in the test's own "
            "thread and would wait for ever*",
        ],
        consecutive=False,
    )
    result.stdout.no_fnmatch_line("*Timeout*")


def test_a_loop_whose_caller_catches_the_stop_still_fails_the_test(project: Project) -> None:
    _project(project).tests(
        """
        def test_relay(legacy, kafka):
            svc = legacy.load("kp")
            kafka.produce("in", b"x")
            assert svc.main_that_survives_everything() == "stopped, and carried on"
            assert svc.SEEN == [b"x"]
        """
    )

    result = project.pytester.runpytest(*INNER_TIMEOUT)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["harness: svc/kafka_relay.py:16 consumes a drained topic*"])


def test_loops_that_end_by_themselves_and_inline_runs_are_untouched(project: Project) -> None:
    _project(project).tests(
        """
        def test_consumer_timeout_ends_the_iteration(legacy, kafka):
            svc = legacy.load("kp")
            kafka.produce("in", b"x")
            svc.main(consumer_timeout_ms=10)
            assert svc.SEEN == [b"x"] and kafka.values("out") == ["xx"]

        def test_a_loop_that_stops_after_a_few_empty_polls(legacy, kafka):
            svc = legacy.load("ck")
            kafka.produce("in", b"x")
            svc.until_idle(idle_polls=19)
            svc.until_idle(idle_polls=19)  # another call, counted afresh
            assert svc.SEEN == [b"x"]

        def test_a_drained_topic_polled_once_gives_none(legacy, kafka):
            svc = legacy.load("ck")
            kafka.produce("in", b"x")
            consumer = svc.build()
            assert consumer.poll(0.01).value() == b"x"
            assert consumer.poll(0) is None

        def test_an_inline_run_stops_as_before(legacy, kafka):
            svc = legacy.load("kp")
            kafka.produce("in", b"x")
            run = legacy.threads.run(svc.main)
            assert run.ended == "stopped" and run.stop.reason.value == "drained"
            assert svc.SEEN == [b"x"]
        """
    )

    project.pytester.runpytest(*INNER_TIMEOUT).assert_outcomes(passed=4)


def test_a_loop_in_a_thread_the_test_started_keeps_waiting_for_records(project: Project) -> None:
    _project(project).tests(
        """
        import sys
        import threading
        import time

        def waiting(thread):
            frame = sys._current_frames().get(thread.ident)
            while frame is not None:
                code = frame.f_code
                if code.co_name == "wait" and code.co_filename == threading.__file__:
                    return True
                frame = frame.f_back
            return False

        def test_background(legacy, kafka):
            svc = legacy.load("ck")
            kafka.broker.create_topic("in")
            svc.build()
            got = []
            worker = threading.Thread(target=lambda: got.append(svc.consumer.poll()))  # no timeout
            worker.start()
            while worker.is_alive() and not waiting(worker):
                time.sleep(0.001)
            # It waits on the drained topic, unstopped, until the record comes.
            kafka.produce("in", b"x")
            worker.join()
            assert [m.value() for m in got] == [b"x"]
        """
    )

    project.pytester.runpytest(*INNER_TIMEOUT).assert_outcomes(passed=1)


def test_a_loop_that_swallows_the_stop_and_polls_again_ends_the_process_saying_why(
    project: Project,
) -> None:
    _project(project).tests(
        """
        def test_relay(legacy, kafka):
            svc = legacy.load("ck")
            svc.swallows_everything()
        """
    )

    result = project.pytester.runpytest_subprocess(timeout=60)

    assert result.ret == 1
    result.stderr.fnmatch_lines(
        [
            (
                "*test_relay: harness: svc/confluent_relay.py:52 polls a drained topic*. It "
                "caught the stop in the bare `except:` at svc/confluent_relay.py:53 and polled "
                "again, so nothing can end that loop in the test's thread: the harness ends "
                "the test process here."
            )
        ]
    )
