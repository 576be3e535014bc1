"""A client package whose first import happens while the service runs, by a name no analysis
reads (a library importing it inside a function, an extension named in the settings): the
harness decides it then, and the import system runs its `__init__.py` again into a new module
object, which holds none of the package's submodules as attributes. The integrations patch
what `sys.modules` holds, so the service's clients are faked in this test and the next ones.

Run in a network namespace of its own (loopback only), on `*.invalid` hosts.
"""

from __future__ import annotations

import pytest
from plugin.conftest import Project

pytest.importorskip("sqlalchemy")
pytest.importorskip("fakeredis")

SERVICE = """
import importlib

# Names built at run time, as a settings file listing extensions would give them.
sa = importlib.import_module("sql" + "alchemy")
redis = importlib.import_module("re" + "dis")

engine = sa.create_engine("postgresql://app@db.invalid/app")
cache = redis.Redis(host="cache.invalid")
with engine.begin() as connection:
    connection.execute(sa.text("CREATE TABLE hits (page TEXT)"))


def hit(page):
    cache.incr(page)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO hits VALUES (:page)"), {"page": page})
"""

TESTS = """
import pytest


@pytest.mark.parametrize("round", [1, 2, 3])
def test_every_test_gets_the_fake_clients(legacy, sql, redis, round):
    legacy.load("svc").hit("/home")

    assert redis.get("/home") == "1"
    assert sql.rows("hits") == [{"page": "/home"}]
"""


@pytest.mark.timeout(120)
def test_clients_of_packages_first_imported_while_the_service_runs_stay_faked(
    project: Project,
) -> None:
    project.legacy("svc.py", SERVICE)
    project.config('[tool.harness.services.svc]\npath = "svc.py"\n')
    project.tests(TESTS)

    project.run_isolated(timeout=100).assert_outcomes(passed=3)
