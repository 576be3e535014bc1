from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.ordering import import_checks
from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.targets import display

SERVICE = """\
import os

KAFKA_IP = os.environ["KAFKA_IP"]
KAFKA_PORT = int(os.getenv("KAFKA_PORT"))
TOPIC = os.environ.get("TOPIC", "events")
"""


class EnvNotSet(Rule):
    """An environment variable the module under test reads at import that no setup provides.

    `os.environ["KAFKA_IP"]` at module level raises `KeyError` when the variable is unset;
    `int(os.getenv("KAFKA_PORT"))` raises `TypeError`.  Setups that count: `os.environ[...] =`,
    `os.environ.setdefault`, `patch.dict(os.environ, ...)`, `monkeypatch.setenv` (in the file or
    a conftest above it), pytest-env's `env` ini option, `[tool.harness.services.*] env` for
    services the harness plugin loads, and assignments in the project's files that run the tests
    (`KEY=value pytest` in a script, a Makefile, tox, compose or CI file: `runner_env.py`).
    Reads with a default are fine.  A variable set, but only after the import, is LH302 instead.
    """

    CODE = "LH301"
    NAME = "env-not-set"
    MESSAGE = "the module under test reads an environment variable at import that nothing sets"

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    "import os\n\n"
                    'os.environ.setdefault("KAFKA_IP", "localhost")\n'
                    'os.environ["KAFKA_PORT"] = "9092"\n'
                    "import svc\n"
                ),
            },
            lint="tests/conftest.py",
        ),
        Valid(  # a read guarded by `"KEY" in os.environ` cannot fail
            {
                "config.py": (
                    "import os\n\n"
                    'TOKEN = os.environ["TOKEN"] if "TOKEN" in os.environ else "N/A"\n'
                    'if "APP_ID" in os.environ:\n'
                    '    APP_ID = os.environ["APP_ID"]\n'
                ),
                "tests/test_config.py": (
                    "import config\n\n\ndef test_token():\n    assert config.TOKEN\n"
                ),
            },
            lint="tests/test_config.py",
        ),
        Valid(  # the project's test script sets it before pytest starts
            {
                "svc.py": SERVICE,
                "scripts/test-unit.sh": (
                    "#!/bin/sh\n"
                    "env -i PATH=\"$PATH\" KAFKA_IP=localhost \\\n"
                    "    KAFKA_PORT=9092 python -m pytest tests\n"
                ),
                "tests/test_svc.py": "import svc\n\n\ndef test_ip():\n    assert svc.KAFKA_IP\n",
            },
            lint="tests/test_svc.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {
                "svc.py": SERVICE,
                "tests/conftest.py": (
                    'import os\n\nos.environ.setdefault("KAFKA_IP", "localhost")\nimport svc\n'
                ),
            },
            lint="tests/conftest.py",
            line=4,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        root = context.project.root
        for check in import_checks(context):
            needs = [n for n in check.missing if n.kind == "env"]
            if not needs:
                continue
            first = needs[0]
            names = ", ".join(n.name for n in needs)
            yield self.finding(
                context,
                check.event.where.line,
                check.event.where.col,
                f"importing {check.name} reads {names} at import "
                f"({display(first.subject, root)}:{first.line}) and nothing sets "
                f"{'it' if len(needs) == 1 else 'them'}: the import fails",
                "set it before the import (os.environ.setdefault, patch.dict(os.environ, ...)), "
                "in pytest's env ini option, or load the module with the harness plugin",
            )
