"""Evaluating the path expressions conftests build, without running them.

Conftests reach a legacy service through `sys.path.insert(0, os.path.join(os.path.dirname(
__file__), "..", "legacy_services", "current"))` or `Path(__file__).resolve().parents[2] /
"legacy_services" / "current" / "current.py"`.  This folds those expressions (and module-level
constants made of them) into a normalised absolute path; anything else is unknown (None).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping

_JOIN = frozenset({"os.path.join", "path.join", "posixpath.join"})
_DIRNAME = frozenset({"os.path.dirname", "path.dirname", "posixpath.dirname"})
_NORMALISERS = frozenset(
    {
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "path.abspath",
        "path.realpath",
        "path.normpath",
        "str",
        "os.fspath",
        "Path",
        "pathlib.Path",
        "PurePath",
        "pathlib.PurePath",
    }
)
_PATH_METHODS = frozenset({"resolve", "absolute", "expanduser"})


class PathEvaluator:
    """Folds path expressions of one file; `constants` are its module-level string/path names."""

    def __init__(self, file_path: str, constants: Mapping[str, str] | None = None) -> None:
        self.file_path = os.path.abspath(file_path)
        self.constants = dict(constants or {})

    def evaluate(self, node: ast.expr, depth: int = 0) -> str | None:
        if depth > 40:
            return None
        value = self._evaluate(node, depth + 1)
        return os.path.normpath(value) if value is not None else None

    def _evaluate(self, node: ast.expr, depth: int) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.file_path
            return self.constants.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # __file__ + "/../x"
            left = self._evaluate(node.left, depth)
            right = self._evaluate(node.right, depth)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left = self.evaluate(node.left, depth)
            right = self.evaluate(node.right, depth)
            return os.path.join(left, right) if left is not None and right is not None else None
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":
                base = self.evaluate(node.value, depth)
                return os.path.dirname(base) if base is not None else None
            return None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
                base = self.evaluate(node.value.value, depth)
                index = node.slice.value
                if base is None or not isinstance(index, int) or index < 0:
                    return None
                for _ in range(index + 1):
                    base = os.path.dirname(base)
                return base
            return None
        if isinstance(node, ast.Call):
            return self._evaluate_call(node, depth)
        return None

    def _evaluate_call(self, node: ast.Call, depth: int) -> str | None:
        name = _dotted(node.func)
        if name is None:
            return None
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in _PATH_METHODS
            and not node.args
        ):
            base = self.evaluate(node.func.value, depth)
            return os.path.abspath(base) if base is not None else None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            parts = [self.evaluate(node.func.value, depth)] + [
                self.evaluate(a, depth) for a in node.args
            ]
            return os.path.join(*parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
        if name in _JOIN or (name in _NORMALISERS and len(node.args) > 1):
            parts = [self.evaluate(a, depth) for a in node.args]
            if not parts or any(p is None for p in parts):
                return None
            return os.path.join(*parts)  # type: ignore[arg-type]
        if name in _DIRNAME and len(node.args) == 1:
            base = self.evaluate(node.args[0], depth)
            return os.path.dirname(base) if base is not None else None
        if name in _NORMALISERS and len(node.args) == 1:
            base = self.evaluate(node.args[0], depth)
            if base is None:
                return None
            # A relative path stays relative: it means the working directory of the run, which
            # the caller decides (the project root, where pytest is normally started).
            return base
        return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return None
