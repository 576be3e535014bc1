"""How fast `harness lint` is on a large real corpus, next to `ast`, libcst and ruff.

Corpus: the source distributions of pytest, celery and nova (pinned below), downloaded from the
package index with `pip download --no-deps --no-binary :all:` into bench/.corpus/ (gitignored)
and unpacked there.  Measured in one run, on the same files:

  ast.parse       every file, one process (the floor of any Python-level analysis)
  libcst          libcst.parse_module of every file, one process (what a pure libcst linter pays)
  ruff            ruff check --select ALL --no-cache (every core)
  harness cold    harness lint with an empty cache (every core)
  harness warm    harness lint again, files unchanged (cache keyed by content and dependencies)

Run: .venv/bin/python bench/lint_speed.py [--skip-libcst]
Goal: harness cold / ruff <= 1.0; harness warm / harness cold <= 0.1.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
ARCHIVES = CORPUS / "sdist"
SOURCES = CORPUS / "src"
PINNED = ("pytest==9.2.0", "celery==5.7.0", "nova==34.0.0")
VENV_BIN = Path(sys.executable).parent


def ensure_corpus() -> None:
    names = {spec.replace("==", "-") for spec in PINNED}
    have = {p.name.removesuffix(".tar.gz") for p in ARCHIVES.glob("*.tar.gz")}
    if not names <= have:
        ARCHIVES.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", "-d", str(ARCHIVES), *PINNED],
            check=True,
        )
    SOURCES.mkdir(parents=True, exist_ok=True)
    for name in sorted(names):
        if not (SOURCES / name).is_dir():
            with tarfile.open(ARCHIVES / f"{name}.tar.gz") as archive:
                archive.extractall(SOURCES, filter="data")
    # The corpus is its own project for the linter (root, cache), not part of this one.
    (SOURCES / "pyproject.toml").write_text("[project]\nname = 'lint-corpus'\n")


def python_files() -> list[Path]:
    files = []
    for directory, dirs, names in os.walk(SOURCES):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(directory, n) for n in sorted(names) if n.endswith(".py"))
    return files


def timed(label: str, action) -> float:
    """Wall time of `action`; the CPU time it used (this process and its children) is printed
    too, because on a shared machine the wall clock also measures the neighbours."""
    start = time.perf_counter()
    cpu_start = _cpu()
    action()
    elapsed = time.perf_counter() - start
    cpu = _cpu() - cpu_start
    CPU[label] = cpu
    print(f"  {label:<14} {elapsed:8.2f} s wall {cpu:8.2f} s cpu", flush=True)
    return elapsed


CPU: dict[str, float] = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def parse_all_with_ast(files: list[Path]) -> None:
    for path in files:
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            pass


def parse_all_with_libcst(files: list[Path]) -> None:
    import libcst

    for path in files:
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:  # noqa: BLE001 - a file libcst cannot parse is skipped, as ruff does
            pass


def run_quiet(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=SOURCES, capture_output=True, text=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-libcst", action="store_true",
                        help="skip the (slow) libcst parse reference")
    options = parser.parse_args()

    ensure_corpus()
    files = python_files()
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {len(files)} Python files, {size / 1e6:.1f} MB, {', '.join(PINNED)}; "
          f"{os.cpu_count()} cores")
    shutil.rmtree(SOURCES / ".harness_cache", ignore_errors=True)

    figures: dict[str, float] = {}
    figures["ast.parse"] = timed("ast.parse", lambda: parse_all_with_ast(files))
    if not options.skip_libcst:
        figures["libcst"] = timed("libcst", lambda: parse_all_with_libcst(files))
    ruff = str(VENV_BIN / "ruff")
    figures["ruff"] = timed(
        "ruff", lambda: run_quiet([ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero",
                                   "--quiet", "."])
    )
    harness = [sys.executable, "-m", "harness.cli", "lint", "--format", "json", "."]
    outcome: dict[str, subprocess.CompletedProcess] = {}

    def lint(key: str) -> None:
        outcome[key] = run_quiet(harness)

    figures["harness cold"] = timed("harness cold", lambda: lint("cold"))
    figures["harness warm"] = timed("harness warm", lambda: lint("warm"))
    for key, result in outcome.items():
        if result.returncode not in (0, 1, 2) or "Traceback" in result.stderr:
            print(f"harness lint ({key}) failed:\n{result.stderr}", file=sys.stderr)
            return 1
    cold, warm = outcome["cold"], outcome["warm"]
    findings = cold.stdout.count('"code":')
    unreadable = sum(1 for line in cold.stderr.splitlines() if ": error: " in line)
    same = cold.stdout == warm.stdout
    print(f"harness lint: {findings} findings, {unreadable} unreadable files; "
          f"warm run output identical: {same}")
    print("ratios:")
    print(f"  harness cold / ruff          {figures['harness cold'] / figures['ruff']:.2f}"
          "   (goal <= 1.0)")
    print(f"  harness warm / harness cold  {figures['harness warm'] / figures['harness cold']:.2f}"
          "   (goal <= 0.1)")
    print(f"  harness cold / ast.parse     {figures['harness cold'] / figures['ast.parse']:.2f}")
    print(f"  cpu: harness cold / ruff     {CPU['harness cold'] / CPU['ruff']:.2f}"
          "   (the same ratio measured in processor time)")
    if "libcst" in figures:
        print(f"  libcst / ast.parse           {figures['libcst'] / figures['ast.parse']:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
