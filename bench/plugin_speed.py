"""How much the pytest plugin costs: its suites against the hand-written baseline, and per test.

Three figures, measured in one run so that machine load affects both sides alike:

1. time per test of the services' plugin suites (tests/services) against the baseline suites
   (tests/baseline, hand-written ordered conftests), from one pytest session over both, with
   setup + call + teardown of every test (so the one-off imports are included); goal: ratio
   at most 1.0 (the plugin's tests, on real fakes, cost no more than hand-written ones on
   MagicMocks);
2. the per-test fresh-state cost of the plugin: resetting the fakes, restoring the module's
   globals, entering and leaving the ordered scope, per service; goal: median under 2 ms;
3. what the isolation costs per test, side by side in one loop: the verified restore (snapshot,
   restore, compare) with everything `harness.restore` covers, the network guard, the log and
   atexit diversions and the process stand-ins, against the snapshot the contract had before
   (`sys.modules`, `os.environ`, paths, `threading`, cwd); goal: at most 0.2 ms per test.

    .venv/bin/python bench/plugin_speed.py [--rounds 3] [--iterations 300]

Prints figures and ratios; asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = {"baseline": "tests/baseline", "plugin": "tests/services"}
SERVICES = ("current", "history", "usage")

# A throwaway pytest plugin: per test, the sum of its setup, call and teardown durations; per
# collected node (directories, modules), the time its collection took. A hand-written conftest
# imports its service while its directory is collected: that time belongs to its suite too.
TIMING_PLUGIN = """
import json, os, time
import pytest

_tests = {}
_collection = {}

def pytest_runtest_logreport(report):
    _tests[report.nodeid] = _tests.get(report.nodeid, 0.0) + report.duration

@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        _collection[collector.nodeid] = _collection.get(collector.nodeid, 0.0) + time.perf_counter() - began

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TIMINGS"], "w") as handle:
        json.dump({"tests": _tests, "collection": _collection}, handle)
"""


def suite_timings(rounds: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Per-test seconds of each suite, pooled over `rounds` sessions that run both suites, and
    each suite's collection seconds per session (conftest and test module imports)."""
    pooled: dict[str, list[float]] = {name: [] for name in SUITES}
    collection: dict[str, float] = {name: 0.0 for name in SUITES}
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "bench_timing.py").write_text(TIMING_PLUGIN)
        out = Path(scratch) / "timings.json"
        env = {**os.environ, "BENCH_TIMINGS": str(out), "PYTHONPATH": scratch}
        for _ in range(rounds):
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "bench_timing",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
                *SUITES.values(),
            ]
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                sys.exit(f"the suites failed; fix them before timing them:\n{done.stdout[-3000:]}")
            timings = json.loads(out.read_text())
            for name, path in SUITES.items():
                pooled[name].extend(
                    t for nodeid, t in timings["tests"].items() if nodeid.startswith(path)
                )
                collection[name] += sum(
                    t for nodeid, t in timings["collection"].items() if nodeid.startswith(path)
                )
    return pooled, {name: seconds / rounds for name, seconds in collection.items()}


def fresh_state_costs(iterations: int) -> dict[str, list[float]]:
    """Seconds of the plugin's per-test work (no test body), per service."""
    sys.path.insert(0, str(ROOT))
    from harness.config import find_config_file
    from harness.session import HarnessSession

    session = HarnessSession(
        config_path=find_config_file(ROOT, None), rootpath=ROOT, fidelity_option=None
    )
    costs: dict[str, list[float]] = {}
    for name in SERVICES:
        loaded, _ = session.load(session.service_config(name))
        samples = []
        for _ in range(iterations):
            began = time.perf_counter()
            session.reset_fakes()
            loaded.fresh()
            with loaded.active():
                pass
            samples.append(time.perf_counter() - began)
        costs[name] = samples
    return costs


def isolation_costs(iterations: int) -> dict[str, list[float]]:
    """Seconds per test of the isolation, measured with the three services loaded: the whole of
    it ("now"), and the snapshot of `sys.modules`, `os.environ`, paths, `threading` and cwd the
    contract took before (rebuilt here, for the comparison only)."""
    import threading

    from harness.guard import NETWORK_GUARD
    from harness.modules import ModulesSnapshot
    from harness.processes import recording_processes
    from harness.restore import ProcessSnapshot, diverting

    def now() -> None:
        snapshot = ProcessSnapshot.take()
        with (
            diverting([]),
            recording_processes(),
            NETWORK_GUARD.scope(on_refusal=lambda refusal: None),
        ):
            pass
        snapshot.restore()
        assert not snapshot.differences()

    def before() -> None:
        modules, environ = ModulesSnapshot.take(), dict(os.environ)
        path, meta_path, attrs, cwd = list(sys.path), list(sys.meta_path), dict(vars(threading)), os.getcwd()
        modules.restore()
        for name, value in environ.items():
            if os.environ.get(name) != value:
                os.environ[name] = value
        assert not modules.differences() and dict(os.environ) == environ
        assert sys.path == path and sys.meta_path == meta_path and os.getcwd() == cwd
        assert all(getattr(threading, k) is v for k, v in attrs.items())

    costs: dict[str, list[float]] = {"now": [], "before": [], "now cpu": [], "before cpu": []}
    for _ in range(iterations):
        for name, work in (("now", now), ("before", before)):
            began, began_cpu = time.perf_counter(), time.thread_time()
            work()
            costs[f"{name} cpu"].append(time.thread_time() - began_cpu)
            costs[name].append(time.perf_counter() - began)
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="pytest sessions over both suites")
    parser.add_argument(
        "--iterations", type=int, default=300, help="fresh-state samples per service"
    )
    args = parser.parse_args()

    timings, collection = suite_timings(args.rounds)
    print(f"time per test, {args.rounds} session(s) running both suites (collection included):")
    per_test = {}
    for name, samples in timings.items():
        count = len(samples) // args.rounds
        total = sum(samples) / args.rounds + collection[name]
        per_test[name] = total / count
        print(
            f"  {name:9} {count:4} tests  {total * 1000:8.1f} ms per session"
            f" (collection {collection[name] * 1000:6.1f} ms)  per test {per_test[name] * 1000:6.2f} ms"
            f"  median test {statistics.median(samples) * 1000:6.2f} ms"
        )
    ratio = per_test["plugin"] / per_test["baseline"]
    print(f"  ratio plugin / baseline, per test: {ratio:.2f}  (goal <= 1.0)")

    print(
        f"\nper-test fresh state (reset fakes, restore globals, enter + leave the scope), {args.iterations} samples:"
    )
    for name, samples in fresh_state_costs(args.iterations).items():
        ordered = sorted(samples)
        p90 = ordered[int(len(ordered) * 0.9)]
        print(
            f"  {name:9} median {statistics.median(samples) * 1000:6.3f} ms"
            f"  p90 {p90 * 1000:6.3f} ms  (goal: median < 2 ms)"
        )

    costs = isolation_costs(args.iterations)
    print(
        f"\nisolation per test (verified restore of everything, guard, diversions), {args.iterations} samples,"
        " against the snapshot the contract took before (modules, environ, paths, threading, cwd):"
    )
    for clock in ("wall", "cpu"):
        suffix = "" if clock == "wall" else " cpu"
        now, before = (statistics.median(costs[k + suffix]) * 1000 for k in ("now", "before"))
        print(
            f"  {clock:4} median: now {now:6.3f} ms  before {before:6.3f} ms  added {now - before:6.3f} ms"
            f"  ratio {now / before:4.2f}  (goal: added <= 0.2 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
