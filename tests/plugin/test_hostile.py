"""Hostile legacy modules of our own (tests/plugin/hostile/), one per way real legacy code
broke isolation: each is refused, recorded, bounded or restored, with a message naming the
file and line. Each project runs in a child pytest with a network namespace of its own."""

from __future__ import annotations

from .conftest import Project

SERVICE = '[tool.harness.services.svc]\npath = "svc/service.py"\n'


def test_everything_an_import_changes_process_wide_is_restored(project: Project) -> None:
    project.hostile("changes_the_process.py")
    project.config(SERVICE)
    project.tests(
        """
        import gc, logging, os, signal, socket, sys, threading, warnings

        def state():
            mask = os.umask(0o022); os.umask(mask)
            root = logging.getLogger()
            return dict(
                excepthook=sys.excepthook, thread_hook=threading.excepthook,
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
