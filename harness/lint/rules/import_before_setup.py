from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.ordering import import_checks
from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.targets import display

SERVICE = """\
import os
import threading
from confluent_kafka import Consumer

consumer = Consumer({"bootstrap.servers": os.environ["KAFKA_IP"]})


def consume():
    while True:
        consumer.poll(1.0)


threading.Thread(target=consume, daemon=True).start()
"""

CONFTEST_IN_ORDER = """\
import os
import sys
from unittest.mock import MagicMock, patch

sys.modules.setdefault("confluent_kafka", MagicMock())
os.environ.setdefault("KAFKA_IP", "localhost")
with patch("threading.Thread"):
    import svc
"""


class ImportBeforeSetup(Rule):
    """The module under test is imported before the setup its import depends on.

    Importing a legacy module runs it, so the order is a contract: `sys.modules` fakes, then the
    environment, then the thread patch, then the import.  An import placed above the setup (or a
    setup done in a fixture, which runs after the test module imported the code) means the import
    ran against the real libraries, without its variables, with its thread started.  The message
    names each setup that comes too late and where it is.
    """

    CODE = "LH302"
    NAME = "import-before-setup"
    MESSAGE = "the module under test is imported before the setup it depends on"

    VALID: ClassVar[list[Valid]] = [
        Valid({"svc.py": SERVICE, "tests/conftest.py": CONFTEST_IN_ORDER}, lint="tests/conftest.py"),
        Valid(  # a load by path runs the module at exec_module(), after the setup
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import importlib.util\n"
                    "import os\n"
                    "import sys\n"
                    "from pathlib import Path\n"
                    "from unittest.mock import MagicMock, patch\n\n"
                    'PATH = Path(__file__).resolve().parents[1] / "svc.py"\n'
                    'spec = importlib.util.spec_from_file_location("svc", PATH)\n'
                    "svc = importlib.util.module_from_spec(spec)\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'os.environ.setdefault("KAFKA_IP", "localhost")\n'
                    'with patch("threading.Thread"):\n'
                    "    spec.loader.exec_module(svc)\n"
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # a `finally:` putting back what the test took away sets nothing up
            {
                "svc.py": SERVICE,
                "tests/conftest.py": CONFTEST_IN_ORDER,
                "tests/test_svc.py": (
                    "import os\n"
                    "import sys\n\n"
                    "import svc\n\n"
                    "def test_without_kafka():\n"
                    '    saved = sys.modules.pop("confluent_kafka")\n'
                    '    port = os.environ.pop("KAFKA_PORT")\n'
                    "    try:\n"
                    "        assert svc\n"
                    "    finally:\n"
                    '        sys.modules["confluent_kafka"] = saved\n'
                    '        os.environ["KAFKA_PORT"] = port\n'
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # imported under a patch of the whole os.environ: every read finds a mock
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import os\n"
                    "import sys\n"
                    "from unittest.mock import MagicMock, patch\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'with patch("os.environ"), patch("threading.Thread"):\n'
                    "    import svc\n\n"
                    "import pytest\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def kafka_env():\n"
                    '    os.environ["KAFKA_IP"] = "localhost"\n'
                ),
            },
            lint="tests/test_svc.py",
        ),
        Valid(  # the test package's __init__ fakes it first: pytest imports it at collection
            {
                "hub.py": "import cloudsdk\n\n\ndef ping():\n    return cloudsdk.ping()\n",
                "tests/__init__.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    "try:\n"
                    "    import cloudsdk\n"
                    "except ImportError:\n"
                    '    sys.modules["cloudsdk"] = MagicMock()\n'
                ),
                "tests/conftest.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock\n\n"
                    "import pytest\n\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def cloudsdk():\n"
                    '    if "cloudsdk" not in sys.modules:\n'
                    '        sys.modules["cloudsdk"] = MagicMock()\n'
                ),
                "tests/api/test_hub.py": "import hub\n\n\ndef test_ping():\n    hub.ping()\n",
            },
            lint="tests/api/test_hub.py",
        ),
        Valid(  # fakes installed by a helper the file calls first; a submodule faked later
            {
                "hub.py": "import cloudsdk\n\n\ndef ping():\n    return cloudsdk.ping()\n",
                "tests/test_hub.py": (
                    "import sys\n"
                    "from types import ModuleType\n"
                    "from unittest.mock import MagicMock, patch\n\n\n"
                    "def _install_stubs():\n"
                    "    try:\n"
                    "        import cloudsdk\n"
                    "    except ModuleNotFoundError:\n"
                    '        sys.modules["cloudsdk"] = MagicMock()\n\n\n'
                    "_install_stubs()\n\n"
                    "import hub\n\n\n"
                    "def test_stream():\n"
                    "    import hub as again\n"
                    '    with patch.dict("sys.modules", {"cloudsdk.stream": ModuleType("s")}):\n'
                    "        again.ping()\n"
                ),
            },
            lint="tests/test_hub.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import os\n"
                    "import sys\n"
                    "from unittest.mock import MagicMock, patch\n\n"
                    "import svc\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'os.environ.setdefault("KAFKA_IP", "localhost")\n'
                    'patch("threading.Thread").start()\n'
                ),
            },
            lint="tests/conftest.py",
            line=5,
        ),
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/test_svc.py": (
                    "import sys\n"
                    "from unittest.mock import MagicMock, patch\n\n"
                    'sys.modules.setdefault("confluent_kafka", MagicMock())\n'
                    'with patch("threading.Thread"):\n'
                    "    import svc\n\n"
                    "import pytest\n\n"
                    "@pytest.fixture(autouse=True)\n"
                    "def kafka_env(monkeypatch):\n"
                    '    monkeypatch.setenv("KAFKA_IP", "localhost")\n'
                ),
            },
            lint="tests/test_svc.py",
            line=6,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for check in import_checks(context):
            if not check.late:
                continue
            parts = []
            for need, owner, where in check.late:
                place = (
                    f"line {where.line}"
                    if owner == context.path
                    else (f"{display(owner, root)}:{where.line}")
                )
                what = {
                    "env": f"{need.name} set",
                    "fake": f"sys.modules fake for {need.name}",
                    "thread": f"{need.name} patched",
                }[need.kind]
                parts.append(f"{what} at {place}")
            yield self.finding(
                context,
                check.event.where.line,
                check.event.where.col,
                f"{check.name} is imported before its setup: {'; '.join(parts)}",
                "move the import below the setup: fakes, then env, then threads, then import",
            )
