"""The baseline suites' conftests are the raw template's output, plus fixtures of their own.

Each `tests/baseline/<service>/conftest.py` is what `harness init --template raw` renders for its
service, up to the generated part's end line, followed by the fixtures its tests name. A template
change that is not rendered into them again fails here, with the command that does it.

This check lives here rather than in tests/baseline: mutation runs execute the baseline suites,
and a rendering that changes with each mutant of a service would count the mutant as killed.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from harness.scaffold.init_command import GENERATED_END, generated_part

REPO_ROOT = Path(__file__).resolve().parents[2]

# service -> the module and the options its conftest is rendered with.
BASELINES = {
    "current": (
        "legacy_services/current/current.py",
        "--module-name",
        "baseline_current",
    ),
    "history": (
        "legacy_services/history/historyAPI.py",
        "--module-name",
        "baseline_history",
        # What the suite's tests assert on: the trailing slash the module strips, the archive
        # timeout, the retention window.
        "--env",
        "ARCHIVE_SERVICE_URL=http://archive.invalid:8080/",
        "--env",
        "ARCHIVE_TIMEOUT_SECONDS=2.5",
        "--env",
        "RETENTION_DAYS=30",
        # kafka-python's KafkaConsumer is only built in the consumer thread; the suite still keeps
        # the library out of reach, as the hand-written suites did.
        "--fake",
        "kafka",
    ),
    "usage": ("legacy_services/usage/usage.py", "--module-name", "baseline_usage"),
}


@pytest.mark.parametrize("service", sorted(BASELINES))
def test_baseline_conftest_is_the_current_render_of_the_raw_template(
    service: str, harness_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    directory = f"tests/baseline/{service}"
    module, *options = BASELINES[service]
    args = ["init", module, "--template", "raw", "--dir", directory, *options]
    regenerate = shlex.join([".venv/bin/harness", *args, "--write"])

    rendered = harness_cli(*args)
    conftest = Path(directory) / "conftest.py"
    generated = generated_part(conftest.read_text(encoding="utf-8"))

    assert rendered.exit_code == 0, rendered.err
    assert generated is not None, (
        f"{conftest}: no line {GENERATED_END!r} ending the generated part; render it again "
        f"with `{regenerate}` after moving the file away, then put the suite's own fixtures below"
    )
    assert generated == rendered.out, (
        f"{conftest}: the generated part is not what the raw template renders now; "
        f"render it again (the fixtures below the line are kept) with: {regenerate}"
    )
