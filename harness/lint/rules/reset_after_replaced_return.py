from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from harness.lint.project import FileContext
from harness.lint.rule import Finding, Invalid, Rule, Valid
from harness.lint.targets import display

CONFTEST = """\
from unittest.mock import MagicMock

import pytest

mock_collection = MagicMock()


@pytest.fixture(autouse=True)
def fresh_collection():
    yield mock_collection
    mock_collection.reset_mock()
"""

FRESH_CONFTEST = """\
from unittest.mock import MagicMock

import pytest

mock_collection = MagicMock()


@pytest.fixture(autouse=True)
def fresh_collection():
    mock_collection.find = MagicMock()
    yield mock_collection
"""

TEST = """\
from conftest import mock_collection


def test_locations():
    mock_collection.find.return_value = [{"base": {"code": "EX001"}}]
    assert list(mock_collection.find({})) == [{"base": {"code": "EX001"}}]
"""


class ResetAfterReplacedReturn(Rule):
    """`reset_mock()` relied on to clean a shared mock whose `return_value` a test replaced.

    A test sets `mock_collection.find.return_value = [...]`: `find()` now returns a real list,
    whose `.sort` is the built-in `list.sort`.  `reset_mock()` resets call records and child
    mocks, but not a `return_value` that was assigned: the next test calling
    `find(...).sort(...)` gets `AttributeError: 'builtin_function_or_method' object has no
    attribute 'return_value'`, or silently the previous test's data.  Replace the mock with a
    fresh `MagicMock()` per test instead (or call `reset_mock(return_value=True)`).
    """

    CODE = "LH401"
    NAME = "reset-mock-keeps-return-value"
    MESSAGE = "reset_mock() does not undo a return_value replaced by a real object"

    VALID: ClassVar[list[Valid]] = [
        Valid(
            {"tests/conftest.py": FRESH_CONFTEST, "tests/test_history.py": TEST},
            lint="tests/conftest.py",
        ),
        Valid(  # a function-scoped fixture: every test gets a mock of its own
            {
                "tests/test_client.py": (
                    "from unittest.mock import patch\n\nimport pytest\n\n\n"
                    "@pytest.fixture\n"
                    "def call_api():\n"
                    '    with patch("json.loads") as mock:\n'
                    "        yield mock\n\n\n"
                    "def test_one(call_api):\n"
                    '    call_api.return_value = {"code": 0}\n\n\n'
                    "def test_two(call_api):\n"
                    "    call_api.reset_mock()\n"
                ),
            },
            lint="tests/test_client.py",
        ),
    ]
    INVALID: ClassVar[list[Invalid]] = [
        Invalid(
            {"tests/conftest.py": CONFTEST, "tests/test_history.py": TEST},
            lint="tests/conftest.py",
            line=11,
        ),
    ]

    def check(self, context: FileContext) -> Iterator[Finding]:
        setups = [*context.chain, context.setup, *context.below]
        shared = set().union(*(s.shared_names for s in setups))
        # A function-scoped fixture gives each test its own object: only longer-lived ones
        # carry a replaced return_value from one test to the next.
        shared |= {f.name for s in setups for f in s.functions if f.is_fixture and f.shared_scope}
        root = context.project.root
        for reset in context.setup.resets:
            if reset.return_value:
                continue
            chain = reset.chain
            for setup in setups:
                replaced = min(
                    (
                        value
                        for value in setup.return_values
                        if (value.chain == chain or value.chain.startswith(chain + "."))
                        and value.chain.split(".")[0] in shared
                    ),
                    key=lambda value: (len(value.chain), value.where.line),  # the closest
                    default=None,
                )
                if replaced is None:
                    continue
                place = (
                    f"line {replaced.where.line}"
                    if setup is context.setup
                    else (f"{display(setup.path, root)}:{replaced.where.line}")
                )
                yield self.finding(
                    context,
                    reset.where.line,
                    reset.where.col,
                    f"{chain}.reset_mock() does not undo '{replaced.chain}.return_value = "
                    f"<{replaced.kind}>' ({place}): the next test gets the {replaced.kind}, "
                    "not a mock",
                    f"replace the mock instead ({chain} = MagicMock(), or a fresh one per test "
                    "in the fixture), or call reset_mock(return_value=True)",
                )
                break
