"""`harness lint` run in process: exit codes, output formats, --fix/--diff, noqa, config."""

from __future__ import annotations

import json
import re

import pytest

from harness.cli import main

from .examples import write_project

SERVICE = """\
import os
from requests import get
from confluent_kafka import DeserializingConsumer

consumer = DeserializingConsumer({"bootstrap.servers": os.environ.get("KAFKA", "k:1")})


def archive(url):
    return get(url, timeout=5).json()
"""

TEST = """\
from unittest.mock import patch

import svc


def test_archive():
    with patch("requests.get") as get:
        svc.archive("http://archive")


def test_poll():
    with patch("kafka.KafkaConsumer"):
        svc.consumer.poll(1.0)
"""

CLEAN_TEST = """\
from unittest.mock import patch

import svc


def test_archive():
    with patch("svc.get"):
        svc.archive("http://archive")
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_project(tmp_path, {"svc.py": SERVICE, "tests/test_svc.py": TEST})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--no-cache", "--jobs", "1", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_output_is_flake8_style_and_exit_is_one(project, capsys):
    before = (project / "tests/test_svc.py").read_text()
    code, out, err = lint(capsys, "tests")
    assert code == 1
    lines = out.splitlines()
    assert re.fullmatch(
        r"tests/test_svc\.py:7:16: LH102 'requests\.get' is patched where it is defined.*"
        r"\[fix: patch 'svc\.get' \(fixable with --fix\)\]", lines[0])
    assert re.fullmatch(r"tests/test_svc\.py:12:16: LH101 patch target 'kafka\.KafkaConsumer' "
                        r"patches nothing: no module under test imports kafka; svc\.py:3 imports "
                        r"DeserializingConsumer from confluent_kafka \[fix: .*\]", lines[1])
    assert "2 finding(s) in 1 file(s) (1 fixable with --fix)" in err
    assert (project / "tests/test_svc.py").read_text() == before


def test_clean_tree_exits_zero_and_prints_nothing(project, capsys):
    (project / "tests/test_svc.py").write_text(CLEAN_TEST)
    code, out, _ = lint(capsys, "tests")
    assert (code, out) == (0, "")


def test_fix_rewrites_only_the_fixable_target_and_keeps_formatting(project, capsys):
    code, out, err = lint(capsys, "--fix", "tests")
    text = (project / "tests/test_svc.py").read_text()
    assert text == TEST.replace('patch("requests.get")', 'patch("svc.get")')
    assert code == 1  # the phantom target is not fixable and remains
    assert "LH101" in out and "LH102" not in out
    assert "fixed 1 finding(s) in 1 file(s)" in err


def test_diff_prints_the_fix_and_changes_nothing(project, capsys):
    code, out, _ = lint(capsys, "--diff", "tests")
    assert code == 1
    assert '-    with patch("requests.get") as get:' in out
    assert '+    with patch("svc.get") as get:' in out
    assert (project / "tests/test_svc.py").read_text() == TEST


def test_select_ignore_and_noqa(project, capsys):
    assert lint(capsys, "--select", "LH101", "tests")[1].count("\n") == 1
    assert "LH101" not in lint(capsys, "--ignore", "LH1", "tests")[1]
    (project / "tests/test_svc.py").write_text(
        TEST.replace('patch("kafka.KafkaConsumer"):', 'patch("kafka.KafkaConsumer"):  # noqa: LH101')
    )
    code, out, _ = lint(capsys, "tests")
    assert "LH101" not in out and "LH102" in out and code == 1


def test_unknown_code_in_select_is_a_usage_error(project, capsys):
    code, _, err = lint(capsys, "--select", "XYZ1", "tests")
    assert code == 2 and "--select: 'XYZ1' matches no rule" in err


def test_config_section_selects_and_excludes(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.harness.lint]\nignore = ["LH102"]\nexclude = ["tests/skipped"]\n'
    )
    (project / "tests/skipped").mkdir()
    (project / "tests/skipped/test_other.py").write_text(TEST)
    code, out, _ = lint(capsys, "tests")
    assert "LH102" not in out
    assert "skipped" not in out
    assert code == 1
    code, out, _ = lint(capsys, "tests/skipped")  # named explicitly: linted anyway
    assert "tests/skipped/test_other.py" in out


def test_bad_config_key_is_a_usage_error(project, capsys):
    (project / "pyproject.toml").write_text('[tool.harness.lint]\nselekt = ["LH"]\n')
    code, _, err = lint(capsys, "tests")
    assert code == 2 and "unknown key(s) in [tool.harness.lint]: selekt" in err


def test_json_output(project, capsys):
    code, out, _ = lint(capsys, "--format", "json", "tests")
    document = json.loads(out)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in document] == [("LH102", 7, 16),
                                                                       ("LH101", 12, 16)]
    assert document[0]["fix"] == {"line": 7, "column": 16, "old": "requests.get", "new": "svc.get"}


def test_sarif_output_is_2_1_0_with_rules_and_results(project, capsys):
    code, out, _ = lint(capsys, "--format", "sarif", "tests")
    document = json.loads(out)
    assert code == 1 and document["version"] == "2.1.0"
    run = document["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == 10 and rule_ids[0] == "LH101"
    result = run["results"][0]
    assert result["ruleId"] == "LH102" and rule_ids[result["ruleIndex"]] == "LH102"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": 16}
    assert run["invocations"][0]["executionSuccessful"] is True


def test_github_annotations(project, capsys):
    _, out, _ = lint(capsys, "--format", "github", "tests")
    assert out.startswith("::error file=tests/test_svc.py,line=7,col=16,title=LH102::")


def test_explain_prints_docs_and_examples(capsys):
    code, out, _ = lint(capsys, "--explain", "LH101")
    assert code == 0
    assert out.startswith("LH101 phantom-patch-target: ")
    assert "Reported:" in out and "Not reported:" in out and "-> LH101 at tests/test_svc.py:5" in out
    assert lint(capsys, "--explain", "LH999")[0] == 2


def test_fix_and_diff_together_is_a_usage_error(project, capsys):
    code, _, err = lint(capsys, "--fix", "--diff", "tests")
    assert code == 2 and "cannot be combined" in err


def test_cached_second_run_gives_the_same_findings(project, capsys):
    first = main(["lint", "--jobs", "1", "tests"])
    first_out = capsys.readouterr().out
    assert (project / ".harness_cache").is_dir()
    second = main(["lint", "--jobs", "1", "tests"])
    assert (second, capsys.readouterr().out) == (first, first_out)
    # Editing the module under test invalidates the test file's cached verdict.
    (project / "svc.py").write_text(SERVICE.replace("from requests import get", "import requests")
                                    .replace("return get(", "return requests.get("))
    main(["lint", "--jobs", "1", "tests"])
    assert "LH102" not in capsys.readouterr().out


def test_many_files_give_the_same_findings_in_parallel_and_in_one_process(tmp_path):
    from harness.lint.config import load_config
    from harness.lint.engine import LintRun

    files = {"svc.py": SERVICE}
    for number in range(60):  # above the threshold where worker processes are used
        files[f"tests/test_{number:02d}.py"] = TEST if number % 3 == 0 else CLEAN_TEST
    write_project(tmp_path, files)
    config = load_config(str(tmp_path))

    serial = LintRun(config, [str(tmp_path / "tests")], use_cache=False, jobs=1).execute()
    parallel = LintRun(config, [str(tmp_path / "tests")], use_cache=True, jobs=2).execute()
    cached = LintRun(config, [str(tmp_path / "tests")], use_cache=True, jobs=2).execute()

    assert len(serial.findings) == 40  # two in each of the 20 broken files
    assert parallel.findings == serial.findings == cached.findings
    assert sorted(p.name for p in (tmp_path / ".harness_cache").iterdir()) == [
        ".gitignore", "records-4.json", "verdicts-4.json",
    ]


def test_config_option_reads_the_named_file(project, capsys):
    (project / "lint.toml").write_text('[tool.harness.lint]\nselect = ["LH101"]\n')
    code, out, _ = lint(capsys, "--config", "lint.toml", "tests")
    assert code == 1 and "LH101" in out and "LH102" not in out
    code, _, err = lint(capsys, "--config", "missing.toml", "tests")
    assert code == 2 and "missing.toml: no such configuration file" in err
