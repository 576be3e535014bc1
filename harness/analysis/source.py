"""Turning a file into analysable text, with one clear reason when it cannot be done.

Every failure becomes an `AnalysisError` carrying the path and, where it has one, the line: the
linter prints it as one line and carries on with the next file.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize

from harness.analysis.model import AnalysisError

# A Python file larger than this is almost certainly generated data, and parsing it would take
# seconds and hundreds of megabytes; callers may pass their own limit.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an AnalysisError saying why they cannot be had."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise AnalysisError(
                path, 0, f"file is {size:,} bytes, above the {max_bytes:,}-byte limit; skipped"
            )
        with open(path, "rb") as handle:
            return handle.read()
    except AnalysisError:
        raise
    except IsADirectoryError:
        raise AnalysisError(path, 0, "is a directory, not a Python file") from None
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno == 40:  # ELOOP
            reason = "symbolic link loop"
        raise AnalysisError(path, 0, f"cannot read: {reason}") from None


def decode(data: bytes, path: str) -> str:
    """Source text from bytes, honouring a PEP 263 coding cookie and a UTF-8 BOM."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise AnalysisError(path, line, "binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            # An unknown or conflicting coding cookie.
            raise AnalysisError(path, getattr(error, "lineno", None) or 1, str(error)) from None
        encoding = "utf-8"  # undecodable bytes in the first lines: say which, below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise AnalysisError(
            path,
            line,
            f"not valid {encoding} text (byte {data[error.start]:#04x}); "
            "add a coding declaration or re-save the file as UTF-8",
        ) from None
    except LookupError:
        raise AnalysisError(path, 1, f"unknown source encoding {encoding!r}") from None
    return text.removeprefix("\ufeff")


def parse(text: str, path: str) -> ast.Module:
    """The `ast` tree, or an AnalysisError with the line of the syntax error."""
    try:
        return ast.parse(text, filename=path, type_comments=False)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        raise AnalysisError(path, error.lineno or 1, f"syntax error: {message}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        # ValueError: NUL characters that survived decoding; RecursionError/MemoryError: nesting
        # too deep for the parser.  Neither has a useful line.
        raise AnalysisError(path, 1, f"cannot parse: {type(error).__name__}: {error}") from None
