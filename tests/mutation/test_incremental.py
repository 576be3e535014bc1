"""Incremental runs on the toy project: the verdict cache, and `--since REF`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.mutation.command import changed_lines

from .conftest import child_env

SERVICE = "legacy_services/current/current.py"
BEFORE = 'state[event["id"]] = event["value"] * 2'
AFTER = 'state[event["id"]] = 2 * event["value"]'  # the same behaviour: the suite still passes


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def mutants(root: Path, tmp: Path, reports: str, *args: str) -> dict[str, object]:
    # TMPDIR left as it is: the warm runner's socket lives there, and a socket path may not be
    # longer than 107 bytes (pytest's tmp_path can be).
    run = subprocess.run(
        [sys.executable, "-m", "harness.cli", "mutants", "--verify", "0", "--jobs", "1",
         "--reports", str(tmp.parent / reports), *args],
        cwd=root, env=child_env(), capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    data = json.loads((tmp.parent / reports / "mutation.json").read_text())
    return data["services"][0]["suites"]["baseline"] if data["services"] else {}


@pytest.fixture
def repository(toy_project: Path, tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir()
    git(toy_project, "init", "-q")
    git(toy_project, "add", "-A")
    git(toy_project, "commit", "-qm", "toy")
    return toy_project


def test_changed_lines_are_read_from_git(repository: Path) -> None:
    path = repository / SERVICE
    path.write_text(path.read_text().replace(BEFORE, AFTER))
    line = path.read_text().splitlines().index("        " + AFTER) + 1

    assert changed_lines(repository, "HEAD") == {SERVICE: frozenset({line})}


@pytest.mark.timeout(600)
def test_a_change_reruns_its_lines_with_since_and_its_function_with_the_cache(
    repository: Path, tmp_path: Path
) -> None:
    tmp = tmp_path / "tmp"
    first = mutants(repository, tmp, "first")
    assert first["decisions"].get("reused from the verdict cache") is None
    assert (repository / ".harness_cache" / "mutants.json").is_file()

    path = repository / SERVICE
    path.write_text(path.read_text().replace(BEFORE, AFTER))
    git(repository, "commit", "-qam", "a one-line change in handle()")

    since = mutants(repository, tmp, "since", "--since", "HEAD~1", "--no-cache")
    changed = path.read_text().splitlines().index("        " + AFTER) + 1
    located = json.loads(
        (tmp_path / "since" / "mutation-elements" / "baseline.json").read_text()
    )
    lines = {
        m["location"]["start"]["line"] for m in located["files"][SERVICE]["mutants"]
    }
    assert lines == {changed}
    assert 0 < since["mutants"] < first["mutants"] / 3
    assert since["decisions"].get("reused from the verdict cache") is None

    again = mutants(repository, tmp, "again")
    reused = again["decisions"]["reused from the verdict cache"]
    table = (tmp_path / "again" / "mutation.md").read_text()
    kept = {
        scope: int(count)
        for scope, count in re.findall(r"\| current \| `([^`]+)` \| (\d+) \|", table)
    }
    # handle() changed, and so did the module its module-level mutants are keyed by: those ran
    # again; consume()'s survivor, whose function and suite did not change, was reused.
    assert reused == kept["consume"] == 1
    assert again["kept"] - reused == kept["handle"] + kept["module level"]
    assert (again["killed"], again["survived"]) == (first["killed"], first["survived"])
