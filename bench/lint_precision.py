"""Precision of `harness lint` on real test suites, against a list of findings judged by hand.

Corpus: public test suites that patch a lot (below, each at a pinned commit), checked out under
bench/.corpus/suites/<owner>+<name>/ (gitignored, never committed), plus the pytest, celery and
nova sources of bench/lint_speed.py (bench/.corpus/src/, fetched by that script).  To get a
suite:

    git clone https://github.com/<owner>/<name> bench/.corpus/suites/<owner>+<name>
    git -C bench/.corpus/suites/<owner>+<name> checkout <commit>

The script lints each suite (its own project root; a `pyproject.toml` naming the corpus is
written where the repository has none, so the linter never climbs into this project), counts
the patch targets its tests hold, and compares every finding with bench/lint_precision_judged.tsv
(repo, commit, file:line, rule, true/false, why), a list made by reading the code of each
finding.  It prints precision per rule, every finding nobody has judged yet (judge it, add it
to the list, run again), and the judged findings the linter no longer reports (the list keeps
the false positives earlier versions reported, and why they were false).

Run: .venv/bin/python bench/lint_precision.py [--jobs N]
Goal: precision >= 95% for every rule that fires, on at least 100 findings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITES_DIR = HERE / ".corpus" / "suites"
JUDGED = HERE / "lint_precision_judged.tsv"
VENV_BIN = Path(sys.executable).parent

# (repository, commit): suites chosen because their tests patch a lot (unittest.mock, mocker,
# monkeypatch), from several fields: a message library, a package manager, a CLI, OpenStack
# services, cloud drivers, a Docker client, an ACME client, an automation tool, an SDK, a Kafka
# client.
SUITES = (
    ("celery/kombu", "9ee8595b835c77b4f04cfb54b40b5d446f985a35"),
    ("pypa/pip", "6d309205789d368b2749d93fd6193d584811efd5"),
    ("python-poetry/poetry", "f46702336862f30050d5c641d5ed6f7568ded793"),
    ("openstack/glance", "c76abb08e2bc82582389059dcbbc234293ce13b9"),
    ("apache/libcloud", "6e39117d6f686e2f49b12fc8a24168d13b6e0ada"),
    ("docker/docker-py", "afc6d1ee308e78b908b96a94298c37fa8c465588"),
    ("certbot/certbot", "f769e35e77f1fa21a75cd5418641502dad8a37c5"),
    ("openstack/cinder", "ab09bc39dbcd4d5b301f2f5da8fcfd9e5ef1fe8c"),
    ("ansible/ansible", "c9ac477e53a99e95781f333eec3329a935c1bf95"),
    ("getsentry/sentry-python", "064542dd2cbdbe0b11f1cda7f47d7d2920b0c38b"),
    ("dpkp/kafka-python", "a3b3836ff3a4b34ebaa42fd93500bfcb16c1e9b7"),
)
# The bench/lint_speed.py corpus: source distributions, so no commit; the version stands for it.
SPEED_CORPUS = ("lint_speed", "pytest-9.2.0+celery-5.7.0+nova-34.0.0")


def suite_dir(repo: str) -> Path:
    return SUITES_DIR / repo.replace("/", "+")


def speed_corpus_dir() -> Path | None:
    sys.path.insert(0, str(HERE))
    try:
        import lint_speed
    finally:
        sys.path.pop(0)
    try:
        lint_speed.ensure_corpus()
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"  lint_speed corpus unavailable ({error}); skipped", file=sys.stderr)
        return None
    return lint_speed.SOURCES


def count_patch_targets(root: Path) -> int:
    """Patch targets in the suite's test files and conftests, as the linter reads them."""
    from harness.lint.records import is_test_file, read_record

    total = 0
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(directory, name)
            if name.endswith(".py") and is_test_file(path):
                record = read_record(path, 2_000_000)
                if record.setup is not None:
                    total += sum(1 for p in record.setup.patches if p.how != "assign")
    return total


def lint(root: Path, jobs: int) -> list[dict]:
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text(f"[project]\nname = '{root.name}-corpus'\n")
    completed = subprocess.run(
        [str(VENV_BIN / "harness"), "lint", "--no-cache", "--jobs", str(jobs), "--format",
         "json", "."],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode not in (0, 1):
        # Unreadable files are reported on stderr and do not stop the run: keep the findings.
        print(f"  {root.name}: exit {completed.returncode}; {completed.stderr.strip()[:300]}")
    return json.loads(completed.stdout or "[]")


def load_judged() -> dict[tuple[str, str, str], tuple[bool, str]]:
    judged = {}
    if JUDGED.exists():
        with JUDGED.open(newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                key = (row["repo"], row["location"], row["rule"])
                judged[key] = (row["verdict"].strip().lower() == "true", row["why"])
    return judged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=0, help="processes per lint (0: every core)")
    args = parser.parse_args()
    judged = load_judged()
    corpora = [(repo, commit, suite_dir(repo)) for repo, commit in SUITES]
    speed = speed_corpus_dir()
    if speed is not None:
        corpora.append((*SPEED_CORPUS, speed))

    true_by_rule: Counter[str] = Counter()
    false_by_rule: Counter[str] = Counter()
    unjudged: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    linted: set[str] = set()
    patch_targets = 0
    print(f"{'suite':<24} {'commit':<12} {'patch targets':>13} {'findings':>9}")
    for repo, commit, root in corpora:
        if not root.is_dir():
            print(f"{repo:<24} missing: clone it into {root} at {commit} (see the docstring)")
            continue
        targets = count_patch_targets(root)
        findings = lint(root, args.jobs)
        linted.add(repo)
        patch_targets += targets
        print(f"{repo:<24} {commit[:12]:<12} {targets:>13} {len(findings):>9}", flush=True)
        for finding in findings:
            location = f"{finding['path']}:{finding['line']}"
            seen.add((repo, location, finding["code"]))
            verdict = judged.get((repo, location, finding["code"]))
            if verdict is None:
                unjudged.append(f"  {repo} {location} {finding['code']} {finding['message']}")
            elif verdict[0]:
                true_by_rule[finding["code"]] += 1
            else:
                false_by_rule[finding["code"]] += 1

    print(f"\npatch targets in all: {patch_targets}")
    print(f"{'rule':<6} {'true':>5} {'false':>6} {'precision':>10}")
    for code in sorted(set(true_by_rule) | set(false_by_rule)):
        true, false = true_by_rule[code], false_by_rule[code]
        print(f"{code:<6} {true:>5} {false:>6} {true / (true + false):>10.1%}")
    true, false = sum(true_by_rule.values()), sum(false_by_rule.values())
    if true + false:
        print(f"{'all':<6} {true:>5} {false:>6} {true / (true + false):>10.1%}")
    gone = [key for key in judged if key[0] in linted and key not in seen]
    if gone:
        wrong = sum(1 for key in gone if not judged[key][0])
        print(f"\njudged findings no longer reported: {len(gone)} ({wrong} judged false, "
              f"{len(gone) - wrong} judged true)")
        for key in sorted(gone):
            print(f"  {key[0]} {key[1]} {key[2]} {'true' if judged[key][0] else 'false'}")
    if unjudged:
        print(f"\n{len(unjudged)} finding(s) not judged yet (add them to {JUDGED.name}):")
        print("\n".join(unjudged))
    return 1 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())
