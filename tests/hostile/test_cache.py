"""The lint cache is data, not code, and never serves a verdict the project has outgrown."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from harness.lint.cache import RECORDS_FILE, VERDICTS_FILE, RecordCache
from harness.lint.records import read_record

from .helpers import run, write

SERVICE = "from confluent_kafka import DeserializingConsumer\n"
PHANTOM_TEST = (
    "from unittest.mock import patch\n\nimport svc\n\n\n"
    "def test_poll():\n    with patch('kafka.KafkaConsumer'):\n        pass\n"
)
ENV_SERVICE = "import os\n\nHOST = os.environ['HOST']\n"
IMPORTING_TEST = "import svc\n\n\ndef test_host():\n    assert svc.HOST\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    write(root, {"pyproject.toml": "[project]\nname = 'example'\n"})
    monkeypatch.chdir(root)
    return root


def lint(capsys, *args: str) -> tuple[int, str, str]:
    return run(capsys, "lint", "--jobs", "1", *args)


class _Payload:
    """Unpickling this writes the marker file: what a crafted cache would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def test_a_crafted_pickle_cache_is_never_loaded(project: Path, tmp_path: Path, capsys) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    marker = tmp_path / "ran.txt"
    cache = project / ".harness_cache"
    cache.mkdir()
    for name in ("verdicts-3.pickle", "records-3.pickle"):
        (cache / name).write_bytes(pickle.dumps({"version": "x", "data": _Payload(marker)}))

    code, out, _ = lint(capsys, "tests")

    assert not marker.exists()
    assert code == 1 and "LH101" in out
    assert (cache / VERDICTS_FILE).is_file()


def test_a_committed_or_copied_cache_is_ignored_and_rewritten(project: Path, capsys) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "tests")[0] == 1
    cache = project / ".harness_cache" / VERDICTS_FILE
    stored = json.loads(cache.read_text())
    # Claim the test file is clean, keeping everything else as it was (even the file identity
    # field): a repository committing this file gets it checked out with another inode.
    for entry in stored["entries"].values():
        entry[2] = []
    crafted = cache.with_name("crafted")
    crafted.write_text(json.dumps(stored))
    os.replace(crafted, cache)

    code, out, _ = lint(capsys, "tests")

    assert code == 1 and "LH101" in out
    rewritten = json.loads(cache.read_text())
    assert any(entry[2] for entry in rewritten["entries"].values())


@pytest.mark.parametrize(
    "content",
    [b"", b"\x80\x81 not json", b"[" * 100_000, b'{"format": 4}', b"null",
     b'{"format": 4, "key": "k", "file": [], "entries": [], "dep_sets": {}}'],
    ids=["empty", "binary", "deep", "partial", "null", "wrong-types"],
)
def test_a_malformed_cache_is_ignored_and_rewritten(
    project: Path, capsys, content: bytes
) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    cache = project / ".harness_cache" / VERDICTS_FILE
    cache.parent.mkdir()
    cache.write_bytes(content)

    code, out, err = lint(capsys, "tests")

    assert code == 1 and "LH101" in out and "Traceback" not in err
    assert json.loads(cache.read_text())["format"] == 4


def test_a_stored_entry_of_the_wrong_shape_is_a_miss(project: Path, capsys) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "tests")[0] == 1
    cache = project / ".harness_cache" / VERDICTS_FILE
    stored = json.loads(cache.read_text())
    for entry in stored["entries"].values():
        entry[2] = [[1, 1, "LH101", "\x1b[2Jterminal escape", "", None]]
    # Written in place (same inode): only the shape check stands between it and the user.
    with open(cache, "r+") as handle:
        handle.truncate(0)
        handle.write(json.dumps(stored))

    code, out, _ = lint(capsys, "tests")

    assert code == 1 and "\x1b" not in out and "patches nothing" in out


def test_a_module_under_test_created_after_the_first_run_is_seen(project: Path, capsys) -> None:
    write(project, {"tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "tests")[0] == 0  # no svc.py: nothing to judge the patch against
    write(project, {"svc.py": SERVICE})

    code, out, _ = lint(capsys, "tests")

    assert code == 1 and "LH101" in out


def test_a_no_cache_run_leaves_no_stale_cache_behind(project: Path, capsys) -> None:
    write(project, {"tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "tests")[0] == 0
    write(project, {"svc.py": SERVICE})
    assert lint(capsys, "--no-cache", "tests")[0] == 1

    code, out, _ = lint(capsys, "tests")

    assert code == 1 and "LH101" in out


def test_a_no_cache_run_replaces_an_existing_cache_and_creates_none(
    project: Path, capsys
) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "--no-cache", "tests")[0] == 1
    assert not (project / ".harness_cache").exists()
    assert lint(capsys, "tests")[0] == 1
    cache = project / ".harness_cache" / VERDICTS_FILE
    cache.write_text("stale")

    assert lint(capsys, "--no-cache", "tests")[0] == 1

    assert json.loads(cache.read_text())["format"] == 4


def test_adding_a_conftest_that_sets_the_variable_drops_the_old_lh301(
    project: Path, capsys
) -> None:
    write(project, {"svc.py": ENV_SERVICE, "tests/test_svc.py": IMPORTING_TEST})
    code, out, _ = lint(capsys, "tests")
    assert code == 1 and "LH301" in out
    write(project, {"tests/conftest.py": "import os\n\nos.environ['HOST'] = 'db.invalid'\n"})

    code, out, _ = lint(capsys, "tests")

    assert code == 0 and "LH301" not in out


def test_a_cache_path_that_is_a_folder_leaves_no_temporary_files(
    project: Path, capsys
) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    (project / ".harness_cache" / VERDICTS_FILE).mkdir(parents=True)

    for _ in range(2):
        assert lint(capsys, "tests")[0] == 1

    left = sorted(p.name for p in (project / ".harness_cache").iterdir())
    assert left == [".gitignore", RECORDS_FILE, VERDICTS_FILE]


def test_a_cache_folder_linked_outside_the_project_is_not_written(
    project: Path, tmp_path: Path, capsys
) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / ".harness_cache").symlink_to(outside)

    assert lint(capsys, "tests")[0] == 1

    assert list(outside.iterdir()) == []


def test_a_cache_folder_given_on_the_command_line_may_be_anywhere(
    project: Path, tmp_path: Path, capsys
) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    elsewhere = tmp_path / "elsewhere"

    assert lint(capsys, "--cache-dir", str(elsewhere), "tests")[0] == 1

    assert (elsewhere / VERDICTS_FILE).is_file()
    assert not (project / ".harness_cache").exists()


@pytest.mark.timeout(60)
def test_a_configured_root_outside_the_project_is_not_walked_whole(project: Path, capsys) -> None:
    # pytest's pythonpath may name any folder; listing `/` for the cache key would take minutes.
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST,
                    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["/", "."]\n'})

    for _ in range(2):
        code, out, _ = lint(capsys, "tests")
        assert code == 1 and "LH101" in out


def test_records_come_back_from_the_cache_as_they_were_read(tmp_path: Path) -> None:
    """Every analysis table of the project's own services and tests survives the round trip."""
    here = Path(__file__).resolve().parents[2]
    paths = sorted([*here.glob("legacy_services/*/*.py"), *here.glob("tests/lint/broken/*/*.py"),
                    *here.glob("tests/services/*.py"), *here.glob("harness/lint/*.py")])
    records = [read_record(str(p), 4 * 1024 * 1024) for p in paths]
    assert sum(r.setup is not None for r in records) > 10
    writing = RecordCache(str(tmp_path), "key")
    for record in records:
        writing.keep(record)
    writing.save()

    reading = RecordCache(str(tmp_path), "key")

    for record in records:
        assert reading.record(record.path, record.digest) == record, record.path


def test_a_record_of_the_wrong_shape_is_a_miss_and_rewritten(project: Path, capsys) -> None:
    write(project, {"svc.py": SERVICE, "tests/test_svc.py": PHANTOM_TEST})
    assert lint(capsys, "tests")[0] == 1
    records = project / ".harness_cache" / RECORDS_FILE
    stored = json.loads(records.read_text())
    for entry in stored["entries"].values():
        entry[1] = [["not", "facts"], 5]
    with open(records, "r+") as handle:  # in place: only the type checks stand in the way
        handle.truncate(0)
        handle.write(json.dumps(stored))
    (project / "svc.py").write_text(SERVICE + "\n")  # the verdict must be judged again

    code, out, _ = lint(capsys, "tests")

    assert code == 1 and "LH101" in out
    assert all(entry[1] != [["not", "facts"], 5]
               for entry in json.loads(records.read_text())["entries"].values())
