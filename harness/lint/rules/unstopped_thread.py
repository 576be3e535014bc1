from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.ordering import import_checks
from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.targets import display, position, subject_verdicts

SERVICE = """\
import threading

events = []


def consume():
    while True:
        events.append(1)


consumer_thread = threading.Thread(target=consume)
consumer_thread.start()
"""

SERVICE_FROM_IMPORT = """\
from threading import Thread

workers = []


def start_worker(job):
    worker = Thread(target=job)
    workers.append(worker)
    worker.start()
"""


class UnstoppedThread(Rule):
    """A thread started at import that the importing setup does not stop.

    The module under test starts its consumer thread the moment it is imported.  Without a patch
    of `threading.Thread` around the import, the real loop runs during the tests (against real
    or fake brokers, racing the test's own calls), and a non-daemon thread makes pytest hang
    after printing its results.

    Also reported: `patch("threading.Thread")` applied after the module did
    `from threading import Thread`; the module kept its own `Thread`, so the patch misses it.
    """

    CODE = "LH303"
    NAME = "unpatched-import-thread"
    MESSAGE = "a thread started at import is not stopped by the setup that imports the module"

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "from unittest.mock import patch\n\n"
                    'with patch("threading.Thread"):\n'
                    "    import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(
            {
                "svc.py": SERVICE_FROM_IMPORT,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_start_worker():\n"
                    '    with patch("svc.Thread") as thread:\n'
                    "        svc.start_worker(print)\n"
                    "    thread.return_value.start.assert_called_once()\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {"svc.py": SERVICE, "tests/conftest.py": "import svc\n"},
            lint="tests/conftest.py",
            line=1,
        ),
        Invalid(
            {
                "svc.py": SERVICE_FROM_IMPORT,
                "tests/test_svc.py": (
                    "from unittest.mock import patch\n"
                    "import svc\n\n"
                    "def test_start_worker():\n"
                    '    with patch("threading.Thread"):\n'
                    "        svc.start_worker(print)\n"
                ),
            },
            lint="tests/test_svc.py",
            line=5,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for check in import_checks(context):
            threads = [n for n in check.missing if n.kind == "thread"]
            if threads:
                need = threads[0]
                yield self.finding(
                    context,
                    check.event.where.line,
                    check.event.where.col,
                    f"importing {check.name} starts a thread ({need.name} at "
                    f"{display(need.subject, root)}:{need.line}) and nothing stops it: it runs "
                    "during the tests, and a non-daemon thread hangs pytest at exit",
                    "patch threading.Thread around the import, or load the module with the "
                    "harness plugin",
                )
        for verdict in subject_verdicts(context, self.CODE):
            name = min(verdict.subject.import_names or verdict.subject.names or {"module"})
            line, col = position(verdict.patch)
            yield self.finding(
                context,
                line,
                col,
                f"'{verdict.target}' is patched after {name} bound its own {verdict.name} "
                f"(`from threading import {verdict.name}`, "
                f"{display(verdict.subject.path, root)}:{verdict.line}): the patch misses it",
                f"patch '{name}.{verdict.name}'",
            )
