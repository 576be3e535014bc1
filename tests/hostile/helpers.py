"""Running the CLI in process on a throw-away project, for the hostile-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def errors(err: str) -> list[str]:
    """The one-line errors of a run's stderr."""
    return [line for line in err.splitlines() if ": error: " in line]
