"""Fresh state per test although the module is imported once: globals as right after the import."""

from __future__ import annotations

from unittest.mock import MagicMock

from harness.state import ModuleState

from .conftest import Project

KEEPS_STATE = """
import collections

latest = {}
seen = []
codes = set()
recent = collections.deque(maxlen=3)
nested = {"by_day": {"2025-01-01": [1]}, "totals": [0, 0]}
ALIAS = nested["by_day"]          # a second reference to a nested container
counter = 0


class Stats:
    def __init__(self):
        self.calls = 0


stats = Stats()


def handle(identifier, timestamp):
    global counter
    counter += 1
    stats.calls += 1
    latest[identifier] = timestamp
    seen.append(identifier)
    codes.add(identifier)
    recent.append(timestamp)
    nested["by_day"]["2025-01-02"] = [timestamp]
    nested["totals"][0] += 1
"""

TESTS = """
import pytest

@pytest.mark.parametrize("run", range(3))
def test_each_run_starts_from_the_import_state(legacy, run):
    svc = legacy.load("svc")
    held_elsewhere = svc.latest
    assert (svc.latest, svc.seen, svc.codes, list(svc.recent), svc.counter, svc.stats.calls) == ({}, [], set(), [], 0, 0)
    assert svc.nested == {"by_day": {"2025-01-01": [1]}, "totals": [0, 0]} and svc.ALIAS is svc.nested["by_day"]
    svc.handle("EX001", 1000 + run)
    svc.new_global = "added by a test"
    svc.handle = None
    assert held_elsewhere == {"EX001": 1000 + run}

def test_names_added_by_a_test_are_gone(legacy):
    svc = legacy.load("svc")
    assert not hasattr(svc, "new_global") and callable(svc.handle)
"""


def test_globals_containers_and_instances_are_restored_in_place(project: Project) -> None:
    project.legacy("svc/service.py", KEEPS_STATE)
    project.config('[tool.harness.services.svc]\npath = "svc/service.py"\n')
    project.tests(TESTS)

    project.pytester.runpytest().assert_outcomes(passed=4)


def test_restore_rebinds_refills_and_replaces_mocks_unit() -> None:
    client_class = MagicMock(name="pymongo.MongoClient")
    namespace = {"client": client_class("db"), "items": [1, 2]}
    namespace["collection"] = namespace["client"]["db"]["coll"]
    overlay = {"pymongo": MagicMock(MongoClient=client_class)}
    state = ModuleState([namespace], owner_module="svc", extra_mock_holders=[overlay])
    items = namespace["items"]

    namespace["collection"].find.return_value = [{"a": 1}]  # configures a child, as a test would
    items.append(3)
    state.restore()

    assert items == [1, 2] and namespace["items"] is items
    assert namespace["collection"].find.return_value != [{"a": 1}]
    assert namespace["client"]["db"]["coll"] is namespace["collection"]  # relations kept
    assert state.mock_count == 3


def test_recording_the_import_state_never_resolves_a_lazy_global() -> None:
    # celery's task proxy, Django's LazyObject and werkzeug's LocalProxy answer `__class__` (so
    # `isinstance`) and `__dict__` by resolving themselves: that would run their setup at the
    # snapshot, after the import's environment is gone.
    resolved: list[str] = []

    class LazyTask:
        @property
        def __class__(self):  # type: ignore[override]
            resolved.append("__class__")
            return dict

        def __getattribute__(self, name):
            if name not in ("__class__",):
                resolved.append(name)
            return object.__getattribute__(self, name)

    LazyTask.__module__ = "celery.local"  # a library's proxy, held by the service
    namespace = {"debug_task": LazyTask(), "items": [1]}
    state = ModuleState([namespace], owner_module="svc")
    namespace["items"].append(2)

    state.restore()

    assert resolved == []
    assert namespace["items"] == [1]


def test_the_state_a_class_of_the_module_holds_is_put_back_and_later_additions_stay() -> None:
    class Registry:
        seen: dict = {}  # shared by every instance
        count = 0

    Registry.__module__ = "svc"
    namespace = {"Registry": Registry}
    state = ModuleState([namespace], owner_module="svc")
    cache = Registry.seen
    Registry.seen["k"] = 1
    Registry.count += 1
    Registry.parent = "added later"  # as SQLAlchemy adds a backref at the first query

    state.restore()

    assert Registry.seen == {} and Registry.seen is cache
    assert Registry.count == 0
    assert Registry.parent == "added later"
