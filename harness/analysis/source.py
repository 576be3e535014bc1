"""Turning a file into analysable text, with one clear reason when it cannot be done.

Every failure becomes an `AnalysisError` carrying the path and, where it has one, the line: the
linter prints it as one line and carries on with the next file.
"""

from __future__ import annotations

import ast
import errno
import io
import os
import stat
import tokenize

from harness.analysis.depth import NESTED_TOO_DEEPLY, deeply
from harness.analysis.model import AnalysisError

# A Python file larger than this is almost certainly generated data, and parsing it would take
# seconds and hundreds of megabytes; callers may pass their own limit.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an AnalysisError saying why they cannot be had.

    Only regular files are read (a FIFO would block forever, a device such as /dev/zero never
    ends): the kind is checked before opening, the file is opened without blocking and checked
    again, and at most `max_bytes` + 1 bytes are read, whatever the size the file claims.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise AnalysisError(path, 0, "is a directory, not a Python file")
        if not stat.S_ISREG(info.st_mode):
            raise AnalysisError(path, 0, f"{_kind(info.st_mode)}, not a regular file; not read")
        if info.st_size > max_bytes:
            raise _too_large(path, f"{info.st_size:,} bytes", max_bytes)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped since the check
                raise AnalysisError(path, 0, "not a regular file; not read")
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(path, f"more than {max_bytes:,} bytes", max_bytes)
        return data
    except AnalysisError:
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno == errno.ELOOP:
            reason = "symbolic link loop"
        raise AnalysisError(path, 0, f"cannot read: {reason}") from None


def _too_large(path: str, size: str, max_bytes: int) -> AnalysisError:
    return AnalysisError(path, 0, f"file is {size}, above the {max_bytes:,}-byte limit; skipped")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def link_leaves(path: str, boundary: str) -> bool:
    """Whether `path` goes through a symbolic link that leads outside `boundary`.

    Such a file is not followed: a repository can hold a link to any file of the machine."""
    real = os.path.realpath(path)
    if real == os.path.abspath(path):
        return False  # no link on the way
    real_boundary = os.path.realpath(boundary)
    return real != real_boundary and not real.startswith(real_boundary.rstrip(os.sep) + os.sep)


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
        return deeply(ast.parse, text, filename=path, type_comments=False)
    except SyntaxError as error:
        # Written for a newer Python than this one, perhaps: read it in a form this one parses.
        # Imported here: it loads libcst (about 0.2 s), which reading code this Python parses
        # never needs (the plugin's first service load, `harness scan`).
        from harness.analysis.newer_syntax import downgrade

        older = downgrade(text, error)
        if older is not None:
            try:
                return deeply(ast.parse, older, filename=path, type_comments=False)
            except (SyntaxError, RecursionError, MemoryError, ValueError):
                pass
        message = error.msg or "invalid syntax"
        raise AnalysisError(path, error.lineno or 1, f"syntax error: {message}") from None
    except (RecursionError, MemoryError):
        # Nesting too deep for the parser, even with the room `deeply` gives it; no useful line.
        raise AnalysisError(path, 1, f"cannot parse: {NESTED_TOO_DEEPLY}") from None
    except ValueError as error:  # NUL characters that survived decoding
        raise AnalysisError(path, 1, f"cannot parse: {error}") from None
