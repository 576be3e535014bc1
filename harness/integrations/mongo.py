"""MongoDB: `pymongo` (and its file store, `gridfs`), served by mongomock.

| level  | what serves it                                                                  |
|--------|---------------------------------------------------------------------------------|
| `fake` | a `pymongo`-shaped tree whose clients share one mongomock store, whatever host; |
|        | `gridfs`: the real package in a copy of its own that accepts those databases    |
| `wire` | none: no MongoDB server runs in-process, so the `fake` level is used (noted)    |

Fixture `mongo` (`harness.fixtures.MongoFixture`). Before each test the store is back to its
state right after the services' imports (collections and indexes created at import are kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.mongo import MongoStore

    return MongoStore()


INTEGRATION = Integration(
    name="mongo",
    packages=("pymongo", "gridfs"),
    providers={
        Fidelity.FAKE: {
            "pymongo": Provider(
                "pymongo",
                Fidelity.FAKE,
                "harness.fakes.mongo:build_tree",
                description="mongomock on a shared in-memory store, real pymongo.errors",
            ),
            "gridfs": Provider(
                "gridfs",
                Fidelity.FAKE,
                "harness.fakes.gridfs:build_tree",
                description="the real gridfs over the fake's databases (mongomock's GridFS)",
            ),
        }
    },
    backends=(
        Backend(
            "mongo",
            _store,
            reset=lambda store: store.reset(),
            baseline=lambda store: store.mark_baseline(),
        ),
    ),
    wire=Wire(fallback="no MongoDB server runs in-process: mongomock (the fake level) is used"),
    fixture="harness.fixtures:MongoFixture",
    description="MongoDB (pymongo) through mongomock",
    client_constructors=("pymongo.MongoClient",),
    connecting_methods=(
        "server_info", "command", "list_database_names", "list_collection_names",
        "create_index", "create_indexes", "drop", "drop_database", "drop_collection",
        "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
        "delete_one", "delete_many", "count_documents",
    ),
)
