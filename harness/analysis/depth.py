"""Analysing code nested deeper than Python's default recursion limit, within a bound.

The walkers over syntax trees recurse once per nesting level, and a 350-term `a + a + ...` is
350 levels of `BinOp`: deeper than the default limit of 1,000 frames allows once each level
costs a few frames.  Python itself compiles chains of about 3,000 terms, so the linter must
analyse them too.  `deeply(function, *args)` calls `function` as it is; only if it runs out of
depth is it called again in a thread with a 512 MB stack and a recursion limit of 100,000
frames (the main thread's stack is too small for that limit).  Deeper than that, the
RecursionError propagates and the caller reports the file on one line.

Hand-written: the standard library has no bounded "run with more stack" helper.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

_STACK_BYTES = 512 * 1024 * 1024  # reserved, not committed: only the pages used cost memory
_DEEP_LIMIT = 100_000
_lock = threading.Lock()  # the recursion limit is process-wide: one deep call at a time

T = TypeVar("T")

NESTED_TOO_DEEPLY = "nested too deeply to analyse (more than Python compiles)"


def deeply(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)`, given far more recursion depth if it needs it."""
    try:
        return function(*args, **kwargs)
    except RecursionError:
        pass
    return in_deep_thread(function, *args, **kwargs)


def in_deep_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in a thread with the large stack and recursion limit: for
    native code (libcst's parser) whose running out of stack would end the process."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed back to the calling thread
            outcome["error"] = error

    with _lock:
        previous_limit = sys.getrecursionlimit()
        previous_stack = threading.stack_size(_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="harness-deep-analysis", daemon=True)
            sys.setrecursionlimit(max(previous_limit, _DEEP_LIMIT))
            thread.start()
            thread.join()
        finally:
            threading.stack_size(previous_stack)
            sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
