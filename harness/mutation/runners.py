"""The two test commands mutmut can be given (`--runner`): plain, and the warm server's client.

Both run the same pytest options on the same suite and map pytest's exit code the same way:
0 (all passed) lets the mutant survive, anything else kills it. mutmut 2.5.1 itself only
counts exit code 1 as killed, so with a bare `python -m pytest` a mutant that breaks the import
of the service in a conftest (exit 4) or a test module (collection error, exit 2) would be
reported as a survivor, although the suite did notice it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

# Options of every pytest run of a mutation run: stop at the first failure, no assertion
# rewriting (faster imports), no tracebacks (nobody reads them: only the exit code counts), a
# fixed order so both runners see the same tests in the same order, and no cache writes into the
# tree under mutation.
PYTEST_OPTIONS = (
    "-x",
    "--assert=plain",
    "--tb=no",
    "-q",
    "-p",
    "no:randomly",
    "-p",
    "no:cacheprovider",
)

PLAIN_SNIPPET = (
    "import sys, pytest; sys.exit(0 if pytest.main(sys.argv[1:]) == 0 else 1)"
)


def plain_argv(
    suite: Sequence[str], python: str = sys.executable, args: Sequence[str] = ()
) -> list[str]:
    """A fresh pytest run of `suite`, with the suite's own pytest options `args` last."""
    return [python, "-c", PLAIN_SNIPPET, *PYTEST_OPTIONS, *args, *suite]


def plain_command(
    suite: Sequence[str], python: str = sys.executable, args: Sequence[str] = ()
) -> str:
    """mutmut's `--runner` for plain mutmut: a fresh interpreter and pytest per mutant."""
    return shlex.join(plain_argv(suite, python, args))


CLIENT = Path(__file__).with_name("client.py")


def fast_command(
    socket: Path,
    suite: Sequence[str],
    python: str = sys.executable,
    args: Sequence[str] = (),
) -> str:
    """mutmut's `--runner` for the warm server; falls back to the plain command without it."""
    return shlex.join(
        [
            python,
            "-S",
            str(CLIENT),
            "--socket",
            str(socket),
            "--",
            *plain_argv(suite, python, args),
        ]
    )


def server_argv(
    root: Path,
    socket: Path,
    journal: Path,
    files: Sequence[str],
    suite: Sequence[str],
    python: str = sys.executable,
    args: Sequence[str] = (),
    coverage_out: Path | None = None,
) -> list[str]:
    argv = [
        python,
        "-m",
        "harness.mutation.server",
        "--root",
        str(root),
        "--socket",
        str(socket),
        "--journal",
        str(journal),
    ]
    for name in files:
        argv += ["--mutate", name]
    for path in suite:
        argv += ["--suite", path]
    if coverage_out is not None:
        argv += ["--coverage-out", str(coverage_out)]
    return [*argv, "--", *PYTEST_OPTIONS, *args]
