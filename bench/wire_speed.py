"""The services' suites at `wire` against the same suites at `fake`, in one run.

Each level runs in its own pytest process (its whole cost counted: imports, the mock cluster's
start, every group join, the loopback servers), serially, one after the other::

    .venv/bin/python bench/wire_speed.py [pytest args, default: tests/services]

Prints the wall time of each level, its pytest summary line, and the ratio wire/fake (goal <= 3).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(level: str, targets: list[str]) -> tuple[float, str, int]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--harness-fidelity={level}", *targets]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - began
    summary = next((line for line in reversed(done.stdout.splitlines()) if " in " in line and ("passed" in line or "failed" in line)), "?")
    return seconds, summary.strip("= "), done.returncode


def main(argv: list[str]) -> int:
    targets = argv or ["tests/services"]
    results = {level: run(level, targets) for level in ("fake", "wire")}
    for level, (seconds, summary, code) in results.items():
        print(f"{level:5s} {seconds:7.2f} s  exit {code}  {summary}")
    ratio = results["wire"][0] / results["fake"][0]
    print(f"wire/fake: {ratio:.2f}x (goal <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
