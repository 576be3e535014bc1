"""Merging a rendered `[tool.harness]` section into a pyproject.toml without clobbering it.

tomlkit keeps the file's comments, order and formatting; a key that is already there keeps its
value (the user's word wins over a generated default), and only what is missing is added.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError, TOMLKitError


class TomlMergeError(Exception):
    """The target file cannot be read, parsed or written; the message names it."""


def merge_into_file(path: Path, section_text: str) -> tuple[list[str], list[str]]:
    """Merge the TOML `section_text` into `path` (created when absent).

    Returns the dotted keys added and the dotted keys kept because the file already set them
    (to another value). The file is not touched when nothing is added.
    """
    addition = tomlkit.parse(section_text)
    if path.exists():
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8"))
        except ParseError as error:
            raise TomlMergeError(
                f"{path}:{error.line}: not valid TOML ({error}); nothing written"
            ) from None
        except (OSError, UnicodeDecodeError, TOMLKitError) as error:
            raise TomlMergeError(f"{path}: cannot read ({error}); nothing written") from None
    else:
        document = tomlkit.document()
    added: list[str] = []
    kept: list[str] = []
    _merge(document, addition, "", added, kept)
    if added:
        try:
            path.write_text(tomlkit.dumps(document).lstrip("\n"), encoding="utf-8")
        except OSError as error:
            raise TomlMergeError(f"{path}: cannot write ({error.strerror or error})") from None
    return added, kept


def _merge(
    target: MutableMapping[str, Any],
    addition: MutableMapping[str, Any],
    prefix: str,
    added: list[str],
    kept: list[str],
) -> None:
    for key, value in addition.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in target:
            target[key] = value
            added.append(dotted)
        elif isinstance(target[key], MutableMapping) and isinstance(value, MutableMapping):
            _merge(target[key], value, dotted, added, kept)
        elif _plain(target[key]) != _plain(value):
            kept.append(dotted)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value
