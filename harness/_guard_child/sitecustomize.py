"""Put first on PYTHONPATH while the harness's network guard is on: a Python child process
started then (by a test, on purpose) installs the same guard before running anything, and
reports what it refuses to the parent. Then the sitecustomize this one hides, if any, runs.

Not a package module: Python imports it at start-up (see `harness.guard`).
"""

import importlib.machinery
import importlib.util
import os
import sys


def _install() -> None:
    if not os.environ.get("LEGACY_HARNESS_GUARD_LOG"):
        return
    root = os.environ.get("LEGACY_HARNESS_ROOT", "")
    sys.path.insert(0, root)
    try:
        from harness.guard import guard_child_process
    finally:
        sys.path.remove(root)
    guard_child_process()


def _chain() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_install()
_chain()
