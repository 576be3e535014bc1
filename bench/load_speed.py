"""What loading a service costs: the plugin's ordered import against the raw template's import.

For each bundled service, side by side, in fresh processes (alternated, so machine load hits
both alike):

- **raw**: the hand-written ordered import of `tests/baseline/<service>/conftest.py`, rendered
  from the raw template (MagicMock package trees in `sys.modules`, env, thread patch, import by
  path, restore): its `import_service()`;
- **plugin**: `legacy.load(<service>)` without pytest around it: the harness session reads
  `[tool.harness]`, analyses the file, decides and builds the fakes the import asks for
  (in-memory broker, Avro registry, mongomock, `responses`), reads env at run time, records
  threads, imports under the guard and restores.

Both processes import pytest and `unittest.mock` before the clock starts; everything the load
itself imports (Flask, the fakes and the libraries behind them) is counted. A second figure
loads the same service again in the same process with other env values (the fakes already
built), which is what every further service of a session costs. Goal: plugin at most 1.5x raw.
Wall time and the process's CPU time are printed side by side (on a shared machine the CPU
figure moves less).

    .venv/bin/python bench/load_speed.py [--rounds 5]

Prints figures and ratios; asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("current", "history", "usage")

RAW = """
import importlib.util, json, sys, time
import pytest, unittest.mock  # noqa: F401  (both sides have them before the clock starts)
spec = importlib.util.spec_from_file_location("raw_conftest", "tests/baseline/{service}/conftest.py")
conftest = sys.modules["raw_conftest"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conftest)
began, began_cpu = time.perf_counter(), time.process_time()
conftest.import_service()
print(json.dumps({{"first": time.perf_counter() - began, "first_cpu": time.process_time() - began_cpu}}))
"""

PLUGIN = """
import json, sys, time
from pathlib import Path
import pytest, unittest.mock  # noqa: F401
from harness.session import HarnessSession
session = HarnessSession(config_path=Path("pyproject.toml"), rootpath=Path("."), fidelity_option=None)
began, began_cpu = time.perf_counter(), time.process_time()
session.load(session.service_config("{service}"))
first, first_cpu = time.perf_counter() - began, time.process_time() - began_cpu
began = time.perf_counter()
session.load(session.service_config("{service}", env={{"HARNESS_BENCH_VARIANT": "2"}}))
again = time.perf_counter() - began
print(json.dumps({{"first": first, "first_cpu": first_cpu, "again": again}}))
"""


def _run(code: str) -> dict[str, float]:
    # Bytecode cached as Python does by default (a machine may turn it off with
    # PYTHONDONTWRITEBYTECODE): otherwise the plugin side alone compiles the toolkit every time.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env=env,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'service':<9} {'raw (ms)':>9} {'plugin (ms)':>12} {'ratio':>6} {'plugin again (ms)':>18} "
        f"{'ratio':>6}   {'CPU: raw':>9} {'plugin':>7} {'ratio':>6}"
    )
    ratios, cpu_ratios = [], []
    for service in SERVICES:
        raw, plugin, again, raw_cpu, plugin_cpu = [], [], [], [], []
        _run(RAW.format(service=service))  # unmeasured: writes what the rounds read cached
        _run(PLUGIN.format(service=service))
        for _ in range(args.rounds):
            measured = _run(RAW.format(service=service))
            raw.append(measured["first"])
            raw_cpu.append(measured["first_cpu"])
            measured = _run(PLUGIN.format(service=service))
            plugin.append(measured["first"])
            plugin_cpu.append(measured["first_cpu"])
            again.append(measured["again"])
        r, p, a, rc, pc = (
            statistics.median(x) * 1000 for x in (raw, plugin, again, raw_cpu, plugin_cpu)
        )
        ratios.append(p / r)
        cpu_ratios.append(pc / rc)
        print(
            f"{service:<9} {r:>9.1f} {p:>12.1f} {p / r:>6.2f} {a:>18.1f} {a / r:>6.2f}"
            f"   {rc:>9.1f} {pc:>7.1f} {pc / rc:>6.2f}"
        )
    print(f"median of {args.rounds} fresh processes per side (CPU: the process's own time, which"
          f" other work on the machine affects less); goal: plugin/raw <= 1.5 (worst here"
          f" {max(ratios):.2f}, in CPU {max(cpu_ratios):.2f})")


if __name__ == "__main__":
    main()
