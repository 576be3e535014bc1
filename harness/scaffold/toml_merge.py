"""Merging a rendered `[tool.harness]` section into a pyproject.toml without clobbering it.

tomlkit keeps the file's comments, order and formatting; a key that is already there keeps its
value (the user's word wins over a generated default), and only what is missing is added.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import InlineTable

from harness.analysis.model import AnalysisError
from harness.analysis.source import read_bytes


class TomlMergeError(Exception):
    """The target file cannot be read, parsed or written; the message names it."""


def merge_into_file(path: Path, section_text: str) -> tuple[list[str], list[str]]:
    """Merge the TOML `section_text` into `path` (created when absent).

    Returns the dotted keys added and the dotted keys kept because the file already set them
    (to another value). The file is not touched when nothing is added, nor when the merge
    cannot be done (a TomlMergeError says why). What is there stays byte for byte: line endings
    (CRLF files get CRLF lines), a UTF-8 BOM, leading blank lines and comments.
    """
    addition = tomlkit.parse(section_text)
    bom = b""
    newline = "\n"
    if path.exists():
        try:
            data = read_bytes(str(path))
            bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
            text = data[len(bom):].decode("utf-8")
            document = tomlkit.parse(text)
        except ParseError as error:
            raise TomlMergeError(
                f"{path}:{error.line}: not valid TOML ({error}); nothing written"
            ) from None
        except AnalysisError as error:
            raise TomlMergeError(f"{error}; nothing written") from None
        except (UnicodeDecodeError, TOMLKitError, RecursionError) as error:
            reason = "nested too deeply" if isinstance(error, RecursionError) else error
            raise TomlMergeError(f"{path}: cannot read ({reason}); nothing written") from None
        if "\r\n" in text:
            newline = "\r\n"
    else:
        document = tomlkit.document()
    added: list[str] = []
    kept: list[str] = []
    _merge(document, addition, "", added, kept, path)
    if added:
        merged = tomlkit.dumps(document)
        if not path.exists():
            merged = merged.lstrip("\n")
        if newline == "\r\n":
            merged = re.sub(r"(?<!\r)\n", "\r\n", merged)  # the lines tomlkit added
        try:
            path.write_bytes(bom + merged.encode("utf-8"))
        except OSError as error:
            raise TomlMergeError(f"{path}: cannot write ({error.strerror or error})") from None
    return added, kept


def _merge(
    target: MutableMapping[str, Any],
    addition: MutableMapping[str, Any],
    prefix: str,
    added: list[str],
    kept: list[str],
    path: Path,
) -> None:
    for key, value in addition.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in target:
            if isinstance(target, InlineTable):
                raise TomlMergeError(
                    f"{path}: {prefix} is an inline table ({prefix} = {{...}}), which cannot "
                    f"hold the [{dotted}] table; nothing written: make {prefix} a [{prefix}] "
                    "table, or add the section printed without --write by hand"
                )
            target[key] = value
            added.append(dotted)
        elif isinstance(target[key], MutableMapping) and isinstance(value, MutableMapping):
            _merge(target[key], value, dotted, added, kept, path)
        elif _plain(target[key]) != _plain(value):
            kept.append(dotted)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value
