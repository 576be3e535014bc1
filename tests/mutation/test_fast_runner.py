"""The warm runner on a tiny legacy project: the verdicts it gives, and that they match plain mutmut's."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.mutation import runners
from harness.mutation.client import ask
from harness.mutation.config import Suite, Target
from harness.mutation.model import KILLED, SKIPPED, SURVIVED, SUSPICIOUS
from harness.mutation.run import FAST, Job, Options, Progress, run_job

SERVICE = "legacy_services/current/current.py"
SUITE = "tests/baseline/current"


@pytest.fixture
def server(toy_project: Path, tmp_path: Path):
    """A warm server for the toy project's suite; yields (socket path, journal path)."""
    socket_path = tmp_path / "runner.sock"
    journal = tmp_path / "journal.jsonl"
    argv = runners.server_argv(toy_project, socket_path, journal, [SERVICE], [SUITE])
    process = subprocess.Popen(
        argv, cwd=toy_project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        status = json.loads(process.stdout.readline())
        assert status["ready"], status
        assert status["tests"] == 3
        yield socket_path, journal
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def mutate(project: Path, old: str, new: str) -> str:
    path = project / SERVICE
    original = path.read_text()
    assert old in original
    path.write_text(original.replace(old, new, 1))
    return original


def last_entry(journal: Path) -> dict[str, object]:
    return json.loads(journal.read_text().splitlines()[-1])


def test_the_server_kills_runs_or_skips_as_coverage_says(
    toy_project: Path, server: tuple[Path, Path]
) -> None:
    socket_path, journal = server
    path = toy_project / SERVICE
    original = path.read_text()
    cases = [
        # (old, new, expected exit, how the server decided)
        (
            'event["value"] * 2',
            'event["value"] * 3',
            1,
            "tests",
        ),  # covered: only its tests run
        ("while True:", "while False:", 0, "none"),  # the consumer loop no test runs
        ("LIMIT = 10", "LIMIT = 11", 1, "full"),  # module level: the whole suite
        (
            'os.environ["TOY_TOPIC"]',
            'os.environ["XXTOY_TOPICXX"]',
            1,
            "full",
        ),  # the import fails
    ]

    assert ask(str(socket_path)) == 0  # intact: the suite passes
    assert last_entry(journal)["decision"] == "intact"
    for old, new, expected, decision in cases:
        mutate(toy_project, old, new)
        try:
            assert ask(str(socket_path)) == expected, new
        finally:
            path.write_text(original)
        assert last_entry(journal)["decision"] == decision, new

    # A mutant that loops forever: mutmut's timeout kills the client, the server its test run.
    mutate(
        toy_project, '        return "stored"', "        while True:\n            pass"
    )
    client = subprocess.Popen(
        [
            sys.executable,
            "-S",
            str(runners.CLIENT),
            "--socket",
            str(socket_path),
            "--",
            "false",
        ]
    )
    time.sleep(1.5)
    client.kill()
    client.wait()
    path.write_text(original)
    started = time.monotonic()
    assert ask(str(socket_path)) == 0  # free again, not stuck in the endless loop
    assert time.monotonic() - started < 30
    assert last_entry(journal)["decision"] == "intact"
    verdicts = [
        json.loads(line)["verdict"] for line in journal.read_text().splitlines()
    ]
    assert "client gone (timed out)" in verdicts


def test_the_client_runs_the_plain_command_when_no_server_answers(
    tmp_path: Path,
) -> None:
    command = [
        sys.executable,
        "-S",
        str(runners.CLIENT),
        "--socket",
        str(tmp_path / "none.sock"),
        "--",
    ]

    assert (
        subprocess.run(
            [*command, sys.executable, "-c", "raise SystemExit(1)"],
            capture_output=True,
            check=False,
        ).returncode
        == 1
    )
    assert (
        subprocess.run(
            [*command, sys.executable, "-c", "pass"], capture_output=True, check=False
        ).returncode
        == 0
    )


def verdict(status: str) -> str:
    return KILLED if status == SUSPICIOUS else status


@pytest.mark.timeout(300)  # a whole run with plain re-checks: slow on a shared machine
def test_fast_verdicts_equal_plain_verdicts_on_a_sample(toy_project: Path) -> None:
    before = {p: p.read_bytes() for p in toy_project.rglob("*") if p.is_file()}
    suite = Suite("baseline", (SUITE,))
    job = Job(
        Target("current", (SERVICE,), {"baseline": suite}), suite, (SUITE,), (SERVICE,)
    )
    progress = Progress(io.StringIO(), interactive=False)

    result = run_job(toy_project, job, Options(runner=FAST, jobs=1, verify=4), progress)

    assert result.error is None
    assert result.runner == FAST
    assert result.tests == 3
    assert len(job.verification) == 4
    assert {verdict(fast) for _, fast, _ in job.verification} == {KILLED, SURVIVED}
    assert [(i, verdict(fast)) for i, fast, _ in job.verification] == [
        (i, plain) for i, _, plain in job.verification
    ]
    survivors = {
        (m.line.strip(), m.mutated_line.strip())
        for m in result.mutants
        if m.status == SURVIVED
    }
    assert survivors == {
        (
            'if event["value"] > LIMIT:',
            'if event["value"] >= LIMIT:',
        ),  # no test at the boundary
        ("while True:", "while False:"),  # the consumer loop no test runs
    }
    skipped = {m.skip_reason for m in result.mutants if m.status == SKIPPED}
    assert skipped == {"print", "main-guard", "timing"}
    assert all(
        m.diff.startswith("--- legacy_services/current/current.py")
        for m in result.survivors()
    )
    # mutmut worked in a copy: the project is byte for byte what it was.
    assert {p: p.read_bytes() for p in toy_project.rglob("*") if p.is_file()} == before
