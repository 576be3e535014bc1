"""Shared helpers for the `harness scan` / `harness init` tests: the CLI run in-process."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.cli import main


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    out: str
    err: str


@pytest.fixture
def harness_cli(capsys: pytest.CaptureFixture[str]):
    """Run `harness ARGS...` in this process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        exit_code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(exit_code, captured.out, captured.err)

    return run
