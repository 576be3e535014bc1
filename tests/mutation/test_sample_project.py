"""A project nobody configured for us: `harness init` -> `harness mutants`, whole and in shards.

tests/mutation/fixtures/sample is a small package of our own (`billing`, whose MongoDB client is
built at import) with a plugin suite and nothing in its pyproject.toml about the harness. `harness
init` writes its tables, `harness mutants` runs from them alone; three shards merged give the
same verdict for every mutant and the same reports, timings apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.mutation.report import without_timings

from .conftest import child_env, copy_project

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
MODULE = "billing/invoices.py"

# What the sample's three tests leave alive (original -> mutated, stripped).
SURVIVORS = {
    (
        'client = MongoClient(os.environ.get("BILLING_MONGO_URL", "mongodb://billing-db:27017"))',
        'client = MongoClient(os.environ.get("XXBILLING_MONGO_URLXX", "mongodb://billing-db:27017"))',
    ),
    ("if amount < 0:", "if amount <= 0:"),
    ("if amount < 0:", "if amount < 1:"),
    (
        'raise ValueError("a negative amount")',
        'raise ValueError("XXa negative amountXX")',
    ),
    ("return round(amount * (1 + vat), 2)", "return round(amount * (1 + vat), 3)"),
}


def harness(*args: str, cwd: Path) -> subprocess.Popen[str]:
    # TMPDIR left as it is: the warm runner's socket lives there, and a socket path may not be
    # longer than 107 bytes (pytest's tmp_path can be).
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=cwd,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(run: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    with run:  # pipes closed and the process reaped, even when it times out
        try:
            out, err = run.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            run.kill()
            raise
    return run.returncode, out, err


@pytest.mark.timeout(600)
def test_init_then_mutants_then_three_shards_merged_give_the_same_reports(
    tmp_path: Path, elements_schema: dict[str, Any], child_session_options: tuple[str, ...]
) -> None:
    project = copy_project(SAMPLE, tmp_path / "sample", child_session_options)
    assert "harness" not in (project / "pyproject.toml").read_text()

    code, _, err = finish(harness("init", MODULE, "--write", cwd=project))
    assert code == 0, err
    assert (
        "[tool.harness.mutants.targets.invoices]"
        in (project / "pyproject.toml").read_text()
    )

    common = ("--verify", "0", "--jobs", "1", "--no-cache")
    whole = harness(
        "mutants", *common, "--reports", str(tmp_path / "whole"), cwd=project
    )
    shards = [
        harness(
            "mutants",
            *common,
            "--shard",
            f"{k}/3",
            "--output",
            str(tmp_path / f"part-{k}.json"),
            cwd=project,
        )
        for k in (1, 2, 3)
    ]
    finished = [finish(run) for run in (whole, *shards)]  # every process waited for
    code, _, err = finished[0]
    # Survivors in the gating suite: exit 1, and the reports written all the same.
    assert code == 1, err
    assert "invoices/tests: done" in err
    assert "warm runner unavailable" not in err
    for code, _, err in finished[1:]:
        assert code == 0, err

    data = json.loads((tmp_path / "whole" / "mutation.json").read_text())
    (service,) = data["services"]
    suite = service["suites"]["tests"]
    assert service["files"] == [MODULE]
    assert (suite["tests"], suite["mutants"], suite["killed"], suite["skipped"]) == (
        3,
        18,
        13,
        0,
    )
    assert {(m["original"], m["mutated"]) for m in suite["survivors"]} == SURVIVORS
    elements = json.loads(
        (tmp_path / "whole" / "mutation-elements" / "tests.json").read_text()
    )
    jsonschema.Draft7Validator(elements_schema).validate(elements)
    statuses = [m["status"] for m in elements["files"][MODULE]["mutants"]]
    assert (statuses.count("Killed"), statuses.count("Survived")) == (13, 5)

    parts = [json.loads((tmp_path / f"part-{k}.json").read_text()) for k in (1, 2, 3)]
    sizes = [len(p["targets"][0]["suites"][0]["mutants"]) for p in parts]
    assert (
        sum(sizes) == 18 and min(sizes) >= 3
    )  # every mutant once, spread over the three

    code, _, err = finish(
        harness(
            "mutants", "merge", *(str(tmp_path / f"part-{k}.json") for k in (3, 1, 2)),
            "--no-cache", "--reports", str(tmp_path / "merged"),
            cwd=project,
        )
    )  # fmt: skip
    assert code == 1, err  # the same survivors, the same verdict
    for name in (
        "mutation.json",
        "mutation.md",
        "mutation.html",
        "mutation-elements/tests.json",
    ):
        merged = (tmp_path / "merged" / name).read_text()
        single = (tmp_path / "whole" / name).read_text()
        assert without_timings(merged) == without_timings(single), name
