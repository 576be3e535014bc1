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

`--breakdown` then says where each side's first load goes, from `--rounds` more pairs of
processes per service (medians, line by line) with an import hook and the garbage collector's callbacks (which slow both a little, so
its figures are shares, not the timing above): the time each imported module's own top level
took (the modules it imports and the collections during it left out), grouped as modules both
sides import, modules only the plugin imports (the fakes' libraries, by top-level package), the
harness's own modules, and the cyclic garbage collector; the rest is work outside any import
(the plugin's reading and deciding, the service's own top level).

    .venv/bin/python bench/load_speed.py [--rounds 5] [--breakdown]

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
from typing import Any

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


# Prepended to a side's code by --breakdown: each module's own execution time and the collector's
# time, by name. The hook wraps CPython's private `importlib._bootstrap._load_unlocked`, the one
# step every import of a module's code goes through (a bench may lean on CPython; the toolkit
# does not).
HOOK = """
import gc, importlib._bootstrap as _bootstrap, time as _time
_OWN, _STACK, _GC = {}, [], [0.0, 0.0]
_load = _bootstrap._load_unlocked
def _timed(spec):
    began = _time.perf_counter()
    _STACK.append(0.0)
    try:
        return _load(spec)
    finally:
        inner, spent = _STACK.pop(), _time.perf_counter() - began
        _OWN[spec.name] = _OWN.get(spec.name, 0.0) + spent - inner
        if _STACK:
            _STACK[-1] += spent
_bootstrap._load_unlocked = _timed
def _collected(phase, info):
    if phase == "start":
        _GC[1] = _time.perf_counter()
    else:
        spent = _time.perf_counter() - _GC[1]
        _GC[0] += spent
        if _STACK:
            _STACK[-1] += spent
"""
# Appended: starts the hook's counting where the clock starts, prints what it counted.
HOOK_START = "gc.callbacks.append(_collected); _OWN.clear(); _GC[0] = 0.0"
HOOK_END = """
gc.callbacks.remove(_collected)
print(json.dumps({"own": _OWN, "gc": _GC[0]}))
"""


def _with_hook(code: str, clock_starts: str) -> str:
    """`code` with HOOK counting from the line `clock_starts` on."""
    assert clock_starts in code, clock_starts
    return HOOK + code.replace(clock_starts, f"{HOOK_START}\n{clock_starts}", 1) + HOOK_END


def breakdown(service: str, rounds: int) -> None:
    """Print where each side's first load of `service` goes (see the module docstring): the
    median of `rounds` pairs of hooked processes, line by line."""
    rows: dict[str, tuple[list[float], list[float]]] = {}

    def add(label: str, raw: float, plugin: float) -> None:
        sides = rows.setdefault(label, ([], []))
        sides[0].append(raw)
        sides[1].append(plugin)

    for _ in range(rounds):
        raw = _run(_with_hook(RAW.format(service=service), "began, began_cpu ="))
        plugin = _run(_with_hook(PLUGIN.format(service=service), "began, began_cpu ="))
        shared = set(raw["own"]) & set(plugin["own"])
        groups: dict[str, float] = {}
        for name, spent in plugin["own"].items():
            top = name.partition(".")[0]
            group = (
                "imports both sides make" if name in shared
                else "harness's own modules" if top == "harness"
                else f"plugin only: {top}"
            )  # fmt: skip
            groups[group] = groups.get(group, 0.0) + spent
        add("whole load", raw["first"], plugin["first"])
        add("imports both sides make", sum(raw["own"][n] for n in shared),
            groups.pop("imports both sides make", 0.0))  # fmt: skip
        add("imports only raw makes",
            sum(v for n, v in raw["own"].items() if n not in shared), 0.0)  # fmt: skip
        add("harness's own modules", 0.0, groups.pop("harness's own modules", 0.0))
        add("cyclic garbage collector", raw["gc"], plugin["gc"])
        add("outside imports (deciding, the service body)",
            *(s["first"] - sum(s["own"].values()) - s["gc"] for s in (raw, plugin)))  # fmt: skip
        for label, spent in groups.items():
            add(label, 0.0, spent)
    print(f"\n{service}: where the first load goes (ms, median of {rounds} pairs of hooked "
          "processes, so shares only)")  # fmt: skip
    print(f"  {'':<46} {'raw':>7} {'plugin':>7}")
    medians = {
        # A package only some rounds imported counts 0 in the others.
        label: [statistics.median(side + [0.0] * (rounds - len(side))) * 1000 for side in sides]
        for label, sides in rows.items()
    }
    only = sorted((label for label in medians if label.startswith("plugin only: ")),
                  key=lambda label: -medians[label][1])  # fmt: skip
    for label in [*(label for label in medians if label not in only), *only]:
        r, p = medians[label]
        if label in only and p >= 0.05:
            print(f"  {label[:46]:<46} {'':>7} {p:>7.1f}")
        elif label not in only:
            print(f"  {label[:46]:<46} {r:>7.1f} {p:>7.1f}")


def _run(code: str) -> dict[str, Any]:
    # Bytecode cached as Python does by default (a machine may turn it off with
    # PYTHONDONTWRITEBYTECODE): otherwise the plugin side alone compiles the toolkit every time.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env=env,
    ).stdout  # fmt: skip
    measured: dict[str, Any] = {}
    for line in out.strip().splitlines():  # the figures, then (with --breakdown) the hook's
        measured.update(json.loads(line))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--breakdown", action="store_true",
                        help="then say where each side's first load goes")  # fmt: skip
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
    if args.breakdown:
        for service in SERVICES:
            breakdown(service, args.rounds)


if __name__ == "__main__":
    main()
