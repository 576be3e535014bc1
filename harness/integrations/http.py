"""HTTP backends called through `requests` or `httpx`, routed by method and URL.

| level  | what serves them                                                                    |
|--------|-------------------------------------------------------------------------------------|
| `fake` | the real `requests` answered by `responses`, the real `httpx` answered by `respx`,  |
|        | both from the routes the test scripted (`harness.fakes.http.HttpRouter`)            |
| `wire` | the real clients against one scripted HTTP server on 127.0.0.1 (real faults);       |
|        | every `*_URL` variable of the service points at it, routes match by path            |

Fixture `http` (`harness.fixtures.HttpFixture`): routes (`http.route("GET", url, json=...)`),
a catch-all (`http.reply(...)`), faults per route, the requests seen. Cleared before each test; a
request no route answers fails the test, naming the route to add.
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
    "S3",
    "MINIO",
    "AWS_",
    "BUCKET",
    "SENTRY",
)


def _router(options: Mapping[str, Any]) -> Any:
    from harness.fakes.http import HttpRouter

    return HttpRouter()


def _close_router(router: Any) -> None:
    from harness.fakes.http import release_httpx

    release_httpx(router)  # the process's respx router, if httpx was answered (harness.fakes.http)


def _start_server(fake: Any) -> Any:
    from harness.wire.http import LoopbackHttp

    return LoopbackHttp.start()


def _prepare(package: str, wire: Any) -> None:
    __import__(package)  # the real client library, imported outside any contract scope
    wire.get("http")


def _env_value(package: str, read: EnvRead, wire: Any) -> str | None:
    from harness.wire.source import is_url

    name = read.name.upper()
    if is_url(name, read.use) and not any(word in name for word in _NOT_HTTP_WORDS):
        return wire.get("http").url
    return None


INTEGRATION = Integration(
    name="http",
    packages=("requests", "httpx"),
    providers={
        Fidelity.FAKE: {
            "requests": Provider(
                "requests",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.http:activate_requests",
                description="the real requests, answered through responses by the routed backends",
            ),
            "httpx": Provider(
                "httpx",
                Fidelity.FAKE,
                None,
                activation="harness.fakes.http:activate_httpx",
                prepare="harness.fakes.http:prepare_httpx",
                description="the real httpx, answered through respx by the routed backends",
            ),
        }
    },
    backends=(
        Backend(
            "http",
            _router,
            reset=lambda router: router.reset(),
            verify=lambda router: router.verify(),
            wire="http",
            close=_close_router,
        ),
    ),
    wire=Wire(
        packages=("requests", "httpx"),
        backends=(
            WireBackend(
                "http",
                _start_server,
                reset=lambda server: server.reset(),
                close=lambda server: server.stop(),
            ),
        ),
        prepare=_prepare,
        env_value=_env_value,
    ),
    fixture="harness.fixtures:HttpFixture",
    description="HTTP backends called through requests or httpx, routed by method and URL",
)
