"""SQL (SQLAlchemy engines) as a service's tests meet it: every engine on SQLite in memory.

The first tests drive `harness.fakes.sql` directly (what `activate` does to `create_engine`, the
databases, the baseline and reset); the last ones go through the plugin, in a generated project
run in a network namespace of its own (loopback only): the URLs the services are given name
`*.invalid` hosts, so nothing could leave the machine even if an engine were not redirected.
"""

from __future__ import annotations

import datetime
import sqlite3
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest
from plugin.conftest import Project

from harness import integrations
from harness.fakes import Backends
from harness.fakes.sql import activate, prepare
from harness.fidelity import Fidelity

# The service's own dependency, not the harness's (the wheel's lower-bound run has none).
sqlalchemy = pytest.importorskip("sqlalchemy")
text = sqlalchemy.text

ORDERS = "postgresql+psycopg2://shop:hunter2@orders.invalid:5432/orders"


@pytest.fixture
def backends() -> Iterator[Backends]:
    made = Backends()
    prepare(made)
    try:
        yield made
    finally:
        made.close()


def _count(engine: Any, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_engines_for_one_database_share_it_and_another_database_is_apart(
    backends,
) -> None:
    with activate(backends):
        first = sqlalchemy.create_engine(ORDERS, pool_size=10, max_overflow=5)
        second = sqlalchemy.engine_from_config(
            {"sqlalchemy.url": "postgresql://reader@orders.invalid:5432/orders"}
        )
        other = sqlalchemy.create_engine("mysql+pymysql://u:p@billing.invalid/billing")
    with first.begin() as connection:
        connection.execute(
            text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        )
        connection.execute(text("INSERT INTO items (name) VALUES ('bolt')"))

    assert first.dialect.name == second.dialect.name == "sqlite"
    assert _count(second, "items") == 1
    with pytest.raises(sqlalchemy.exc.OperationalError, match="no such table: items"):
        _count(other, "items")
    store = backends.sql
    assert [d.url for d in store.databases()] == [
        "postgresql+psycopg2://shop:***@orders.invalid:5432/orders",
        "mysql+pymysql://u:***@billing.invalid/billing",
    ]
    assert store.redirects[0].dropped == ("pool_size", "max_overflow")
    assert (
        store.redirects[1].dropped == ()
    )  # engine_from_config's own option is kept quietly
    assert store.database(ORDERS).rows("items") == [{"id": 1, "name": "bolt"}]


def test_a_re_export_bound_before_the_service_loaded_is_redirected_too(
    backends, monkeypatch
) -> None:
    reexport = types.ModuleType(
        "sqlmodel"
    )  # SQLModel's `from sqlalchemy import create_engine`
    reexport.create_engine = sqlalchemy.create_engine
    monkeypatch.setitem(sys.modules, "sqlmodel", reexport)

    with activate(backends):
        engine = reexport.create_engine(ORDERS)

    assert engine.dialect.name == "sqlite"
    assert reexport.create_engine is sqlalchemy.create_engine  # put back after


def test_the_redirect_is_logged_where_the_code_asked_for_the_engine(backends) -> None:
    with activate(backends):
        sqlalchemy.create_engine(ORDERS, connect_args={"sslmode": "require"})
    (built,) = backends.clients.entries()

    asked_at = test_the_redirect_is_logged_where_the_code_asked_for_the_engine.__code__
    assert (built.file, built.line) == (__file__, asked_at.co_firstlineno + 2)
    assert str(built).endswith(
        "postgresql+psycopg2://shop:***@orders.invalid:5432/orders redirected to SQLite in memory "
        "(shared by every connection, back to its state after the imports before each test); "
        "options dropped for SQLite: connect_args"
    )
    assert "hunter2" not in str(built)


def test_reset_goes_back_to_the_baseline_and_a_later_database_to_empty(
    backends,
) -> None:
    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        )
        connection.execute(text("INSERT INTO items (name) VALUES ('bolt')"))
    backends.sql.mark_baseline()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO items (name) VALUES ('nut')"))
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
    with activate(backends):
        later = sqlalchemy.create_engine("postgresql://u@reports.invalid/reports")
    with later.begin() as connection:
        connection.execute(text("CREATE TABLE report (x INTEGER)"))

    backends.reset()

    database = backends.sql.database(ORDERS)
    assert database.rows("items") == [{"id": 1, "name": "bolt"}]
    assert database.tables() == ["items"]
    assert (
        backends.sql.database("postgresql://u@reports.invalid/reports").tables() == []
    )


def test_reset_rolls_back_what_a_test_left_uncommitted(backends) -> None:
    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE items (name TEXT)"))
    backends.sql.mark_baseline()
    connection = engine.connect()
    connection.begin()
    connection.execute(text("INSERT INTO items VALUES ('half done')"))

    backends.reset()

    assert backends.sql.database().rows("items") == []
    connection.close()


def _get(session: Any, cls: type, key: int) -> Any:
    """`Session.get` (SQLAlchemy 1.4 and later), `Query.get` before."""
    if hasattr(session, "get"):
        return session.get(cls, key)
    return session.query(cls).get(key)


def test_a_session_the_service_keeps_forgets_the_last_tests_objects(backends) -> None:
    from sqlalchemy import orm

    try:
        from sqlalchemy.orm import declarative_base
    except ImportError:  # SQLAlchemy 1.3 has it only there
        from sqlalchemy.ext.declarative import declarative_base

    base = declarative_base()

    class Item(base):
        __tablename__ = "items"
        id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
        name = sqlalchemy.Column(sqlalchemy.String)

    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    base.metadata.create_all(engine)
    backends.sql.mark_baseline()
    session = orm.sessionmaker(bind=engine)()  # a module-level session of the service
    session.add(Item(id=1, name="from the last test"))
    session.commit()
    loaded = _get(
        session, Item, 1
    )  # held, as a service's cache would: the identity map keeps it
    assert loaded is not None
    session.add(Item(id=2, name="left pending"))
    session.flush()

    backends.reset()

    assert _get(session, Item, 1) is None
    assert session.query(Item).all() == []


def test_a_session_that_cannot_close_does_not_keep_the_others_open(backends) -> None:
    from sqlalchemy import orm

    class Stuck(orm.Session):  # as an AsyncSession's, outside its event loop
        def close(self) -> None:
            raise RuntimeError("only in its event loop")

    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE items (name TEXT)"))
    backends.sql.mark_baseline()
    stuck, session = Stuck(bind=engine), orm.Session(bind=engine)
    session.execute(text("INSERT INTO items VALUES ('pending')"))
    in_transaction = getattr(session, "in_transaction", lambda: None)  # 1.4 and later
    assert in_transaction() in (True, None)

    backends.reset()  # does not raise

    assert in_transaction() in (False, None)
    assert stuck is not None


def test_dispose_leaves_the_database_to_the_other_engines(backends) -> None:
    with activate(backends):
        first = sqlalchemy.create_engine(ORDERS)
        second = sqlalchemy.create_engine(ORDERS)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE items (name TEXT)"))

    first.dispose()

    assert _count(second, "items") == 0


def test_a_thread_of_the_service_writes_where_the_test_reads(backends) -> None:
    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (name TEXT)"))

    def worker() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO events VALUES ('from a thread')"))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()

    assert backends.sql.database().rows("events") == [{"name": "from a thread"}]


def test_a_sqlite_file_is_copied_in_and_never_written(backends, tmp_path) -> None:
    path = tmp_path / "reference.db"
    with sqlite3.connect(path) as seed:
        seed.execute("CREATE TABLE codes (code TEXT)")
        seed.execute("INSERT INTO codes VALUES ('EUR')")
    seed.close()
    before = path.read_bytes()
    with activate(backends):
        engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO codes VALUES ('USD')"))

    assert backends.sql.database().rows("codes") == [{"code": "EUR"}, {"code": "USD"}]
    assert path.read_bytes() == before
    assert "copied in, the file never written" in backends.clients.entries()[0].detail


@pytest.mark.skipif(
    int(sqlalchemy.__version__.split(".")[0]) < 2,
    reason="SQLAlchemy 1.x writes DEFAULT gen_random_uuid() unparenthesized, which SQLite rejects",
)
def test_server_defaults_of_postgres_models_work_on_sqlite(backends) -> None:
    metadata = sqlalchemy.MetaData()
    events = sqlalchemy.Table(
        "events",
        metadata,
        sqlalchemy.Column(
            "id", sqlalchemy.String, server_default=text("gen_random_uuid()")
        ),
        sqlalchemy.Column("at", sqlalchemy.DateTime, server_default=text("now()")),
        sqlalchemy.Column("name", sqlalchemy.String),
    )
    with activate(backends):
        engine = sqlalchemy.create_engine(ORDERS)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(events.insert().values(name="signup"))
        row = connection.execute(sqlalchemy.select(events)).one()

    assert len(row.id) == 36 and row.name == "signup"
    assert abs(row.at - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)) < (
        datetime.timedelta(minutes=1)
    )


def test_the_fixture_view_without_an_engine_names_what_to_do(backends) -> None:
    with pytest.raises(LookupError, match=r"load the service first"):
        backends.sql.database()


def test_sqlalchemy_and_its_engine_builders_belong_to_the_sql_integration() -> None:
    for package in ("sqlalchemy", "flask_sqlalchemy", "alembic"):
        integration = integrations.for_package(package)
        assert integration.name == "sql"
        assert integration.levels(package) == (Fidelity.STUB, Fidelity.FAKE)
        assert not integrations.serves_modules(package, Fidelity.FAKE)
        assert not integrations.serves_modules(package, Fidelity.WIRE)
    assert "SQLite in memory" in integrations.by_name("sql").wire.fallback
    # The DB-API drivers stay stubbed clients: nothing the harness serves connects anywhere.
    assert integrations.for_package("psycopg2").name == "known_clients"


SERVICE = """
import os

import psycopg2
from flask import Flask, jsonify
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

engine = create_engine(os.environ["DATABASE_URL"], pool_size=5)
metadata = MetaData()
stock = Table("stock", metadata, Column("sku", String, primary_key=True), Column("count", Integer))
metadata.create_all(engine)
with engine.begin() as connection:
    connection.execute(insert(stock).values(sku="A-1", count=3))
audit = psycopg2.connect(host="audit.invalid", dbname="audit")

app = Flask(__name__)


@app.route("/stock/<sku>")
def level(sku):
    with engine.connect() as connection:
        row = connection.execute(select(stock.c.count).where(stock.c.sku == sku)).first()
    return jsonify({"sku": sku, "count": row.count if row else 0})
"""

TESTS = """
import pytest


@pytest.mark.parametrize("round", [1, 2])
def test_rows_seeded_by_the_test_are_what_the_service_reads(legacy, sql, round):
    client = legacy.load("svc").app.test_client()
    assert sql.rows("stock") == [{"sku": "A-1", "count": 3}]
    sql.insert("stock", {"sku": "B-2", "count": 7 * round})

    assert client.get("/stock/B-2").get_json() == {"sku": "B-2", "count": 7 * round}
    sql.execute("UPDATE stock SET count = 0 WHERE sku = ?", ("A-1",))


def test_the_report_names_the_url_its_place_and_the_stubbed_driver(legacy):
    legacy.load("svc")

    assert "svc.py:8: postgresql://test:***@192.0.2.1:5432/test redirected to SQLite in memory" in legacy.report
    assert "options dropped for SQLite: pool_size" in legacy.report
    assert "psycopg2: a PostgreSQL driver used directly: stubbed" in legacy.report
    assert legacy.refused == []
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("level", ["fake", "wire"])
def test_a_service_engine_on_a_postgres_url_is_tested_through_the_sql_fixture(
    project: Project, level: str
) -> None:
    project.legacy("svc.py", SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(TESTS)

    result = project.run_isolated(f"--harness-fidelity={level}", "-v", timeout=100)

    result.assert_outcomes(passed=3)
    if level == "wire":
        result.stdout.fnmatch_lines(
            ["*sqlalchemy at wire: no PostgreSQL or MySQL server runs*"]
        )


def test_a_service_without_sql_loads_no_sqlalchemy(project: Project) -> None:
    project.legacy("svc.py", "import os\nNAME = os.environ['SERVICE_NAME']\n")
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(
        "import sys\n\n"
        "def test_it(legacy, sql):\n"
        "    assert legacy.load('svc').NAME\n"
        "    assert sql.urls == []\n"
        "    assert 'sqlalchemy' not in sys.modules\n"
    )

    project.run_isolated(timeout=100).assert_outcomes(passed=1)
