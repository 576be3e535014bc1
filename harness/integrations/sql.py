"""SQL databases: `sqlalchemy` (and what builds engines through it: Flask-SQLAlchemy,
Flask-Migrate and Alembic, marshmallow-sqlalchemy, SQLModel), every engine redirected to SQLite
in memory.

| level  | what serves it                                                                        |
|--------|---------------------------------------------------------------------------------------|
| `fake` | the real SQLAlchemy; `create_engine(URL)` builds an engine on an in-memory SQLite     |
|        | database whatever the URL names (PostgreSQL, MySQL...), one database per URL's        |
|        | database, shared by every connection and thread of the services (`harness.fakes.sql`) |
| `wire` | none: the `fake` level is used (noted in the report), see `WIRE_FALLBACK`             |

The DB-API drivers a URL names (psycopg2, pymysql...) are not imported for a redirected
engine; a service importing one itself gets its stub and a report line
(`harness.integrations.clients`).

Fixture `sql` (`harness.fixtures.SqlFixture`): seed and read rows of those databases. Before each
test each database is back to its state right after the services' imports (tables and rows the
imports made are kept). The import report has a line per engine: the URL it asked for, where,
and what it got instead.

SQLAlchemy is imported by the harness only when a service imports it (or a test asks for the
fixture); it is the service's own dependency, not the harness's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire

WIRE_FALLBACK = (
    "no PostgreSQL or MySQL server runs in-process: engines are redirected to SQLite in memory "
    "(the fake level)"
)


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.sql import SqlStore

    return SqlStore()


# Libraries that build engines through SQLAlchemy, and whose import is often a service's first
# of SQLAlchemy (an extension listed in the settings, imported by name at import time): covered
# too, so that SQLAlchemy is loaded and patched when they are decided, before their code runs.
ENGINE_BUILDERS = (
    "flask_sqlalchemy",
    "flask_migrate",
    "alembic",
    "marshmallow_sqlalchemy",
    "sqlmodel",
)


def _provider(package: str) -> Provider:
    return Provider(
        package,
        Fidelity.FAKE,
        None,
        activation="harness.fakes.sql:activate",
        prepare="harness.fakes.sql:prepare",
        description=f"the real {package}, SQLAlchemy's engines on SQLite in memory",
    )


INTEGRATION = Integration(
    name="sql",
    packages=("sqlalchemy", *ENGINE_BUILDERS),
    providers={
        Fidelity.FAKE: {p: _provider(p) for p in ("sqlalchemy", *ENGINE_BUILDERS)}
    },
    backends=(
        Backend(
            "sql",
            _store,
            reset=lambda store: store.reset(),
            baseline=lambda store: store.mark_baseline(),
            close=lambda store: store.close(),
        ),
    ),
    wire=Wire(fallback=WIRE_FALLBACK),
    fixture="harness.fixtures:SqlFixture",
    description="SQL databases (SQLAlchemy engines) on SQLite in memory",
    # `db = SQLAlchemy(app)` builds an engine (Flask-SQLAlchemy 2 on first use, 3 at once), and
    # `db.create_all()` at module level (a create.py, or after the models) runs DDL on it.
    client_constructors=(
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "flask_sqlalchemy.SQLAlchemy",
        "sqlmodel.create_engine",
    ),
    connecting_methods=("create_all", "drop_all", "reflect", "connect", "begin", "execute"),
)
