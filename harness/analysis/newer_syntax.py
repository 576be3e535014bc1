"""Source written for a newer Python than the one running, rewritten so that this one parses it.

Code under test is often written for a newer Python than the one the toolkit runs on (a Home
Assistant integration targets the newest one): `type Alias = ...` and `def f[T]()` (3.12),
quotes and backslashes inside f-string replacement fields (3.12), `except A, B:` (3.14).  The
running `ast` rejects them, and a module that cannot be parsed cannot be analysed at all.
libcst's parser knows the newer grammar; this module rewrites what the older one lacks, keeping
every line where it was (findings cite lines):

- `type X[T] = value`          -> `X = value`            (the name is bound all the same)
- `def f[T](...)`, `class C[T]` -> `def f(...)`, `class C` (type parameters bind nothing the
                                                            module can look up)
- `except A, B:`                -> `except (A, B):`
- an f-string the running parser rejects -> a parenthesised tuple of its replacement fields
  (what the analysis needs of it: the names and calls in them), padded with the f-string's
  own line breaks.

Hand-written on purpose: no library turns libcst trees into `ast` trees, and the analysis is
built on `ast`.  Anything else the running parser rejects stays a syntax error.
"""

from __future__ import annotations

import ast
import re
from typing import TypeVar

import libcst as cst

from harness.analysis.depth import in_deep_thread

# Python's own parser takes at most 200 nested brackets, so code for a newer Python nests no
# deeper; deeper text (hostile, or generated), like long runs of unary operators, is left to the
# original syntax error rather than handed to a native parser that recurses once per level.
_MAX_NESTING = 200
_DEEP_RUN = re.compile(r"(?:[-+~]\s*){1000}|(?:\bnot\s+){1000}|(?:\bawait\s+){1000}")


def downgrade(text: str, error: SyntaxError | None = None) -> str | None:
    """`text` in a form the running parser accepts, with the same lines; None when it cannot
    be had (libcst rejects the text too, or its version lacks the newer grammar, or the text
    nests deeper than any code the rewrite is for)."""
    if error is not None and "too many" in (error.msg or ""):
        return None  # a limit of the parser, not newer syntax
    if _nesting(text) > _MAX_NESTING or _DEEP_RUN.search(text):
        return None
    try:
        return in_deep_thread(_rewrite, text)
    except Exception:  # noqa: BLE001 - any failure of libcst leaves the original syntax error
        return None


def _nesting(text: str) -> int:
    """The deepest bracket nesting, strings and comments included (an upper bound)."""
    depth = deepest = 0
    for character in text:
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth -= 1
    return deepest


def _rewrite(text: str) -> str | None:
    module = cst.parse_module(text)
    rewritten = module.visit(_Downgrade(module)).code
    if rewritten.count("\n") != text.count("\n"):
        return None  # lines moved: findings would cite the wrong ones
    return rewritten


_Generic = TypeVar("_Generic", cst.FunctionDef, cst.ClassDef)


def _without_type_parameters(node: _Generic) -> _Generic:
    return (
        node
        if node.type_parameters is None
        else node.with_changes(type_parameters=None)
    )


class _Downgrade(cst.CSTTransformer):
    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self._module = module

    def leave_TypeAlias(
        self, original: cst.TypeAlias, updated: cst.TypeAlias
    ) -> cst.Assign:
        return cst.Assign(
            targets=[cst.AssignTarget(target=updated.name)],
            value=updated.value,
            semicolon=updated.semicolon,
        )

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        return _without_type_parameters(updated)

    def leave_ClassDef(
        self, original: cst.ClassDef, updated: cst.ClassDef
    ) -> cst.ClassDef:
        return _without_type_parameters(updated)

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        kind = updated.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            return updated.with_changes(
                type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]),
                whitespace_after_except=cst.SimpleWhitespace(" "),
            )
        return updated

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.BaseExpression:
        code = self._module.code_for_node(original)
        try:
            ast.parse(f"(\n{code}\n)", mode="eval")
            return updated  # the running parser takes it as it is
        except SyntaxError:
            pass
        fields = [
            cst.Element(value=part.expression)
            for part in updated.parts
            if isinstance(part, cst.FormattedStringExpression)
        ]
        breaks = code.count("\n") - sum(
            self._module.code_for_node(element.value).count("\n") for element in fields
        )
        padding = (
            cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(),
                empty_lines=[cst.EmptyLine(indent=False)] * max(breaks - 1, 0),
                indent=False,
            )
            if breaks > 0
            else cst.SimpleWhitespace("")
        )
        value: cst.BaseExpression = (
            cst.Tuple(elements=fields, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            if fields
            else cst.SimpleString('""')
        )
        return value.with_changes(
            lpar=[cst.LeftParen(whitespace_after=padding)], rpar=[cst.RightParen()]
        )
