"""HTTP services called through `requests`.

| level  | what serves it                                                                      |
|--------|-------------------------------------------------------------------------------------|
| `fake` | the real `requests`, answered by `responses` from what the test scripted            |
| `wire` | the real `requests` against a scripted HTTP server on 127.0.0.1 (real faults)       |

Fixture `http` (`harness.fixtures.HttpFixture`): script answers and faults, read the requests.
The script and the request log are cleared before each test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire, WireBackend
from harness.integrations.kafka import KAFKA_WORDS, REGISTRY_WORDS

if TYPE_CHECKING:
    from harness.analysis.model import EnvRead

# Addresses of other systems: never pointed at the loopback HTTP server.
_NOT_HTTP_WORDS = (
    *KAFKA_WORDS,
    *REGISTRY_WORDS,
    "MONGO",
    "REDIS",
    "POSTGRES",
    "DATABASE",
    "DB_",
)


def _archive(options: Mapping[str, Any]) -> Any:
    from harness.fakes.http import Archive

    return Archive(base_url=options.get("archive_url"))


def _start_server(fake: Any) -> Any:
    from harness.wire.http import LoopbackArchive

    return LoopbackArchive.start()


def _prepare(package: str, wire: Any) -> None:
    import requests  # noqa: F401

    wire.get("archive")


def _env_value(package: str, read: EnvRead, wire: Any) -> str | None:
    from harness.wire.source import is_url

    name = read.name.upper()
    if is_url(name, read.use) and not any(word in name for word in _NOT_HTTP_WORDS):
        return wire.get("archive").url
    return None


INTEGRATION = Integration(
    name="http",
    packages=("requests",),
    providers={
        Fidelity.FAKE: {
            "requests": Provider(
                "requests",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.http:activate",
                description="the real requests, answered by the scripted archive through responses",
            )
        }
    },
    backends=(Backend("archive", _archive, reset=lambda archive: archive.reset(), wire="archive"),),
    wire=Wire(
        packages=("requests",),
        backends=(
            WireBackend(
                "archive",
                _start_server,
                reset=lambda server: server.reset(),
                close=lambda server: server.stop(),
            ),
        ),
        prepare=_prepare,
        env_value=_env_value,
    ),
    fixture="harness.fixtures:HttpFixture",
    description="HTTP services called through requests",
)
