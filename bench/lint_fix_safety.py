"""`harness lint --fix` never makes a suite worse: each suite is run before and after the fix.

Suites:
  toy      the project that once broke (tests/lint/test_fix_safety.py): pkg.a defines helper()
           and its run() calls it, pkg.b copied it with `from pkg.a import helper`; one test
           patches pkg.a.helper and calls run() (the patch works: must be left alone), one patches
           it and calls pkg.b.report() (the patch misses: the fix must make it pass)
  kombu    celery/kombu at the commit of bench/lint_precision.py (bench/.corpus/suites/), its
           t/unit tests that the fix touches; it needs an interpreter with kombu's test
           dependencies (pytest, amqp, vine, tzdata, pytest-freezer, hypothesis):
           --kombu-python PATH

Each suite is copied to a temporary folder, its tests run with pytest (per-test outcomes), then
`harness lint --fix` rewrites the copy, and the tests of every rewritten file run again.  "No
worse": every test that passed before passes after.

Run: .venv/bin/python bench/lint_fix_safety.py [--kombu-python /path/to/python]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = Path(sys.executable).parent
KOMBU = HERE / ".corpus" / "suites" / "celery+kombu"
_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)


def outcomes(python: str, root: Path, tests: list[str]) -> dict[str, str]:
    """Test id -> outcome, from a real pytest run of `tests` in `root`."""
    completed = subprocess.run(
        [python, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:randomly",
         *tests],
        cwd=root, capture_output=True, text=True, check=False, timeout=900,
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    found = {test: outcome for outcome, test in _OUTCOME.findall(completed.stdout)}
    if not found:
        print(completed.stdout[-2000:], completed.stderr[-2000:], sep="\n")
    return found


def fix(root: Path, paths: list[str]) -> list[str]:
    """Run `harness lint --fix` on `paths`; the files it rewrote, relative to `root`."""
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    subprocess.run(
        [str(VENV_BIN / "harness"), "lint", "--no-cache", "--fix", *paths],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return sorted(
        str(p.relative_to(root)) for p, data in before.items() if p.read_bytes() != data
    )


def compare(name: str, python: str, root: Path, lint_paths: list[str],
            tests: list[str] | None = None) -> bool:
    changed_first = tests is None
    if changed_first:
        # Which files the fix touches, found on a scratch copy: only their tests are run.
        with tempfile.TemporaryDirectory() as scratch:
            probe = Path(scratch) / "suite"
            shutil.copytree(root, probe, ignore=shutil.ignore_patterns(".git", "__pycache__"))
            tests = fix(probe, lint_paths)
    if not tests:
        print(f"{name}: nothing fixable")
        return True
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "suite"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "__pycache__"))
        before = outcomes(python, copy, tests)
        rewritten = fix(copy, lint_paths)
        after = outcomes(python, copy, tests)
    worse = sorted(t for t, o in before.items() if o == "PASSED" and after.get(t) != "PASSED")
    better = sorted(t for t, o in after.items() if o == "PASSED" and before.get(t) != "PASSED")

    def summary(found: dict[str, str]) -> str:
        counts: dict[str, int] = {}
        for outcome in found.values():
            counts[outcome.lower()] = counts.get(outcome.lower(), 0) + 1
        return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no result"

    print(f"{name}: files rewritten by --fix: {', '.join(rewritten) or 'none'}")
    print(f"  before: {summary(before)}")
    print(f"  after:  {summary(after)}")
    for test in better:
        print(f"  now passes: {test}")
    for test in worse:
        print(f"  BROKEN BY THE FIX: {test}")
    print(f"  {'no worse' if not worse else 'WORSE'}")
    return not worse


def toy() -> bool:
    sys.path.insert(0, str(REPO))
    from tests.lint.examples import write_project
    from tests.lint.test_fix_safety import BROKEN, PKG, WORKING

    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "toy"
        write_project(root, {**PKG, "tests/test_working.py": WORKING,
                             "tests/test_broken.py": BROKEN})
        return compare("toy", sys.executable, root, ["tests"], ["tests"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kombu-python", help="an interpreter with kombu's test dependencies")
    args = parser.parse_args()
    ok = toy()
    if args.kombu_python and KOMBU.is_dir():
        ok = compare("celery/kombu", args.kombu_python, KOMBU, ["t"]) and ok
    else:
        print("celery/kombu: skipped (clone it as bench/lint_precision.py says, and pass "
              "--kombu-python)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
