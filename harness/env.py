"""The environment a legacy module sees: every variable it reads gets a value, and a reason.

Order of precedence, per variable the module reads (found by static analysis):

1. the service's `env` in `[tool.harness]`;
2. the address of the backend a dependency provides (wire level: a loopback Kafka);
3. the literal default the code itself gives (`os.environ.get("X", "5")`): set explicitly, so the
   developer's shell never leaks into a test;
4. for an optional read whose `None` the code handles (`os.getenv("SENTRY_DSN")` then `if dsn:`),
   nothing: the variable is unset while the module runs, as where it is not configured;
5. a plausible value by use: a port passed to `int()` gets the usual port of the service it
   names, a host gets 192.0.2.1 (a documentation address: the network guard refuses it with the
   line that tried, should a client be left real), a text gets a name derived from the variable.

A value that cannot work (an explicit "abc" passed to `int()`) is an `EnvError` before the import,
naming the variable, the file and the line that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Kept as loose imports: the model is plain dataclasses, shared with `harness lint` and `scan`.
from harness.analysis.model import EnvRead, EnvUse
from harness.errors import EnvError
from harness.locations import display_path

UNROUTABLE_HOST = "192.0.2.1"  # TEST-NET-1 (RFC 5737): never routed, refused by the guard

_WELL_KNOWN_PORTS = (
    ("MONGO", "27017"),
    ("KAFKA", "9092"),
    ("BROKER", "9092"),
    ("REGISTRY", "8081"),
    ("SCHEMA", "8081"),
    ("REDIS", "6379"),
    ("POSTGRES", "5432"),
    ("PG", "5432"),
    ("MYSQL", "3306"),
)
_NO_WAIT = re.compile(r"RETRY|BACKOFF|DELAY|SLEEP|INTERVAL|WAIT")
_TIMEOUT = re.compile(r"TIMEOUT")


@dataclass(frozen=True)
class EnvValue:
    name: str
    value: str | None  # None: unset while the module runs (it handles the absence itself)
    source: str  # "config", "backend", "code default", "optional, unset", "plausible (<use>)"
    line: int  # first line that reads it (0: only configured)

    def describe(self) -> str:
        shown = "unset" if self.value is None else repr(self.value)
        return f"{self.name}={shown} ({self.source})"


def plan_environment(
    reads: Iterable[EnvRead],
    overrides: Mapping[str, str],
    *,
    path: str,
    origin: str,
    backends: Mapping[str, str] | None = None,
) -> dict[str, EnvValue]:
    """The value of every variable read by the module at `path` (and every configured one).

    `backends`: values a dependency needs (the address of a wire-level backend); they come
    after the configuration and before the code's own defaults."""
    backends = backends or {}
    by_name: dict[str, list[EnvRead]] = {}
    for read in reads:
        by_name.setdefault(read.name, []).append(read)
    planned: dict[str, EnvValue] = {}
    for name, all_reads in by_name.items():
        first = min(all_reads, key=lambda r: r.line)
        if name in overrides:
            value = overrides[name]
            for read in all_reads:
                _check(read, value, path=path, origin=origin)
            planned[name] = EnvValue(name, value, "config", first.line)
            continue
        if name in backends:
            planned[name] = EnvValue(name, backends[name], "backend", first.line)
            continue
        literal = next((r.default for r in all_reads if r.default is not None), None)
        if literal is not None:
            planned[name] = EnvValue(name, literal, "code default", first.line)
        elif all(not r.required and not r.none_breaks for r in all_reads):
            # `os.getenv("SENTRY_DSN")` whose None means "off": absent, as where it is not set.
            planned[name] = EnvValue(name, None, "optional, unset", first.line)
        else:
            use = _strictest(all_reads)
            planned[name] = EnvValue(
                name, plausible_value(name, use), f"plausible ({use.value})", first.line
            )
    for name, value in overrides.items():
        planned.setdefault(name, EnvValue(name, value, "config", 0))
    return planned


def plausible_value(name: str, use: EnvUse) -> str:
    upper = name.upper()
    if use is EnvUse.PORT or (use in (EnvUse.INT, EnvUse.TEXT) and upper.endswith("_PORT")):
        return next((port for hint, port in _WELL_KNOWN_PORTS if hint in upper), "8080")
    if use in (EnvUse.INT, EnvUse.FLOAT):
        number = "0" if _NO_WAIT.search(upper) else "5" if _TIMEOUT.search(upper) else "1"
        return number if use is EnvUse.INT else f"{number}.0"
    if use is EnvUse.BOOL:
        return "false"
    if use is EnvUse.HOST:
        return UNROUTABLE_HOST
    if use is EnvUse.URL:
        if "MONGO" in upper:
            return f"mongodb://{UNROUTABLE_HOST}:27017"
        port = next((port for hint, port in _WELL_KNOWN_PORTS if hint in upper), "8080")
        return f"http://{UNROUTABLE_HOST}:{port}"
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "value"


def _strictest(reads: list[EnvRead]) -> EnvUse:
    """The use that constrains the value most, when one variable is read several ways."""
    order = (
        EnvUse.PORT,
        EnvUse.INT,
        EnvUse.FLOAT,
        EnvUse.BOOL,
        EnvUse.URL,
        EnvUse.HOST,
        EnvUse.TEXT,
    )
    uses = {read.use for read in reads}
    return next(use for use in order if use in uses)


def _check(read: EnvRead, value: str, *, path: str, origin: str) -> None:
    convert = {EnvUse.PORT: int, EnvUse.INT: int, EnvUse.FLOAT: float}.get(read.use)
    if convert is None:
        return
    try:
        convert(value)
    except ValueError:
        raise EnvError(
            f"{display_path(path)}:{read.line}: environment variable {read.name} is passed to "
            f"{convert.__name__}(), but {origin} sets it to {value!r}. Fix: give it a "
            f"{'whole ' if convert is int else ''}number there"
        ) from None


def env_reads_on_line(reads: Iterable[EnvRead], line: int) -> list[EnvRead]:
    return [read for read in reads if read.line == line]
