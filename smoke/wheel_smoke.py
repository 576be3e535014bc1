"""The package as a new user gets it: built, installed outside the checkout, used on a project of its own.

Run by `make test` (so by CI), after the test suite:

1. build the sdist and the wheel from the checkout's files (`python -m build`, in a temp copy, so
   nothing is written into the checkout) and check that both hold the LICENSE, and that the
   wheel holds the templates, the scan schema and `harness/__main__.py`;
2. per Python (this one, and 3.12 / 3.13 when pyenv has them): a fresh virtualenv in a temp dir,
   the bare wheel pinned by requirements.lock (its package count and size are printed), then, on a
   copy of smoke/sample (a legacy-style module with module-level clients and a thread):
   `harness --version`, `python -m harness --version`, `scan`, `init --write` with both templates,
   `lint`; then the wheel's extras `[all]`, and the plugin's pytest run (at `fake` and at `wire`),
   `harness mutants --sample` (on the table `init --write` added) and the raw conftest's;
3. the lower bounds: the wheel resolved against constraints-min.txt (every lower bound of
   pyproject.toml's dependencies and extras), and the repository's plugin, integration, HTTP fake
   and lint tests run on it (`pytest` from the venv: the tests import the installed `harness`, not the checkout's);
4. on Python 3.10, when pyenv has it: pip refuses the wheel, naming the required Python.

Nothing but the package index is reached (pip); the temp dirs are removed at the end, also on
failure. Steps 2 to 4 run side by side (mostly waiting on the index). Options: `--python X.Y`
(repeatable) to choose the Pythons, `--skip-lower-bounds`, `--keep` to keep the temp dir for a
look. Exit 0 when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).resolve().parent / "sample"
LOCK = ROOT / "requirements.lock"
MINIMUM = ROOT / "constraints-min.txt"
PYENV = Path.home() / ".pyenv" / "versions"
OTHER_PYTHONS = ("3.12", "3.13")
TOO_OLD_PYTHON = "3.10"

WHEEL_MUST_HOLD = (
    "harness/__main__.py",
    "harness/py.typed",
    "harness/scaffold/scan_output.schema.json",
    "harness/scaffold/templates/plugin/pyproject.toml.jinja",
    "harness/scaffold/templates/plugin/test_smoke.py.jinja",
    "harness/scaffold/templates/raw/conftest.py.jinja",
    "harness/scaffold/templates/raw/test_smoke.py.jinja",
)
# The repository's own tests run on the lower bounds, and the test tools they need (with the
# lower bounds of the `dev` extra, in constraints-min.txt): the plugin's (Redis, Prometheus and
# Sentry included), the integrations' registry, the HTTP fakes (responses, respx with httpx) and
# the linter's.
LOWER_BOUND_TESTS = ("tests/plugin", "tests/integrations", "tests/fakes/test_http.py", "tests/lint")
TEST_TOOLS = ("pytest-xdist", "pytest-timeout", "hypothesis", "jsonschema")
PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")
# Mutants of the sample's worker the `harness mutants --sample` step tests: a few, so it takes
# seconds beside the warm-up (the suite's intact and coverage runs).
MUTANTS_SAMPLE = 2


class SmokeFailure(Exception):
    """A check failed; the message says which and shows the command's output."""


class Smoke:
    """One line of checks (a build, one Python's install...), its output kept until it ends:
    the lines run side by side, most of their time is spent waiting on the package index."""

    def __init__(self, workdir: Path, title: str) -> None:
        self.workdir = workdir
        self.lines = [f"== {title}"]
        self.passed = 0

    # -- running things ---------------------------------------------------------------------

    def run(
        self,
        what: str,
        command: Sequence[str | Path],
        *,
        cwd: Path,
        expect: Sequence[int] = (0,),
        contains: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ) -> str:
        """Run `command`; its exit code must be in `expect` and its output hold `contains`."""
        started = time.monotonic()
        result = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            env={**_clean_env(), **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = result.stdout + result.stderr
        missing = [text for text in contains if text not in output]
        if result.returncode not in expect or missing:
            raise SmokeFailure(
                f"{what}: exit {result.returncode} (expected {'/'.join(map(str, expect))})"
                + (f", output lacks {missing}" if missing else "")
                + f"\n$ {' '.join(map(str, command))}\n{output.strip()[-4000:]}"
            )
        self.ok(f"{what} ({time.monotonic() - started:.1f} s)")
        return output

    def ok(self, what: str) -> None:
        self.passed += 1
        self.say(f"  ok  {what}")

    def say(self, line: str) -> None:
        self.lines.append(line)

    # -- 1. build ----------------------------------------------------------------------------

    def build(self) -> tuple[Path, Path]:
        source = self.workdir / "source"
        _copy_checkout(source)
        dist = self.workdir / "dist"
        self.run(
            "python -m build (sdist, then the wheel from it)",
            [sys.executable, "-m", "build", "--outdir", dist, source],
            cwd=self.workdir,
        )
        [wheel] = dist.glob("*.whl")
        [sdist] = dist.glob("*.tar.gz")
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
        missing = [f for f in WHEEL_MUST_HOLD if f not in names]
        if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
            missing.append("*.dist-info/licenses/LICENSE")
        if missing:
            raise SmokeFailure(f"{wheel.name} lacks {', '.join(missing)}")
        with tarfile.open(sdist) as archive:
            sdist_names = archive.getnames()
        stem = sdist.name.removesuffix(".tar.gz")
        for required in ("LICENSE", "harness/scaffold/templates/raw/conftest.py.jinja"):
            if f"{stem}/{required}" not in sdist_names:
                raise SmokeFailure(f"{sdist.name} lacks {required}")
        self.ok(f"{wheel.name} and {sdist.name} hold LICENSE, templates and scan schema")
        return wheel, sdist

    # -- 2. a user's install, per Python ---------------------------------------------------------

    def user_install(self, python: Path, version: str, wheel: Path) -> None:
        venv = self.venv(python, f"venv-{version}")
        bin_dir = venv / "bin"
        # One resolution against the index, pinned by the lock, into wheels (sdists built once);
        # both installs then come from there.
        wheelhouse = self.workdir / f"wheelhouse-{version}"
        self.run(
            "pip wheel <wheel>[all] (pinned by requirements.lock)",
            [bin_dir / "python", *PIP, "wheel", "--quiet", "-c", LOCK, "-w", wheelhouse]
            + [f"{wheel}[all]"],
            cwd=self.workdir,
        )
        local = ("--no-index", "--find-links", wheelhouse)
        self.run(
            "pip install <wheel> (bare)",
            [bin_dir / "python", *PIP, "install", "--quiet", *local, wheel],
            cwd=self.workdir,
        )
        count, megabytes, names = _installed(bin_dir / "python")
        self.say(f"      bare install: {count} packages, {megabytes:.0f} MB: {', '.join(names)}")

        project = self.workdir / f"project-{version}"
        shutil.copytree(SAMPLE, project)
        harness = bin_dir / "harness"
        self.run("harness --version", [harness, "--version"], cwd=project, contains=["harness "])
        self.run(
            "python -m harness --version",
            [bin_dir / "python", "-m", "harness", "--version"],
            cwd=project,
            contains=["harness "],
        )
        self.run(
            "harness scan app/worker.py (finds the clients, the env reads and the thread)",
            [harness, "scan", "app/worker.py"],
            cwd=project,
            expect=(1,),
            contains=["pymongo.MongoClient", "MONGO_URL", "threading.Thread"],
        )
        self.run(
            "harness init app/worker.py --write (plugin template: [tool.harness] in pyproject.toml)",
            [harness, "init", "app/worker.py", "--write"],
            cwd=project,
        )
        if "[tool.harness.services.worker]" not in (project / "pyproject.toml").read_text():
            raise SmokeFailure("harness init --write did not add [tool.harness.services.worker]")
        self.run(
            "harness init app/worker.py --template raw --write --dir tests_raw",
            [
                harness,
                "init",
                "app/worker.py",
                "--template",
                "raw",
                "--write",
                "--dir",
                "tests_raw",
            ],
            cwd=project,
        )
        self.run("harness lint (the sample's tests: clean)", [harness, "lint"], cwd=project)

        pytest = [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        self.run(
            "pytest tests on the bare install: one line naming the extra to add",
            [*pytest, "tests", "-x"],
            cwd=project,
            expect=(1,),
            contains=["the harness needs mongomock, which is not installed: pip install"],
        )
        self.run(
            "pip install <wheel>[all]",
            [bin_dir / "python", *PIP, "install", "--quiet", *local, f"{wheel}[all]"],
            cwd=self.workdir,
        )
        self.run(
            "pytest tests (the plugin, fake level)",
            [*pytest, "tests"],
            cwd=project,
            contains=["6 passed"],
        )
        self.run(
            "pytest tests --harness-fidelity=wire (the plugin, wire level)",
            [*pytest, "tests", "--harness-fidelity=wire"],
            cwd=project,
            contains=["passed"],
        )
        # [tool.harness.mutants] is the table `init --write` added above, as a user would have it.
        self.run(
            f"harness mutants --sample {MUTANTS_SAMPLE} (mutmut 2.5.1 through the fast runner, "
            "verdicts checked with plain mutmut)",
            [harness, "mutants", "--sample", MUTANTS_SAMPLE, "--verify", "1", "--no-cache"],
            cwd=project,
            contains=[f"worker/tests: {MUTANTS_SAMPLE}/{MUTANTS_SAMPLE} killed", "reports:"],
        )
        report = json.loads((project / "reports" / "mutation.json").read_text())
        if report.get("sample") != MUTANTS_SAMPLE:
            raise SmokeFailure(f"reports/mutation.json: sample is {report.get('sample')!r}")
        self.run(
            "pytest tests_raw (the generated raw conftest)",
            [*pytest, "tests_raw"],
            cwd=project,
            contains=["2 passed"],
        )
        self.run(
            "pytest --harness-fidelity=bogus: a usage error",
            [*pytest, "tests", "--harness-fidelity=bogus"],
            cwd=project,
            expect=(4,),
            contains=["expected one of stub, fake, wire"],
        )

    # -- 3. the lower bounds -----------------------------------------------------------------

    def lower_bounds(self, wheel: Path) -> None:
        venv = self.venv(Path(sys.executable), "venv-lower-bounds")
        python = venv / "bin" / "python"
        self.run(
            "pip install -c constraints-min.txt <wheel>[all,services] and the test tools",
            [
                python,
                *PIP,
                "install",
                "--quiet",
                "-c",
                MINIMUM,
                f"{wheel}[all,services]",
                *TEST_TOOLS,
            ],
            cwd=self.workdir,
        )
        pinned = _constraints(MINIMUM)
        installed = _versions(python)
        wrong = {n: (v, installed.get(n)) for n, v in pinned.items() if installed.get(n) != v}
        if wrong:
            raise SmokeFailure(f"not at the lower bound (wanted, got): {wrong}")
        self.ok(f"{len(pinned)} distributions at their lower bound")
        self.run(
            f"pytest {' '.join(LOWER_BOUND_TESTS)} on the lower bounds",
            [
                venv / "bin" / "pytest",
                "-q",
                "-n",
                "2",
                "-p",
                "no:cacheprovider",
                *LOWER_BOUND_TESTS,
            ],
            cwd=ROOT,
            contains=["passed"],
        )

    # -- 4. too old a Python -----------------------------------------------------------------

    def too_old(self, python: Path, wheel: Path) -> None:
        venv = self.venv(python, "venv-too-old")
        self.run(
            f"pip install <wheel> on Python {TOO_OLD_PYTHON}: refused, naming the Python needed",
            [venv / "bin" / "python", *PIP, "install", "--quiet", "--no-deps", wheel],
            cwd=self.workdir,
            expect=(1,),
            contains=["requires a different Python", ">=3.11"],
        )

    def venv(self, python: Path, name: str) -> Path:
        target = self.workdir / name
        subprocess.run([str(python), "-m", "venv", str(target)], check=True, env=_clean_env())
        return target


def _clean_env() -> dict[str, str]:
    """This process's environment without what would leak the checkout or its venv in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("PYTEST_ADDOPTS", None)
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def _copy_checkout(target: Path) -> None:
    """The files git knows of (tracked, or new and not ignored), as they are in the work tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _installed(python: Path) -> tuple[int, float, list[str]]:
    """Distributions in the venv besides pip and setuptools, and site-packages' size in MB."""
    names = sorted(n for n in _versions(python) if n not in ("pip", "setuptools", "wheel"))
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    size = sum(f.stat().st_size for f in Path(site).rglob("*") if f.is_file())
    return len(names), size / 1e6, names


def _versions(python: Path) -> dict[str, str]:
    listed = subprocess.run(
        [str(python), *PIP, "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        env=_clean_env(),
    ).stdout
    return {_normalize(d["name"]): d["version"] for d in json.loads(listed)}


def _constraints(path: Path) -> dict[str, str]:
    pinned = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[_normalize(name)] = version.strip()
    return pinned


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _pyenv_python(version: str) -> Path | None:
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    return found[-1] if found else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", help="X.Y from pyenv (default: 3.12, 3.13)")
    parser.add_argument("--skip-lower-bounds", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and print it")
    args = parser.parse_args(argv)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="harness-wheel-smoke-"))
    passed = failed = 0
    try:
        build = Smoke(workdir, "build")
        try:
            wheel, _ = build.build()
        finally:
            print("\n".join(build.lines), flush=True)
        passed += build.passed
        jobs: list[tuple[Smoke, Callable[[], None]]] = []

        def job(title: str, check: Callable[[Smoke], None]) -> None:
            smoke = Smoke(workdir, title)
            jobs.append((smoke, lambda: check(smoke)))

        this = f"{sys.version_info.major}.{sys.version_info.minor}"
        pythons = {this: Path(sys.executable)}
        for version in args.python or OTHER_PYTHONS:
            python = _pyenv_python(version)
            if python is None:
                print(f"== Python {version}: not installed here (~/.pyenv), skipped")
            else:
                pythons[version] = python
        for version, python in pythons.items():
            job(
                f"Python {version}: the wheel in a fresh venv, on a sample project",
                lambda smoke, p=python, v=version: smoke.user_install(p, v, wheel),
            )
        if not args.skip_lower_bounds:
            job(
                "the lower bounds (constraints-min.txt): the plugin's, integrations' and lint's tests",
                lambda smoke: smoke.lower_bounds(wheel),
            )
        old = _pyenv_python(TOO_OLD_PYTHON)
        if old is not None:
            job(f"Python {TOO_OLD_PYTHON}", lambda smoke: smoke.too_old(old, wheel))
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {pool.submit(run): smoke for smoke, run in jobs}
            for future in as_completed(futures):
                smoke = futures[future]
                try:
                    future.result()
                except SmokeFailure as failure:
                    failed += 1
                    smoke.say(f"FAILED {failure}")
                print("\n".join(smoke.lines), flush=True)
                passed += smoke.passed
    except SmokeFailure as failure:
        failed += 1
        print(f"FAILED {failure}", flush=True)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"wheel smoke took {time.monotonic() - started:.0f} s")
    print(f"smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
