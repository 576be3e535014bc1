"""pytest plugin (entry point `pytest11`): legacy modules imported under the ordered contract,
fresh fakes for every test, import-time consumer threads run inline.

Registered for every pytest run where legacy-harness is installed, and inert until a test asks
for one of its fixtures: loading it imports no legacy module, no fake and no heavy library, and
its hooks only look at tests that used a fixture.

Configuration (`pyproject.toml`; every key in `harness.config`)::

    [tool.harness.services.current]
    path = "legacy_services/current/current.py"

A test::

    def test_newest_event_wins(legacy, kafka):
        current = legacy.load("current")
        kafka.produce(current.CURRENT_TOPIC, {...}, schema="schemas/telemetry.avsc")
        legacy.threads.run(current.consume_data)
        assert current.app.test_client().get("/equipment/EX001").json["timestamp"] == 2000

Fixtures (classes in `harness.fixtures`, to annotate with)
----------------------------------------------------------

`legacy` (LegacyFixture)
    `legacy.load(name, *, env=None, fidelity=None) -> module`
        The module, imported once per session (and xdist worker) under the contract: fakes
        served by a meta-path finder, every env var it reads set, threads recorded instead of
        started, network guard on, `sys.modules`/`os.environ`/`threading` restored and verified.
        Before the test gets it, its globals are as right after the import (dicts, lists, sets
        refilled in place, rebound names put back, MagicMocks replaced). Until the test ends its
        world is in place again (fakes in `sys.modules`, env, thread capture, guard), then
        restored. `name`: a service of `[tool.harness.services]` or a `.py` path from the
        rootdir. `env={...}` / `fidelity="stub"` / `fidelity={"pymongo": "stub"}`: another
        import of the same file, kept apart (one variant per test).
    `legacy.threads`, below. `legacy.env(name=None) -> dict[str, str]`: the env it was
    imported with. `legacy.report -> str`: the import-time side effects (also printed with
    `-v`, and attached to a failing test). `legacy.refused -> list[str]`: connections the
    guard refused during the test. `legacy.service(name) -> LoadedService` (config, recorder,
    report, overlay) for what the above does not cover. `legacy.fixture(name)`: the fixture
    object of any integration (`harness.integrations`), also one registered by another package.

`legacy.threads` (LegacyThreads)
    Iterate for the `RecordedThread`s of the loaded services (`.target`, `.args`, `.kind`,
    `.file`, `.line`, `.started`, `.at_import`): import-time ones, then those built in the test.
    `legacy.threads.run(target=None, *args, timeout=None, max_messages=None, empty_polls=1,
    **kwargs) -> InlineRun` runs a target (a function such as `module.consume_data`, a
    `RecordedThread`, or nothing for the one thread built at import) in a bounded thread. The
    Kafka consumers deliver what the test produced, then raise `ConsumerStopped` (a
    BaseException: `except Exception: continue` cannot swallow it) at their `empty_polls`-th
    empty poll or after `max_messages` records. `InlineRun.ended` is "stopped" (with `.stop`)
    or "returned". An exception of the target propagates. A loop still running after `timeout`
    seconds (default `inline_timeout` of `[tool.harness]`, 5) is interrupted and the test fails
    with where it was (file, line, code). Called directly in the test's thread instead, a loop
    on a drained log fails the test with its line and the fix (`ConsumerWouldHang`).

`kafka` (KafkaFixture)
    `kafka.produce(topic, value, key=None, *, schema=None, headers=None, partition=None)`:
    dict/list -> JSON, str -> UTF-8, bytes as is, None a tombstone; with `schema` (Avro JSON
    text, dict or `.avsc` path) Confluent-framed Avro, registered as `<topic>-value`.
    `kafka.use_schema(topic, schema)`: Avro for every produce to that topic in the test.
    `kafka.values(topic, *, schema=None) -> list`, `kafka.messages(topic) -> list[KafkaMessage]`
    (key, value, headers, partition, offset, timestamp, decoded: Avro by its registered writer
    schema, `schema` as reader schema; else JSON, else text, else bytes); `kafka.records(topic)`
    raw; `kafka.broker`, `kafka.registry`. Topics are empty at the start of each test. At `wire`
    the same calls go to librdkafka's mock cluster the services' real clients use.

`mongo` (MongoFixture)
    `mongo.client`: a mongomock client on the same store as every service's `MongoClient`;
    `mongo["db"]["coll"]`; `mongo.documents(db, coll, query=None, *, sort=None) -> list[dict]`
    without `_id`; `mongo.database_names()`. Reset before each test to the state right after the
    imports (collections and indexes created at import kept).

`http` (HttpFixture)
    The HTTP backends the services call through `requests` or `httpx`, routed by method and
    URL: `http.route("GET", "https://prices.invalid/api/", json=..., status=200) -> Route` (a
    prefix, or a compiled pattern; the route scripts its own `reply`, `timeout()`,
    `connection_error()`, `server_error(503)`, `malformed()`, `slow(seconds, json=...)` and
    lists its `requests`); the catch-all for every other request: `http.reply(...)` and the same
    faults. `http.requests`, `http.last_request` (method, url, path, params, timeout),
    `http.unrouted`. A request no route answers gets a connection error and fails the test,
    naming the method, the URL and the route to add. At `wire` one loopback server answers
    (routes match by path), and waits are real.

`sql` (SqlFixture)
    The in-memory SQLite databases every SQLAlchemy engine of the services was redirected to
    (whatever PostgreSQL, MySQL... URL it was given; one per database the URLs name):
    `sql.rows(table, **column_equals) -> list[dict]`, `sql.insert(table, *rows)`,
    `sql.execute(statement, parameters)`, `sql.query(statement, parameters)`, `sql.tables()`,
    each with `url=` when there are several; `sql.urls`, `sql.redirects`. Back to the state
    right after the imports before each test (tables and rows made at import kept).

`redis` (RedisFixture), `metrics` (MetricsFixture), `sentry` (SentryFixture)
    The fakeredis server every `redis` client of the services uses (`redis.keys()`, and the
    client's commands to seed and read); the Prometheus registry their metrics live in
    (`metrics.value(name, labels)`, `metrics.text()`); what they asked of `sentry_sdk`
    (`sentry.inits`, `sentry.events`: `init` installs nothing). Each is fresh for every test.

Marker: `@pytest.mark.harness_fidelity("fake", ...)` on a test that pins what only some levels
can show (e.g. the timeout `requests` was given, which a real server cannot see): when it loads a
service configured with any other level, the test is skipped, naming the level.

Options: `--harness-fidelity=LEVEL|PKG=LEVEL,...` (override `[tool.harness]` for every service),
`--harness-report` (print import-time side-effect reports even without `-v`), `--harness-config`
(read `[tool.harness]` from another TOML file), `--harness-leak-check` (or `harness_leak_check =
true` in the pytest ini: fail the run when it ends with a thread, child process, signal handler,
logging handler or socket it did not start with; see `harness.leaks`).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.integrations.registry import builtin as builtin_integrations

if TYPE_CHECKING:
    from harness.fixtures import LegacyFixture
    from harness.integrations import Integration
    from harness.session import HarnessSession

OPTION_FIDELITY = "--harness-fidelity"
OPTION_REPORT = "--harness-report"
OPTION_CONFIG = "--harness-config"
OPTION_LEAK_CHECK = "--harness-leak-check"
INI_LEAK_CHECK = "harness_leak_check"

IMPORT_REPORT_PROPERTY = "harness_import"  # user property carrying a rendered import report
FIDELITY_MARKER = "harness_fidelity"

_LEGACY_KEY = pytest.StashKey["LegacyFixture"]()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    _leave_asserts_as_written(pluginmanager)
    group = parser.getgroup("harness", "legacy-harness: test legacy modules without changing them")
    group.addoption(
        OPTION_FIDELITY,
        action="store",
        default=None,
        metavar="LEVEL|PKG=LEVEL,...",
        help='level of every dependency ("stub", "fake", "wire"), or per package: pymongo=stub,kafka=wire',
    )
    group.addoption(
        OPTION_REPORT,
        action="store_true",
        default=False,
        help="print what importing each legacy module did (also shown with -v)",
    )
    group.addoption(
        OPTION_CONFIG,
        action="store",
        default=None,
        metavar="PATH",
        help="TOML file holding [tool.harness] (default: the pyproject.toml pytest was configured from)",
    )
    group.addoption(
        OPTION_LEAK_CHECK,
        action="store_true",
        default=False,
        help="fail the run if it leaves a thread, child process, signal handler, logging handler "
        f"or socket behind (also: {INI_LEAK_CHECK} = true in the ini)",
    )
    parser.addini(
        INI_LEAK_CHECK,
        type="bool",
        default=False,
        help=f"as {OPTION_LEAK_CHECK}: check at the end of the session that nothing was left behind",
    )


def _leave_asserts_as_written(pluginmanager: pytest.PytestPluginManager) -> None:
    """Keep pytest from rewriting the asserts of the harness's own modules.

    pytest rewrites every module of a plugin's distribution, for the assertion helpers plugins
    may define. The harness defines none: its asserts are the ones of the libraries its fakes
    mirror (kafka-python's `assert ..., "Requires group_id"`), whose `AssertionError` must read
    as the library's, not as pytest's explanation. And where bytecode is not written
    (`PYTHONDONTWRITEBYTECODE`, a read-only install) rewriting means parsing and compiling every
    harness module a session imports again in every session, about a second. Called as the
    plugin registers, before the harness imports anything else; with another pytest whose
    import hook has no such table, pytest goes on rewriting, as before."""
    hook = getattr(pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if isinstance(marked, set) and _PACKAGE in marked:
        marked.discard(_PACKAGE)
        cache = getattr(hook, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()


_PACKAGE = __name__.partition(".")[0]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{FIDELITY_MARKER}(*levels): run only where the services the test loads are at these "
        "fidelity levels (stub, fake, wire); skipped elsewhere",
    )
    _check_configuration(config)


def _config_path(config: pytest.Config) -> Path | None:
    """`--harness-config`, else the pyproject.toml pytest was configured from (or the rootdir's)."""
    from harness.config import find_config_file

    option = config.getoption(OPTION_CONFIG)
    return Path(option).resolve() if option else find_config_file(config.rootpath, config.inipath)


def _check_configuration(config: pytest.Config) -> None:
    """A bad `--harness-fidelity` or `[tool.harness]` value stops pytest before collection, as a
    usage error (exit 4, one line naming the key and what it accepts), instead of failing every
    test that loads a service. Reading the table costs one TOML parse and imports no fake."""
    from harness.config import load_config
    from harness.errors import ConfigError

    try:
        load_config(_config_path(config), fidelity_option=config.getoption(OPTION_FIDELITY))
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="session", autouse=True)
def _harness_leak_check(pytestconfig: pytest.Config) -> Generator[None, None, None]:
    """With the leak check on: what the session started with, compared at its very end (torn
    down last, after every other session fixture; an error of the last test names each leak)."""
    if not (pytestconfig.getoption(OPTION_LEAK_CHECK) or pytestconfig.getini(INI_LEAK_CHECK)):
        yield
        return
    from harness.leaks import LeakCheck

    check = LeakCheck.take()
    yield
    found = check.leaks()
    if found:
        pytest.fail(
            "harness: the session left behind:\n"
            + "\n".join(f"  {leak}" for leak in found)
            + "\nEach is a test (or the code it loaded) that escaped its isolation: stop, close or "
            "restore it in the test or fixture that made it",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def _harness_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Generator[HarnessSession, None, None]:
    from harness.restore import DIVERSIONS
    from harness.session import HarnessSession

    # Log files legacy code opens go there, not into the project (see harness.restore)
    previous_log_root, DIVERSIONS.log_root = DIVERSIONS.log_root, tmp_path_factory.mktemp("legacy-logs")
    session = HarnessSession(
        config_path=_config_path(pytestconfig),
        rootpath=pytestconfig.rootpath,
        fidelity_option=pytestconfig.getoption(OPTION_FIDELITY),
    )
    try:
        yield session
    finally:
        session.close()
        DIVERSIONS.log_root = previous_log_root


@pytest.fixture
def legacy(
    _harness_session: HarnessSession, request: pytest.FixtureRequest
) -> Generator[LegacyFixture, None, None]:
    """Load legacy modules under the import contract: `legacy.load("current")` -> module.

    Fresh per test: module globals as right after the import, fakes emptied, recorded threads
    cleared. `legacy.threads.run(module.consume_data)` runs an import-time consumer inline.
    """
    from harness.fixtures import LegacyFixture

    _harness_session.reset_fakes()
    fixture = LegacyFixture(_harness_session, request.node, report_property=IMPORT_REPORT_PROPERTY)
    request.node.stash[_LEGACY_KEY] = fixture
    try:
        yield fixture
    finally:
        fixture.close()


def _integration_fixture(integration: Integration) -> object:
    """The pytest fixture of one integration: its fixture object, built for the test."""
    name = integration.name

    def fixture(legacy: LegacyFixture) -> object:
        return legacy.fixture(name)

    fixture.__name__ = integration.fixture_name or name
    cls = (integration.fixture or "").replace(":", ".")
    fixture.__doc__ = f"{integration.description}: `{cls}` (see its docstring)."
    return pytest.fixture(name=fixture.__name__)(fixture)


# `kafka`, `mongo`, `http`...: one fixture per built-in integration that has one (see
# `harness.integrations`). Integrations registered by other distributions are reached with
# `legacy.fixture(name)`. Declaring them costs no import of a fake or a client library.
for _integration in builtin_integrations():
    if _integration.fixture is not None:
        globals()[_integration.fixture_name or _integration.name] = _integration_fixture(
            _integration
        )
del _integration


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and call.excinfo is not None:
        from harness.extras import install_hint

        # A library of one of our extras, imported by the harness and not installed: the line
        # that says which extra, not a traceback into the harness.
        hint = install_hint(call.excinfo.value, call.excinfo.tb)
        if hint is not None:
            report.longrepr = hint
    fixture = item.stash.get(_LEGACY_KEY, None)
    stopped = fixture.stopped_loop() if fixture is not None else None
    if stopped is not None:
        # A consumer loop the test called in its own thread, stopped on a drained log: the test
        # fails with that line, even when the loop's caller caught the stop and returned.
        report.outcome = "failed"
        report.longrepr = stopped
    if fixture is not None and report.failed and fixture.loaded:
        text = fixture.report
        refused = fixture.refused
        if refused:
            text += "\nrefused during the test:\n" + "\n".join(f"  {r}" for r in refused)
        report.sections.append(("harness", text))
    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not (config.getoption(OPTION_REPORT) or config.getoption("verbose") > 0):
        return
    seen: list[str] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == IMPORT_REPORT_PROPERTY and value not in seen:
                    seen.append(value)
    if seen:
        terminalreporter.write_sep("-", "harness: import-time side effects")
        for text in seen:
            terminalreporter.write_line(text)
