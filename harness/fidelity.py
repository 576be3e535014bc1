"""The fidelity level: how real a faked dependency is. Defined here once, used everywhere.

| level  | what serves the package                                                              |
|--------|--------------------------------------------------------------------------------------|
| `stub` | `MagicMock` module trees (the hand-written conftests' workaround), for any package    |
| `fake` | an in-memory backend with the library's behaviour (the default)                      |
| `wire` | the real client library against a real protocol on 127.0.0.1                         |

`Fidelity` is a `StrEnum`: a level compares equal to its name (`Fidelity.FAKE == "fake"`), so
it reads from and writes to `[tool.harness]`, the command line and markers as plain text.
Which integration provides what at each level is `harness.integrations`' business.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from harness.errors import ConfigError


class Fidelity(StrEnum):
    STUB = "stub"
    FAKE = "fake"
    WIRE = "wire"

    @classmethod
    def parse(cls, value: Any, where: str, what: str) -> Fidelity:
        """The level named `value`; a `ConfigError` naming `where` and `what` otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise ConfigError(
                f"{where}: {what} is {value!r}; expected one of {', '.join(LEVELS)}"
            ) from None


LEVELS: tuple[Fidelity, ...] = tuple(Fidelity)
DEFAULT = Fidelity.FAKE

__all__ = ["DEFAULT", "LEVELS", "Fidelity"]
