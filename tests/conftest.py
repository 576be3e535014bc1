"""Shared by every suite under tests/.

`pytester` is enabled here because pytest accepts `pytest_plugins` only in a conftest it loads
before collection (this one, for `pytest` and `pytest tests/...` alike); a conftest deeper down
fails the whole run with "Defining 'pytest_plugins' in a non-top-level conftest".
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Plugins of our own development environment that no child pytest session of the suite uses, and
# that cost about half of such a session's start-up (respx's plugin imports httpx, anyio and h11;
# hypothesis's imports hypothesis): every child session the tests start turns them off.
CHILD_SESSION_OPTIONS = ("-p", "no:hypothesispytest", "-p", "no:respx", "-p", "no:anyio")


@pytest.fixture(scope="session")
def child_session_options() -> tuple[str, ...]:
    """pytest options for a session the tests start (pytester, a subprocess, a mutation run)."""
    return CHILD_SESSION_OPTIONS
