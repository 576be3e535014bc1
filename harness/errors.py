"""The errors and warnings the pytest plugin raises, one class per way a user can go wrong.

Every message names the file and line at fault and the way out; the plugin shows them without a
traceback (`pytest.fail(..., pytrace=False)`), because the traceback would point into the harness,
not at the user's code or configuration.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base class: something the user can fix (configuration, environment, legacy code)."""


class ConfigError(HarnessError):
    """`[tool.harness]` is malformed or names something that does not exist."""


class EnvError(HarnessError):
    """An environment variable read by a legacy module cannot be given a working value."""


class LegacyImportError(HarnessError):
    """Importing a legacy module under the contract failed; names the module's file and line."""


class RestoreError(HarnessError):
    """`sys.modules`, `os.environ`, `threading` or `sys.path` differ from their snapshot after a
    contract scope ended: something outside the harness changed them while it was active."""


class InlineRunError(HarnessError):
    """A recorded thread target run inline by a test did not end as expected."""


class NetworkRefused(ConnectionRefusedError):
    """A connection to a non-loopback address, refused by the network guard.

    A `ConnectionRefusedError`, so client libraries treat it as the refused connection it is
    (`requests` turns it into `ConnectionError`); the guard also records it in the side-effect
    report, so a legacy `except Exception` that swallows it does not hide it.
    """


class ChildProcessRefused(PermissionError):
    """Legacy code under the harness called `os.fork`, `os.exec*`, `os.spawn*` or
    `os.posix_spawn*`: refused, naming the line (see `harness.processes` for what is recorded)."""


class HarnessWarning(UserWarning):
    """Something the harness did on the user's behalf that deserves attention."""
