"""The environment a legacy module sees: every variable it reads gets a value, and a reason.

This is the toolkit's one table of env values: the plugin, `harness scan` and `harness init`
all take their values and descriptions from here.

Before the import, per variable analysis sees the module read:

1. the service's `env` in `[tool.harness]`;
2. the address of the backend a dependency provides (wire level: a loopback Kafka);
3. the literal default the code itself gives (`os.environ.get("X", "5")`): set explicitly, so the
   developer's shell never leaks into a test;
4. for a read without default whose name says "off when unset" (see below), nothing: the
   variable is unset while the module runs, as where it is not configured;
5. a plausible value by use: a port passed to `int()` gets the usual port of the service it
   names, a host gets 192.0.2.1 (a documentation address: the network guard refuses it with the
   line that tried, should a client be left real), a text gets a name derived from the variable
   (`DB_NAME` -> "db-name", `S3_BUCKET` -> "s3-bucket": never `None` where the code needs a
   string), a region (`AWS_REGION`) "us-east-1", a MinIO endpoint host:port without a scheme.

**At run time.** Analysis cannot see every read (a helper in another module, `decouple.config`,
a computed name, a module three imports down), so while the legacy code runs (its import and
each test) reads of a missing variable are seen as they happen (`RuntimeEnv`): `os.environ[X]`,
`.get`, `os.getenv`, `X in os.environ`, and the same through python-decouple, environs or
dotenv, when the read comes from the project's code (a variable python-decouple finds in the
project's own `.env` or `settings.ini` keeps that value). Each gets the value the rules above give,
by the variable's name (and by decouple's `cast=`), is set for the rest of the run and for the
service's later tests, and is listed in the report (`legacy.report`).

**The "off when unset" rule.** Real services read some variables as a switch: `if
os.environ.get("SENTRY_DSN"):`, `os.getenv("ENABLE_METRICS")`, a proxy, a debug flag. Any value
would switch on an integration that reaches the network, or the code's local-development
branch (`if os.getenv("AWS_SAM_LOCAL"):` points its clients at localhost), so a read that
tolerates absence (a `.get`, `getenv`, `in`, or a helper's read without default) of a name
saying DSN, SENTRY, PROXY, DEBUG, ENABLE(D), DISABLE(D), USE_, FEATURE or FLAG, starting with
IS_, or ending with LOCAL, OFFLINE, TESTING, DEV_MODE, TEST_MODE, MOCK, DRY_RUN or SANDBOX stays
unset, as where it is deployed. Every other such read gets a
value: a `None` database, collection or topic name breaks the code that uses it. A required read
(`os.environ["X"]`) always gets a value; a read with a default keeps the code's default.

A value that cannot work (an explicit "abc" passed to `int()`) is an `EnvError` before the import,
naming the variable, the file and the line that reads it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

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
    ("MINIO", "9000"),
)
_NO_WAIT = re.compile(r"RETRY|BACKOFF|DELAY|SLEEP|INTERVAL|WAIT")
_TIMEOUT = re.compile(r"TIMEOUT")
# Names whose absence means "off" (see the module docstring).
_OFF_WHEN_UNSET = re.compile(
    r"(^|_)(DSN|SENTRY|PROXY|DEBUG|ENABLE|ENABLED|DISABLE|DISABLED|FEATURE|FLAG)(_|$)|^USE_"
    r"|^IS_|(^|_)(LOCAL|OFFLINE|TESTING|DEV_MODE|TEST_MODE|MOCK|DRY_RUN|SANDBOX)$"
)
# The use a name suggests, for reads analysis did not see (first match wins).
_USE_BY_NAME = (
    (re.compile(r"(^|_)PORT(_|$)"), EnvUse.PORT),
    (re.compile(r"(^|_)(URL|URI|DSN|ENDPOINT)(_|$)"), EnvUse.URL),
    (re.compile(r"(^|_)(HOST|HOSTNAME|IP|ADDR|ADDRESS|SERVER|SERVERS|BROKER|BROKERS|BOOTSTRAP)(_|$)"), EnvUse.HOST),
    (
        re.compile(
            r"(^|_)(TIMEOUT|SECONDS|SECS|INTERVAL|DELAY|RETRIES|RETRY|COUNT|SIZE|LIMIT|WORKERS|"
            r"THREADS|TTL|MAX|MIN|NUM|PERIOD|BATCH|BACKOFF)(_|$)"
        ),
        EnvUse.INT,
    ),
)
_HOST_AND_PORT = re.compile(r"SERVERS|BROKERS|BOOTSTRAP")
# A cloud region (AWS_REGION, S3_REGION): a real region name, not a word derived from the name.
_REGION = re.compile(r"(^|_)REGION(_NAME)?$")
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class EnvValue:
    name: str
    value: str | None  # None: unset while the module runs (it handles the absence itself)
    source: str  # "config", "backend", "code default", "optional, unset", "plausible (<use>)"
    line: int  # first line that reads it (0: only configured)

    def describe(self) -> str:
        shown = "unset" if self.value is None else repr(shown_value(self.name, self.value))
        return f"{self.name}={shown} ({self.source})"


# What a report never prints: a variable named as a secret, and the password of a URL (legacy
# code often carries a production URL with its credentials as a default). Reports end up in CI
# logs; the test itself still gets the value.
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL")
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/]+(?=@)")
HIDDEN = "***"


def shown_value(name: str, value: str) -> str:
    """`value` of variable `name` as a report shows it (see above)."""
    if value and _SECRET_NAME.search(name.upper()):
        return HIDDEN
    return shown_url(value)


def shown_url(value: str) -> str:
    """`value` with the password of every URL in it hidden, as a report shows it."""
    return _URL_PASSWORD.sub(rf"\g<head>{HIDDEN}", value)


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
        elif all(not r.required for r in all_reads) and off_when_unset(name):
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


def off_when_unset(name: str) -> bool:
    """Whether an absent `name` means "off" (see the module docstring)."""
    return bool(_OFF_WHEN_UNSET.search(name.upper()))


def use_by_name(name: str) -> EnvUse:
    """The use a variable's name suggests (for a read analysis did not see)."""
    upper = name.upper()
    return next((use for pattern, use in _USE_BY_NAME if pattern.search(upper)), EnvUse.TEXT)


def value_for_read(read: EnvRead) -> str:
    """The value one read gets when nothing configures it: its literal default, else a plausible
    value by its use (what `plan_environment` gives; `harness init` writes it)."""
    return read.default if read.default is not None else plausible_value(read.name, read.use)


def takes_host_and_port(name: str) -> bool:
    """A variable named like KAFKA_BOOTSTRAP_SERVERS holds `host:port` (or a list of them), though
    the code uses it where a host goes."""
    return _HOST_AND_PORT.search(name.upper()) is not None


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
        if takes_host_and_port(upper):
            port = next((port for hint, port in _WELL_KNOWN_PORTS if hint in upper), "9092")
            return f"{UNROUTABLE_HOST}:{port}"
        return UNROUTABLE_HOST
    if use is EnvUse.URL:
        if "MONGO" in upper:
            # With a database: `client.get_default_database()` needs one in the URL.
            return f"mongodb://{UNROUTABLE_HOST}:27017/test"
        if "REDIS" in upper:
            return f"redis://{UNROUTABLE_HOST}:6379/0"
        if "MINIO" in upper and "URL" not in upper and "URI" not in upper:
            # MINIO_ENDPOINT: what `Minio(endpoint)` takes is host:port, without a scheme.
            return f"{UNROUTABLE_HOST}:9000"
        if "AMQP" in upper or "RABBIT" in upper:
            return f"amqp://guest:guest@{UNROUTABLE_HOST}:5672/"
        if "POSTGRES" in upper or "DATABASE" in upper:
            return f"postgresql://test:test@{UNROUTABLE_HOST}:5432/test"
        port = next((port for hint, port in _WELL_KNOWN_PORTS if hint in upper), "8080")
        return f"http://{UNROUTABLE_HOST}:{port}"
    if _REGION.search(upper):
        return DEFAULT_REGION
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


def describe_use(read: EnvRead) -> str:
    """`required, used as a port` / `default '8090', passed to int()` (scan and init)."""
    if read.required:
        need = "required"
    elif read.default is not None:
        need = f"default {read.default!r}"
    elif read.none_breaks:
        need = "no default, and None breaks its use"
    elif off_when_unset(read.name):
        need = "optional, left unset (off)"
    else:
        need = "no default, given a value"
    use = {
        EnvUse.TEXT: "used as text",
        EnvUse.INT: "passed to int()",
        EnvUse.FLOAT: "passed to float()",
        EnvUse.BOOL: "read as a flag",
        EnvUse.URL: "used as a URL",
        EnvUse.HOST: "used as a host",
        EnvUse.PORT: "used as a port",
    }[read.use]
    return f"{need}, {use}"


# ---------------------------------------------------------------------------------------------
# Reads seen at run time


# Libraries that read os.environ on the caller's behalf: their frames are looked through, and
# their `default` and `cast` arguments read.
_ENV_LIBRARIES = frozenset({"decouple", "environs", "dotenv", "envparse", "environ"})
# Where `Mapping.get`, `Mapping.__contains__` and `os.getenv` live (frozen modules included).
_MAPPING_FILES = frozenset(
    {"<frozen os>", "<frozen _collections_abc>"}
    | {os.path.abspath(f) for f in (os.__file__, sys.modules["_collections_abc"].__file__)}
)
_CASTS = {int: EnvUse.INT, float: EnvUse.FLOAT, bool: EnvUse.BOOL}


class RuntimeEnv:
    """The service's environment while its code runs: a read of a missing variable from the
    project's code gets a value by the rules of this module (see the module docstring).

    `planned`: the service's values, by name (values given at run time are added, so later
    scopes set them too). `is_project_file(filename)`: whether a frame is the service's code."""

    def __init__(
        self, planned: dict[str, EnvValue], is_project_file: Callable[[str], bool]
    ) -> None:
        self.planned = planned
        self.defaulted: dict[str, EnvValue] = {}  # missing, the code's default used: for reports
        self._is_project_file = is_project_file

    def reported(self) -> list[EnvValue]:
        """What the import report lists: the planned values, then the reads the code's own
        default answered."""
        extra = [value for name, value in self.defaulted.items() if name not in self.planned]
        return [*self.planned.values(), *extra]

    def missing(self, name: str, frame: FrameType | None) -> str | None:
        """The value for a read of `name` that found nothing (None: let it fail or default)."""
        site = _read_site(frame, self._is_project_file, name)
        if site is None:
            return None
        kind, default, cast, filename, line = site
        where = f"{display_path(filename)}:{line}"
        if kind != "subscript" and _given(default):
            # The code's own default applies, as in production; listed, as it may decide much
            # (`os.environ.get("TEST_ENVIRONMENT", "False")` choosing whether a pool is built).
            # Not planned: a later scope leaves the variable as the test has it.
            shown = f"code default {default!r}, read at {where}"
            self.defaulted.setdefault(name, EnvValue(name, None, shown, 0))
            return None
        if kind != "subscript" and off_when_unset(name):
            # The source names the file and line (line 0: the report adds none of the service's).
            self.planned.setdefault(name, EnvValue(name, None, f"off when unset, read at {where}", 0))
            return None
        use = _CASTS.get(cast) or use_by_name(name)
        value = plausible_value(name, use)
        self.planned[name] = EnvValue(name, value, f"read at {where}, plausible ({use.value})", 0)
        os.environ[name] = value
        return value


def _given(default: object) -> bool:
    """A default the code passed (decouple's `undefined`-style sentinels are not one)."""
    if default is None:
        return False
    return type(default).__module__.partition(".")[0] not in _ENV_LIBRARIES


def _read_site(
    frame: FrameType | None, is_project_file: Callable[[str], bool], name: str
) -> tuple[str, object, object, str, int] | None:
    """(kind, default, cast, file, line) of the project's read that reached `__getitem__`, or
    None when the read is not the project's (a library, pytest, the harness) or when the
    library reading it finds `name` in the project's own settings (python-decouple's `.env` or
    `settings.ini`, which it looks at once the environment has no value)."""
    kind, default, cast = "subscript", None, None
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if _is_mapping_file(filename):  # Mapping.get / __contains__, os.getenv
            if code.co_name in ("get", "getenv"):
                kind, default = "get", frame.f_locals.get("default")
            elif code.co_name == "__contains__":
                kind = "contains"
            frame = frame.f_back
            continue
        module = str(frame.f_globals.get("__name__", ""))
        if module.partition(".")[0] in _ENV_LIBRARIES:
            local = frame.f_locals
            if "default" in local and default is None:
                default = local["default"]
            if "cast" in local and cast is None:
                cast = local["cast"]
            repository = getattr(local.get("self"), "repository", None)
            if repository is not None and _holds(repository, name):
                return None  # the project's own configuration answers
            kind = "get" if kind == "subscript" else kind
            frame = frame.f_back
            continue
        if not filename.startswith("<") and is_project_file(filename):
            return kind, default, cast, filename, frame.f_lineno
        return None
    return None


_MAPPING_KNOWN: dict[str, bool] = {}  # file names already classified


def _is_mapping_file(filename: str) -> bool:
    """Whether `filename` holds `Mapping.get` / `__contains__` or `os.getenv`. Every read of a
    missing variable asks this for each frame it looks through (libraries pop and probe unset
    names by the thousand), so each file name is classified once."""
    known = _MAPPING_KNOWN.get(filename)
    if known is None:
        generated = filename.startswith("<")
        known = filename in _MAPPING_FILES or (
            not generated and os.path.abspath(filename) in _MAPPING_FILES
        )
        if generated or os.path.isabs(filename):  # a relative name depends on the cwd
            _MAPPING_KNOWN[filename] = known
    return known


def _holds(repository: object, name: str) -> bool:
    try:
        return name in repository  # type: ignore[operator]
    except Exception:  # noqa: BLE001 - a library's own lookup: failing means it does not hold it
        return False


_ACTIVE: list[RuntimeEnv] = []
_LOCK = threading.Lock()
_ENVIRON_TYPE = type(os.environ)
_REAL_GETITEM = _ENVIRON_TYPE.__getitem__


_DECIDING = threading.local()  # a read made while deciding another (sysconfig...) is not seen


def _getitem(self: Mapping[str, str], key: str) -> str:
    try:
        return _REAL_GETITEM(self, key)
    except KeyError:
        active = _ACTIVE[-1] if _ACTIVE and self is os.environ else None
        if active is None or getattr(_DECIDING, "on", False):
            raise
        _DECIDING.on = True
        try:
            value = active.missing(key, sys._getframe(1))
        finally:
            _DECIDING.on = False
        if value is None:
            raise
        return value


@contextmanager
def seeing_env_reads(runtime: RuntimeEnv) -> Iterator[None]:
    """`os.environ` reads of missing variables answered by `runtime` for the block.

    The class's `__getitem__` is swapped (every read goes through it: `[]`, `.get`, `getenv`,
    `in`), so modules that bound `from os import environ` earlier are seen too."""
    with _LOCK:
        _ACTIVE.append(runtime)
        if len(_ACTIVE) == 1:
            _ENVIRON_TYPE.__getitem__ = _getitem  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _LOCK:
            _ACTIVE.remove(runtime)
            if not _ACTIVE:
                _ENVIRON_TYPE.__getitem__ = _REAL_GETITEM  # type: ignore[method-assign]
