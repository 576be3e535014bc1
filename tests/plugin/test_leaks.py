"""The session-end check: what a run leaves behind is named; what it cleans up is not."""

from __future__ import annotations

import logging
import signal
import socket
import threading

from harness.leaks import LeakCheck

from .conftest import Project


def test_a_thread_a_signal_handler_a_log_handler_and_a_socket_left_behind_are_named() -> None:
    check = LeakCheck.take()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="left-running", daemon=True)
    thread.start()
    previous = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    handler = logging.StreamHandler()
    logging.getLogger("leaky").addHandler(handler)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))  # reachable from outside: what the check reports
    port = sock.getsockname()[1]
    try:
        found = check.leaks()
    finally:
        stop.set()
        thread.join()
        signal.signal(signal.SIGUSR2, previous)
        logging.getLogger("leaky").removeHandler(handler)
        sock.close()

    assert "thread 'left-running' (daemon, target threading.Event.wait)" in found
    assert "signal handler of SIGUSR2: SIG_IGN (was SIG_DFL)" in found
    assert any(leak.startswith("logging handler <StreamHandler") and "'leaky'" in leak for leak in found)
    assert any(leak.startswith("open socket (fd ") and f":{port}" in leak for leak in found)
    assert check.leaks() == []


# In a child pytest: the thread the generated test leaves must not outlive it here.
def test_the_option_fails_a_run_that_leaves_a_thread_naming_it(project: Project) -> None:
    project.tests(
        """
        import threading

        STOP = threading.Event()

        def test_leaves_a_thread():
            threading.Thread(target=STOP.wait, name="forgotten", daemon=True).start()
        """
    )

    result = project.pytester.runpytest_subprocess("--harness-leak-check")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*harness: the session left behind:", "  thread 'forgotten' (daemon, target *Event.wait)"]
    )


def test_without_the_option_nothing_is_checked(project: Project) -> None:
    project.tests(
        """
        import threading

        def test_leaves_a_thread():
            threading.Thread(target=threading.Event().wait, daemon=True).start()
        """
    )

    project.pytester.runpytest_subprocess().assert_outcomes(passed=1)
