"""`gridfs` over the pymongo fake's databases: the real package, on mongomock, in a copy of its own.

GridFS is pymongo's file store (`gridfs.GridFS(db)`, `gridfs.GridFSBucket(db)`), and what
Flask-PyMongo imports first. Its code runs on any database object, except for three names of
`gridfs.synchronous.grid_file`: `isinstance(db, Database)` and `isinstance(c, Collection)`
refuse anything but pymongo's own classes, and `GridFS.find()` builds pymongo's own cursor.
mongomock's `mongomock.gridfs.enable_gridfs_integration()` widens the two checks to mongomock's
classes and puts its cursor (`_create_grid_out_cursor`) in place of the third, with
`mock.patch(...).start()` on the process's `gridfs`: never undone, and undone by any
`mock.patch.stopall()`. So the tree is a copy of the real `gridfs` modules loaded for it alone
(beside mongomock's `gridfs` helpers, loaded with it so that they build this copy's `GridOut`),
and the same three names are set on that copy, nowhere else: the process's `gridfs`, imported
or not, stays as it is.

Written by hand beyond mongomock's helpers: `GridFS.find()` without a filter (mongomock's cursor
needs `{}` where pymongo's takes None), and the fake `MongoClient.options` (`harness.fakes.
mongo`) that `GridFSBucket` reads its timeout from. AsyncGridFS is not faked (mongomock has no
async client).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from harness.fakes.tree import ModuleTree
from harness.fidelity import Fidelity
from harness.modules import tree_names

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TOP_LEVEL = "gridfs"
_HELPERS = "mongomock.gridfs"


def build_tree(backends: Backends) -> ModuleTree:
    """The real `gridfs`, in a copy of its own whose checks accept the fake's databases."""
    import mongomock

    modules, helpers = _private_copy()
    grid_file = modules["gridfs.synchronous.grid_file"]
    grid_file.Database = (grid_file.Database, mongomock.Database)  # type: ignore[attr-defined]
    grid_file.Collection = (grid_file.Collection, mongomock.Collection)  # type: ignore[attr-defined]
    grid_file.GridOutCursor = _cursor(helpers._create_grid_out_cursor)  # type: ignore[attr-defined]
    return ModuleTree(TOP_LEVEL, Fidelity.FAKE, modules)


def _private_copy() -> tuple[dict[str, types.ModuleType], types.ModuleType]:
    """`gridfs` and mongomock's helpers, imported afresh; `sys.modules` (and the `mongomock`
    package's attribute) as before."""
    import mongomock

    names = [*tree_names(sys.modules, [TOP_LEVEL]), _HELPERS]
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    attribute = vars(mongomock).get("gridfs", _MISSING)
    try:
        importlib.import_module(TOP_LEVEL)
        helpers = importlib.import_module(_HELPERS)
        modules = {name: sys.modules[name] for name in tree_names(sys.modules, [TOP_LEVEL])}
    finally:
        for name in [*tree_names(sys.modules, [TOP_LEVEL]), _HELPERS]:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        if attribute is _MISSING:
            vars(mongomock).pop("gridfs", None)
        else:
            mongomock.gridfs = attribute  # type: ignore[attr-defined]
    return modules, helpers  # type: ignore[return-value]


def _cursor(create: Any) -> Any:
    """mongomock's GridFS cursor factory, given `{}` for the filter pymongo lets be None."""

    def create_grid_out_cursor(collection: Any, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        return create(collection, {} if filter is None else filter, *args, **kwargs)

    return create_grid_out_cursor


_MISSING = object()
