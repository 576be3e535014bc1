"""SQL at level `fake`: the real SQLAlchemy, every engine redirected to SQLite in memory.

While `activate(backends)` is on (around each import and test of a service that imports
`sqlalchemy`), `sqlalchemy.create_engine` (the one function behind `engine_from_config`,
Flask-SQLAlchemy's `SQLAlchemy(app)` and `init_app`) builds an engine on an in-memory SQLite
database instead of the URL it was given, whatever the URL names (PostgreSQL, MySQL, a SQLite
file...). The database is one `sqlite3` connection per distinct database (dialect, host, port
and name of the URL): every engine built for it, every pooled connection and every thread of
the service share it (`StaticPool`), and so does the test, through `backends.sql`::

    store = backends.sql                         # a SqlStore
    store.redirects                              # [Redirect(url="postgresql://app:***@db/orders", ...)]
    database = store.database()                  # the only database (or .database(url))
    database.execute("INSERT INTO orders (id, total) VALUES (?, ?)", (1, 9.5))
    database.rows("orders", status="paid")       # [{"id": 1, "total": 9.5, ...}]
    store.mark_baseline()                        # what the databases hold now is where tests start
    store.reset()                                # back to that (free when nothing changed)
    store.close()                                # the connections closed, at session end

Why the real SQLAlchemy on SQLite rather than a mock: the service's models, `create_all()`,
queries and transactions run for real, so a test reads back the rows its logic wrote. The
DB-API driver the URL names (psycopg2, pymysql...) is never imported for such an engine; a
service that imports one itself gets its stub (`harness.integrations.clients`), and nothing
connects anywhere. What SQLite cannot stand in for fails where it is used, as the error says:
PostgreSQL-only column types such as `ARRAY`, server functions other than `now()`,
`gen_random_uuid()`, `uuid_generate_v4()` and MySQL's `uuid()` (which the databases define;
a `server_default` calling one needs SQLAlchemy 2, which puts it in the parentheses SQLite
requires). `create_async_engine` is not redirected (it would need an async SQLite driver).

Engine options that only make sense for a server or another driver (`pool_size`,
`max_overflow`, `pool_timeout`, `connect_args`, an isolation level SQLite has not...) are
dropped, and the redirect's line in the import report lists them. A SQLite file URL that
names an existing file gets a copy of its content; the file is never written.

Fresh state: `reset()` closes every ORM session (a module-level `Session()` forgets the objects
the last test loaded) and puts back, through SQLite's backup API, each database as it was at the
last `mark_baseline()` (right after a service's import: tables `create_all()` made and rows
the import wrote are kept), or empty when it was created later; a database nothing changed
since (rows written, schema changed) costs a comparison of two counters.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import os
import sqlite3
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.locations import display_path, is_library_file

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

# Engine options an engine on SQLite with a StaticPool takes as they are; any other is dropped.
_KEPT_OPTIONS = frozenset(
    {
        "_coerce_config",  # engine_from_config's: option strings read as their types
        "echo",
        "echo_pool",
        "enable_from_linting",
        "execution_options",
        "future",
        "hide_parameters",
        "insertmanyvalues_page_size",
        "json_deserializer",
        "json_serializer",
        "label_length",
        "logging_name",
        "max_identifier_length",
        "plugins",
        "pool_logging_name",
        "pool_pre_ping",
        "pool_reset_on_return",
        "query_cache_size",
        "use_insertmanyvalues",
    }
)
# Packages whose modules bind SQLAlchemy's create_engine under that name (SQLModel re-exports
# it): each binding is redirected, even one made before the service was loaded.
_BINDERS = ("sqlalchemy", "sqlmodel")
_SQLITE_ISOLATION_LEVELS = frozenset({"AUTOCOMMIT", "SERIALIZABLE", "READ UNCOMMITTED"})


def _now() -> str:
    """PostgreSQL's and MySQL's `now()`: the UTC time as SQLAlchemy's SQLite `DateTime` stores
    it."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# Server functions legacy models name in `server_default=text("now()")` and raw SQL, which
# SQLite lacks: defined on the redirected databases' connections only.
SERVER_FUNCTIONS: dict[str, Callable[[], str]] = {
    "now": _now,
    "gen_random_uuid": lambda: str(uuid.uuid4()),  # PostgreSQL 13+
    "uuid_generate_v4": lambda: str(uuid.uuid4()),  # PostgreSQL's uuid-ossp
    "uuid": lambda: str(uuid.uuid4()),  # MySQL
}


class _SharedConnection(sqlite3.Connection):
    """The one connection to a database: an engine's `dispose()` (its pool closing the
    connection) leaves it open for the others; the store closes it at the end."""

    closed_for_good = False

    def close(self) -> None:
        """Kept open: see the class docstring."""

    def rollback(self) -> None:
        """Nothing once closed for good: a service's connection still checked out when the
        session ends is rolled back by its pool when garbage-collected."""
        if not self.closed_for_good:
            super().rollback()

    def close_for_good(self) -> None:
        self.closed_for_good = True
        sqlite3.Connection.close(self)


@dataclass(frozen=True)
class Redirect:
    """One engine built by the service: the URL it asked for (password hidden), where the
    code that asked is, and what the redirect left out."""

    url: str
    file: str | None
    line: int | None
    dropped: tuple[str, ...] = ()
    copied_from: str | None = None  # a SQLite file whose content the database got

    def describe(self) -> str:
        return describe_redirect(self.url, self.dropped, self.copied_from)


def describe_redirect(url: str, dropped: Sequence[str], copied_from: str | None) -> str:
    """The import report's words for one redirected engine."""
    text = (
        f"{url} redirected to SQLite in memory (shared by every connection, back to its state "
        "after the imports before each test)"
    )
    if copied_from:
        text += f"; the content of {display_path(copied_from)} copied in, the file never written"
    if dropped:
        text += f"; options dropped for SQLite: {', '.join(dropped)}"
    return text


class Database:
    """One in-memory SQLite database standing for one database a URL names."""

    def __init__(self, url: str) -> None:
        self.url = url  # the URL as shown (password hidden)
        self.connection: _SharedConnection = sqlite3.connect(
            ":memory:", check_same_thread=False, factory=_SharedConnection
        )
        for name, function in SERVER_FUNCTIONS.items():
            self.connection.create_function(name, 0, function)
        self._lock = threading.Lock()
        self._baseline: sqlite3.Connection | None = None
        self._mark = self._state()

    # -- the test's view ------------------------------------------------------------------

    def execute(
        self, statement: str, parameters: Sequence[Any] | Mapping[str, Any] = ()
    ) -> int:
        """Run one statement (`?` or `:name` parameters) and commit; the rows it changed."""
        with self._lock:
            cursor = self.connection.execute(statement, parameters)
            self.connection.commit()
            return cursor.rowcount

    def query(
        self, statement: str, parameters: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[dict[str, Any]]:
        """The rows a SELECT returns, each a dict by column name (values as SQLite holds them)."""
        with self._lock:
            cursor = self.connection.execute(statement, parameters)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rows(self, table: str, **equal: Any) -> list[dict[str, Any]]:
        """Every row of `table` (where each column of `equal` has that value), in insertion
        order."""
        where = " AND ".join(f"{_quoted(column)} = :{column}" for column in equal)
        statement = f"SELECT * FROM {_quoted(table)}" + (
            f" WHERE {where}" if where else ""
        )
        try:
            return self.query(statement + " ORDER BY rowid", equal)
        except sqlite3.OperationalError:  # a WITHOUT ROWID table
            return self.query(statement, equal)

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None:
        """Seed rows (dicts by column name) into `table`, committed."""
        with self._lock:
            for row in rows:
                columns = ", ".join(_quoted(column) for column in row)
                values = ", ".join(f":{column}" for column in row)
                self.connection.execute(
                    f"INSERT INTO {_quoted(table)} ({columns}) VALUES ({values})",
                    dict(row),
                )
            self.connection.commit()

    def tables(self) -> list[str]:
        found = self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return sorted(row["name"] for row in found)

    # -- fresh state ----------------------------------------------------------------------

    def _state(self) -> tuple[int, int]:
        """What changes when a row or the schema does (rows written since the connection
        opened, the schema's version)."""
        (version,) = self.connection.execute("PRAGMA schema_version").fetchone()
        return self.connection.total_changes, version

    def mark_baseline(self) -> None:
        with self._lock:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            self.connection.backup(copy)
            if self._baseline is not None:
                self._baseline.close()
            self._baseline = copy
            self._mark = self._state()

    def reset(self) -> None:
        with self._lock:
            if self._state() == self._mark:
                return
            if self.connection.in_transaction:  # what a test left uncommitted
                self.connection.rollback()
            if self._baseline is not None:
                self._baseline.backup(self.connection)
            else:
                with contextlib.closing(sqlite3.connect(":memory:")) as empty:
                    empty.backup(self.connection)
            self._mark = self._state()

    def copy_from_file(self, path: str) -> None:
        """The content of the SQLite file at `path`, read only."""
        uri = (
            "file:"
            + os.path.abspath(path).replace("?", "%3f").replace("#", "%23")
            + "?mode=ro"
        )
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as source:
            source.backup(self.connection)
        self._mark = self._state()

    def close(self) -> None:
        with self._lock:
            if self._baseline is not None:
                self._baseline.close()
                self._baseline = None
            self.connection.close_for_good()


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqlStore:
    """Every database the services' engines were redirected to (see the module docstring)."""

    def __init__(self) -> None:
        self._databases: dict[str, Database] = {}
        self.redirects: list[Redirect] = []
        # SQLAlchemy's create_engine -> the function redirecting it here (`activate`).
        self.redirecting: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def database_for(self, key: str, shown: str) -> tuple[Database, bool]:
        """The database standing for `key` (made now when new: True)."""
        with self._lock:
            found = self._databases.get(key)
            if found is not None:
                return found, False
            found = self._databases[key] = Database(shown)
            return found, True

    def databases(self) -> list[Database]:
        with self._lock:
            return list(self._databases.values())

    def database(self, url: str | None = None) -> Database:
        """The database a URL (as given to the service, or as the report shows it) was
        redirected to; without one, the only database."""
        databases = self.databases()
        if not databases:
            raise LookupError(
                "no SQLAlchemy engine has been built yet: load the service first "
                "(legacy.load(...)), or call the code that builds its engine"
            )
        if url is not None:
            wanted = _database_key(url)[0] if "://" in url else url
            for key, database in list(self._databases.items()):
                if wanted in (key, database.url):
                    return database
            known = ", ".join(d.url for d in databases) or "none"
            raise LookupError(f"no engine was built for {url!r} (redirected: {known})")
        if len(databases) != 1:
            known = ", ".join(d.url for d in databases)
            raise LookupError(
                f"several databases ({known}): name one, e.g. url={databases[0].url!r}"
            )
        return databases[0]

    def mark_baseline(self) -> None:
        for database in self.databases():
            database.mark_baseline()

    def reset(self) -> None:
        """Every ORM session closed (a session a module holds would otherwise answer the next
        test from the objects it loaded in this one), then every database back to its
        baseline."""
        _close_all_sessions()
        for database in self.databases():
            database.reset()

    def close(self) -> None:
        _close_all_sessions()  # their connections given back while the databases are open
        with self._lock:
            databases, self._databases = list(self._databases.values()), {}
        for database in databases:
            database.close()


def _close_all_sessions() -> None:
    """What `sqlalchemy.orm.close_all_sessions()` does (each session expunges its objects and
    gives its connection back; it can be used again), one session at a time: a session that
    cannot close here (an `AsyncSession`'s, whose connection goes back only in its event loop)
    is left as it is instead of stopping the others. SQLAlchemy keeps them in the weak
    dictionary `sqlalchemy.orm.session._sessions` (1.3 to 2.1)."""
    module = sys.modules.get("sqlalchemy.orm.session")
    sessions = getattr(module, "_sessions", None)
    if sessions is None:
        return
    for session in list(sessions.values()):
        try:
            session.close()
        except Exception:  # noqa: BLE001, S112 - see the docstring
            continue


def _database_key(url: Any) -> tuple[str, str, Any]:
    """(key, shown, parsed URL or None): the database a URL names, whatever its driver and
    query (`postgresql+psycopg2://u:p@h/db` and `postgresql://u@h/db` are one database), and
    the URL as the report shows it (password hidden)."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.exc import ArgumentError

    from harness.env import shown_url

    shown = shown_url(str(url))  # a URL object's str() hides its password already
    try:
        parsed = make_url(url)
    except ArgumentError:
        return str(url), shown, None
    port = f":{parsed.port}" if parsed.port is not None else ""
    key = f"{parsed.get_backend_name()}://{parsed.host or ''}{port}/{parsed.database or ''}"
    return key, shown, parsed


def _sqlite_file(parsed: Any) -> str | None:
    """The existing file a `sqlite:///path` URL names (None: memory, or no such file)."""
    if parsed is None or parsed.get_backend_name() != "sqlite":
        return None
    path = parsed.database or ""
    if path.startswith("file:"):  # a URI filename
        path = path[5:].partition("?")[0]
    if not path or path == ":memory:" or not os.path.isfile(path):
        return None
    return path


def _options(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The engine options SQLite keeps, and the names of those dropped."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in kwargs.items():
        if name == "isolation_level" and str(value).upper() in _SQLITE_ISOLATION_LEVELS:
            kept[name] = value
        elif name == "execution_options" and isinstance(value, Mapping):
            options = dict(value)
            level = options.get("isolation_level")
            if level is not None and str(level).upper() not in _SQLITE_ISOLATION_LEVELS:
                del options["isolation_level"]
                dropped.append("execution_options['isolation_level']")
            kept[name] = options
        elif name in _KEPT_OPTIONS:
            kept[name] = value
        else:
            dropped.append(name)
    return kept, dropped


def _redirecting(store: SqlStore, backends: Backends, original: Any) -> Any:
    """A `create_engine` building engines on `store`'s databases (see the module docstring)."""
    from sqlalchemy.pool import StaticPool

    def create_engine(url: Any, **kwargs: Any) -> Any:
        key, shown, parsed = _database_key(url)
        database, new = store.database_for(key, shown)
        copied = _sqlite_file(parsed) if new else None
        if copied is not None:
            database.copy_from_file(copied)
        kept, dropped = _options(kwargs)
        engine = original(
            "sqlite://",
            creator=lambda: database.connection,
            poolclass=StaticPool,
            **kept,
        )
        detail = describe_redirect(shown, dropped, copied)
        entry = backends.clients.record(
            "sqlalchemy",
            "create_engine",
            {"url": shown},
            skip=is_library_file,
            detail=detail,
        )
        store.redirects.append(
            Redirect(shown, entry.file, entry.line, tuple(dropped), copied)
        )
        return engine

    create_engine.__doc__ = original.__doc__
    create_engine.__wrapped__ = original  # type: ignore[attr-defined]
    return create_engine


def _original(function: Any) -> Any:
    while (
        hasattr(function, "__wrapped__")
        and getattr(function, "__module__", "") == __name__
    ):
        function = function.__wrapped__
    return function


def _create_module() -> Any:
    """The module defining `create_engine` (and where `engine_from_config` looks it up):
    `sqlalchemy.engine.create` since SQLAlchemy 1.4, `sqlalchemy.engine` before."""
    try:
        return importlib.import_module("sqlalchemy.engine.create")
    except ImportError:
        return importlib.import_module("sqlalchemy.engine")


def prepare(backends: Backends) -> None:
    """SQLAlchemy, its SQLite dialect and what an engine's first connection imports, loaded
    before any contract scope (a scope takes back the modules first imported inside it, and
    SQLAlchemy's dialect registry would then meet a second copy of its classes)."""
    import sqlalchemy
    import sqlalchemy.dialects.sqlite
    import sqlalchemy.orm  # imported now, outside any scope

    create_engine = _original(_create_module().create_engine)
    with contextlib.closing(
        sqlite3.connect(":memory:", check_same_thread=False)
    ) as conn:
        engine = create_engine(
            "sqlite://",
            creator=lambda: conn,
            poolclass=importlib.import_module("sqlalchemy.pool").StaticPool,
        )
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()


@contextlib.contextmanager
def activate(backends: Backends) -> Iterator[SqlStore]:
    """`sqlalchemy.create_engine` (wherever SQLAlchemy binds it: `sqlalchemy`,
    `sqlalchemy.engine`, `sqlalchemy.engine.create`, where `engine_from_config` finds it)
    redirecting to `backends.sql` while active.

    Around every test of a SQL service, so kept cheap (about 0.2 ms): the bindings are found
    in the modules' dicts (no attribute lookup that fails), and set and put back directly."""
    # What sys.modules holds, not `sqlalchemy.engine`: when a service's first import of
    # SQLAlchemy is decided while it runs, the import system runs `sqlalchemy/__init__.py` again
    # into a new module object without submodule attributes.
    create = _create_module()

    store = backends.sql
    original = _original(create.create_engine)
    redirecting = store.redirecting.get(original)
    if redirecting is None:
        redirecting = store.redirecting[original] = _redirecting(
            store, backends, original
        )
    saved = []
    for name, module in list(sys.modules.items()):
        if name.startswith(_BINDERS):
            bound = getattr(module, "__dict__", {}).get("create_engine")
            if bound is not None and _original(bound) is original:
                saved.append((module, bound))
    try:
        for module, _ in saved:
            module.create_engine = redirecting
        yield store
    finally:
        for module, bound in reversed(saved):
            module.create_engine = bound
