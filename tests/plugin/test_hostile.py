"""Hostile legacy modules of our own (tests/plugin/hostile/), one per way real legacy code
broke isolation: each is refused, recorded, bounded or restored, with a message naming the
file and line. Each project runs in a child pytest with a network namespace of its own."""

from __future__ import annotations

import pytest

from .conftest import HOSTILE, Project

SERVICE = '[tool.harness.services.svc]\npath = "svc/service.py"\n'


def test_everything_an_import_changes_process_wide_is_restored(project: Project) -> None:
    project.hostile("changes_the_process.py")
    project.config(SERVICE)
    project.tests(
        """
        import gc, logging, os, signal, socket, sys, threading, warnings

        def process_thread_hook():
            # pytest < 8.4 installs a hook of its own around each phase of each test (a new
            # catch_threading_exception every time) and puts the one it found back after: the
            # process's hook is the one it found.
            hook = threading.excepthook
            while type(getattr(hook, "__self__", None)).__name__ == "catch_threading_exception":
                hook = hook.__self__._old_hook
            return hook

        def state():
            mask = os.umask(0o022); os.umask(mask)
            root = logging.getLogger()
            return dict(
                excepthook=sys.excepthook, thread_hook=process_thread_hook(),
                start=threading.Thread.start, sigint=signal.getsignal(signal.SIGINT),
                usr1=signal.getsignal(signal.SIGUSR1), sigterm=signal.getsignal(signal.SIGTERM),
                root_level=root.level, root_handlers=[h for h in root.handlers if "_pytest" not in type(h).__module__],
                werkzeug=logging.getLogger("werkzeug").level,
                service=logging.getLogger("service").handlers,
                timeout=socket.getdefaulttimeout(), recursion=sys.getrecursionlimit(),
                filters=list(warnings.filters), umask=mask, gc=gc.isenabled(), path=list(sys.path),
                cwd=os.getcwd(),
            )

        BEFORE = {}

        def test_1_import_then_call(legacy, caplog):
            BEFORE.update(state())
            svc = legacy.load("svc")
            assert "atexit.register(goodbye) at svc/service.py:36" in legacy.report
            svc.log_something()
            assert [r.getMessage() for r in caplog.records] == ["imported", "called"]

        def test_2_the_next_test_finds_the_process_as_it_was():
            assert BEFORE and state() == BEFORE
        """
    )

    base = project.pytester.path / "tmp"
    result = project.run_isolated("-p", "no:randomly", "-v", f"--basetemp={base}")

    result.assert_outcomes(passed=2)
    assert not (project.pytester.path / "service.log").exists(), "the log file went into the project"
    assert not (project.pytester.path / "goodbye.txt").exists(), "atexit ran at exit"
    logs = base / "legacy-logs0"
    assert (logs / "service.log").exists()
    assert (logs / "var/log/service/audit.log").read_text() == "imported\n"


def _line(name: str, text: str) -> int:
    """The line of `text` in the hostile module `name` (so the tests survive edits to it)."""
    lines = (HOSTILE / name).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_threads_and_processes_started_at_import_are_recorded_not_started(project: Project) -> None:
    project.hostile("starts_everything.py")
    project.config(SERVICE)
    project.tests(
        """
        def test_load(legacy):
            svc = legacy.load("svc")
            kinds = sorted(t.kind for t in legacy.threads)
            assert kinds == sorted(
                ["ThreadPoolExecutor.submit", "_thread.start_new_thread", "Process", "Popen", "Popen", "os.system"]
            ), kinds
            assert svc.output == "" and svc.status == 0 and not svc.future.done()
            assert not svc.worker.is_alive()
            print(legacy.report)
        """
    )

    result = project.run_isolated("-p", "no:randomly", "-s", timeout=60)

    result.assert_outcomes(passed=1)
    for name in ("process-ran.txt", "popen-ran.txt", "system-ran.txt"):
        assert not (project.pytester.path / name).exists(), f"{name}: a process really ran"
    started = _line("starts_everything.py", "worker.start()")
    result.stdout.fnmatch_lines(
        [
            f"*thread:     ThreadPoolExecutor.submit(target=service.loop) at svc/service.py:{_line('starts_everything.py', 'executor.submit')}*",
            f"*thread:     Process(target=service.mark) at svc/service.py:{started}, non-daemon, start() recorded, not started",
            f"*thread:     Popen(*popen-ran.txt*) at svc/service.py:{started + 1}, recorded, not run",
        ]
    )


def test_os_exit_at_import_fails_the_load_naming_the_line(project: Project) -> None:
    project.hostile("exits.py")
    project.config(SERVICE)
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(failed=1)  # a summary: the run did not end at os._exit
    line = _line("exits.py", "os._exit(7)")
    result.stdout.fnmatch_lines(
        [f"*importing svc * failed at svc/service.py:{line}: `os._exit(7)` ProcessExitRefused: os._exit(7) called*"]
    )


def test_a_module_level_poll_loop_stops_at_import_and_the_module_code_runs_inline(
    project: Project,
) -> None:
    project.hostile("polls_forever.py")
    project.config(SERVICE)
    project.tests(
        """
        def test_each_run_consumes_what_its_test_produced(legacy, kafka):
            svc = legacy.load("svc")
            assert svc.sent == []
            kafka.produce("orders", {"id": 7, "total": 12.5})

            run = legacy.threads.run()

            assert run.ended == "stopped"
            assert svc.sent == ["order #7: 12.5"]
            assert "loop at module level: svc/service.py:" in legacy.report

        def test_a_second_run_builds_its_own_consumer(legacy, kafka):
            svc = legacy.load("svc")
            kafka.produce("orders", {"id": 8, "total": 1})

            legacy.threads.run()

            assert svc.sent == ["order #8: 1"]
        """
    )

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*import_timeout*")


def test_a_module_level_iteration_over_a_consumer_ends_at_import_once_drained(
    project: Project,
) -> None:
    project.hostile("loops_over_consumer.py")
    project.config(SERVICE)
    project.tests("def test_load(legacy):\n    assert legacy.load('svc').seen == []\n")

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(passed=1)


def test_a_module_level_loop_over_a_stub_consumer_fails_the_load_at_import_timeout(
    project: Project,
) -> None:
    project.hostile("polls_forever.py")
    project.config(SERVICE + 'import_timeout = 1\nfidelity = "stub"\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*importing svc * failed at svc/service.py:*ImportTimedOut: importing svc did not "
                "finish within 1 s (import_timeout); it was at svc/service.py:*"
            )
        ]
    )


def test_a_sleeping_import_in_a_side_thread_fails_at_the_configured_import_timeout(
    project: Project,
) -> None:
    project.hostile("sleeps_forever.py")
    project.config("[tool.harness]\nimport_timeout = 1\n" + SERVICE)
    project.tests(
        """
        import threading

        def test_load_from_a_side_thread(legacy):
            failures = []

            def load():
                try:
                    legacy.load("svc")
                except BaseException as error:
                    failures.append(str(error))

            side = threading.Thread(target=load)
            side.start()
            side.join(10)
            assert not side.is_alive()
            print(failures[0])
        """
    )

    result = project.run_isolated("-p", "no:randomly", "-s")

    result.assert_outcomes(passed=1)
    line = _line("sleeps_forever.py", "time.sleep(1)")
    result.stdout.fnmatch_lines(
        [f"*importing svc did not finish within 1 s (import_timeout); it was at svc/service.py:{line}*"]
    )


def test_a_real_c_kafka_client_aimed_at_a_remote_broker_is_refused_when_built(
    project: Project,
) -> None:
    project.hostile("real_kafka_client.py")
    project.config(SERVICE + 'keep_real = ["confluent_kafka"]\n')
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(failed=1)
    line = _line("real_kafka_client.py", "Producer(")
    result.stdout.fnmatch_lines(
        [
            (
                f"*importing svc failed at svc/service.py:{line}:*network guard refused "
                f"Producer(bootstrap.servers) kafka.invalid:9092 from svc/service.py:{line}*"
                "connects from C*"
            )
        ]
    )


def _with_kafkalib(project: Project) -> None:
    """The service plus `kafkalib`, a library of ours imported (by the conftest) before the
    service is: its subclass of the C `Producer` exists before the guard's first scope."""
    project.hostile("subclasses_kafka_client.py")
    project.hostile("kafkalib.py", "lib/kafkalib.py")
    project.pytester.makeconftest(
        "import pathlib, sys\n"
        "sys.path.insert(0, str(pathlib.Path(__file__).parent / 'lib'))\n"
        "import kafkalib  # noqa: E402, F401\n"
    )


@pytest.mark.parametrize(
    ("built_by", "client", "line_text"),
    [
        ("library", "TracingProducer", "producer = kafkalib.TracingProducer("),
        ("own", "Publisher", "super().__init__({"),  # the innermost line of the service
    ],
    ids=["library", "own"],
)
def test_a_real_c_kafka_client_built_through_a_subclass_is_refused_when_built(
    project: Project, built_by: str, client: str, line_text: str
) -> None:
    _with_kafkalib(project)
    project.config(
        SERVICE + f'keep_real = ["confluent_kafka"]\nenv = {{ KAFKA_BUILD_AT_IMPORT = "{built_by}" }}\n'
    )
    project.tests("def test_load(legacy):\n    legacy.load('svc')\n")

    result = project.run_isolated("-p", "no:randomly")

    result.assert_outcomes(failed=1)
    line = _line("subclasses_kafka_client.py", line_text)
    result.stdout.fnmatch_lines(
        [
            (
                f"*importing svc failed at svc/service.py:{line}:*network guard refused "
                f"{client}(bootstrap.servers) kafka.invalid:9092 from svc/service.py:{line}*"
                "connects from C*"
            )
        ]
    )


def test_c_kafka_clients_and_their_subclasses_are_refused_off_host_and_work_on_loopback_at_wire(
    project: Project,
) -> None:
    _with_kafkalib(project)
    project.config(SERVICE + 'env = { KAFKA_BUILD_AT_IMPORT = "" }\n')
    lines = [
        _line("subclasses_kafka_client.py", text)
        for text in (
            "return Producer(",
            "return kafkalib.make_producer(",
            "super().__init__({",
            "return kafkalib.TracingProducer(",
        )
    ]
    project.tests(
        f"""
        import confluent_kafka, kafkalib, pytest
        from confluent_kafka.cimpl import Producer as CProducer

        C_TYPE = (CProducer,)  # the C type itself: a module global naming it is guarded meanwhile

        def test_off_host_refused(legacy):
            svc = legacy.load("svc")
            for build in (svc.plain, svc.factory, svc.own, svc.library):
                with pytest.raises(ConnectionRefusedError, match="kafka.invalid:9092"):
                    build("kafka.invalid:9092")
            assert [r.partition(" `")[0] for r in legacy.refused] == [
                f"{{client}}(bootstrap.servers) kafka.invalid:9092 from svc/service.py:{{line}} (module service)"
                for client, line in zip(("Producer", "Producer", "Publisher", "TracingProducer"), {lines})
            ]

        def test_loopback_works(legacy, kafka):
            svc = legacy.load("svc")
            for build in (svc.plain, svc.factory, svc.own, svc.library):
                producer = build(svc.SERVERS)
                assert isinstance(producer, C_TYPE)
                producer.produce("orders", build.__name__.encode())
                assert producer.flush(10) == 0
            assert sorted(kafka.values("orders")) == ["factory", "library", "own", "plain"]
            assert not legacy.refused

        def test_the_classes_are_given_back_outside_the_scopes():
            assert kafkalib.TracingProducer.__bases__ == (CProducer,)
            assert confluent_kafka.Producer is kafkalib.Producer is CProducer
        """
    )

    result = project.run_isolated("-p", "no:randomly", "--harness-fidelity=wire")

    result.assert_outcomes(passed=3)


@pytest.mark.parametrize("fidelity", ["fake", "wire"])
def test_a_loop_that_swallows_the_stop_still_ends_and_never_takes_the_next_tests_messages(
    project: Project, fidelity: str
) -> None:
    project.hostile("swallows_the_stop.py")
    project.config(SERVICE)
    line = _line("swallows_the_stop.py", "except:  #")
    project.tests(
        f"""
        import time

        def test_first(legacy, kafka):
            svc = legacy.load("svc")
            kafka.produce("orders", {{"id": 1}})
            run = legacy.threads.run(svc.consume)
            assert run.ended == "stopped"
            assert run.swallowed == "the bare `except:` at svc/service.py:{line}"
            assert svc.seen == [{{"id": 1}}]

        def test_second(legacy, kafka):
            svc = legacy.load("svc")
            kafka.produce("orders", {{"id": 2}})
            time.sleep(0.3)  # time for a leftover loop of the first test to steal it
            assert svc.seen == []
            legacy.threads.run(svc.consume)
            assert svc.seen == [{{"id": 2}}]
        """
    )

    project.run_isolated("-p", "no:randomly", f"--harness-fidelity={fidelity}").assert_outcomes(
        passed=2
    )


def test_resolvers_and_datagrams_are_refused_and_listed(project: Project) -> None:
    project.hostile("resolves_and_sends.py")
    project.config(SERVICE)
    project.tests(
        """
        import pytest

        def test_each(legacy):
            svc = legacy.load("svc")
            for call in (svc.lookup, svc.lookup_ex, svc.reverse, svc.send_metric, svc.connect_ex):
                with pytest.raises(ConnectionRefusedError, match="network guard refused"):
                    call()
            print("\\n".join(legacy.refused))
        """
    )

    result = project.run_isolated("-p", "no:randomly", "-s")

    result.assert_outcomes(passed=1)

    def line(text: str) -> int:
        return _line("resolves_and_sends.py", text)

    result.stdout.fnmatch_lines(
        [
            f"*gethostbyname metrics.invalid from svc/service.py:{line('gethostbyname(')}*",
            f"gethostbyname metrics.invalid from svc/service.py:{line('gethostbyname_ex(')}*",
            f"gethostbyaddr 192.0.2.10 from svc/service.py:{line('gethostbyaddr(')}*",
            f"sendmsg 192.0.2.10:8125 from svc/service.py:{line('sendmsg(')}*",
            f"connect 192.0.2.10:9092 from svc/service.py:{line('sock.connect_ex(')}*",
        ]
    )


def test_a_process_a_test_starts_on_purpose_inherits_the_guard(project: Project) -> None:
    project.legacy("svc/service.py", "VALUE = 1\n")
    project.config(SERVICE)
    project.tests(
        """
        import subprocess, sys

        CHILD = "import socket\\nsocket.create_connection(('192.0.2.10', 9092), timeout=1)\\n"

        def test_child(legacy):
            legacy.load("svc")
            child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
            assert child.returncode == 1
            assert "network guard refused connect 192.0.2.10:9092 from <string>:2" in child.stderr
            assert legacy.refused == ["connect 192.0.2.10:9092 from <string>:2 (module __main__)"]
        """
    )

    project.run_isolated("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_spawn_process_a_test_starts_inherits_the_guard(project: Project) -> None:
    project.legacy("svc/service.py", "VALUE = 1\n")
    project.config(SERVICE)
    project.tests(
        """
        import multiprocessing, socket

        def connect(results):
            try:
                socket.create_connection(("192.0.2.10", 9092), timeout=1)
            except OSError as error:
                results.put(str(error))
            else:
                results.put("connected")

        def test_child(legacy):
            legacy.load("svc")
            context = multiprocessing.get_context("spawn")
            results = context.Queue()
            child = context.Process(target=connect, args=(results,))
            child.start()
            child.join(60)
            assert "network guard refused connect 192.0.2.10:9092" in results.get(timeout=5)
            assert [r for r in legacy.refused if r.startswith("connect 192.0.2.10:9092 from ")]
        """
    )

    project.run_isolated("-p", "no:randomly").assert_outcomes(passed=1)
