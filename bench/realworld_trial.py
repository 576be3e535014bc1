"""Try the plugin on public legacy services, as a new user would, and print the README's table.

Each trial is a throwaway project outside this repository (under --work, /tmp by default): the
service's repository exported at a pinned commit into `repo/`, a `pyproject.toml` holding only
`[tool.harness.services.svc] path = "repo/<module>"`, and one generated test that loads the
module, GETs every route of each Flask app it holds that takes no parameters, and runs each
thread the import recorded inline (2 s, 5 iterations at most). A trial passes ("loads and
tests") when the load succeeds and no route answers 5xx. Nothing of the services is kept here.

    .venv/bin/python bench/realworld_trial.py --sources DIR    # DIR/<owner>+<name>: a clone of each
    .venv/bin/python bench/realworld_trial.py --only halflife  # trials whose repository matches

Without --sources each repository is cloned from GitHub into the work folder. A trial with
`requirements` also gets a throwaway virtualenv in the work folder with the service's own
requirements and this checkout installed (the package index must be reachable); the others run
with this checkout's interpreter. The pytest run of each trial happens in a network namespace
of its own, with loopback only, when `unshare` is available (we never let fetched code reach
the network).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Trial:
    repo: str  # owner/name on GitHub
    commit: str
    module: str  # path of the service's module in the repository
    does: str  # what it does at import (for the table)
    requirements: str = ""  # the service's own requirements file, installed in a throwaway venv


TRIALS = (
    Trial("zerbinidamata/MLStudyGroup", "be11c90", "bot_ml_studygroup/app.py",
          "`MongoClient(os.environ[...])`"),
    Trial("MatthewJA/ncssburgerbot", "fb5ab53", "server.py",
          "imports flaskapp.py: `MongoClient(os.environ.get(\"MONGODB_URI\"))`, `get_default_database()`"),
    Trial("stanstaton/flask-python-tutorial", "982ae35", "app.py",
          "a blueprint imports models/index.py, which builds a `MongoClient` (two imports down)"),
    Trial("milhcbt/microservice-training", "81a56c3", "demo10/hello/hello.py",
          "kafka-python `KafkaProducer`"),
    Trial("chrisvugrinec/azure-openshift-pythonflaskapp", "32f4a55", "app.py",
          "`Redis(host=os.environ[\"REDIS_HOST\"])`"),
    Trial("Om801022/DevOps", "02ed511", "app.py",
          "`redis.Redis(host=os.getenv(\"REDIS_HOST\", ...))`"),
    Trial("abhayalekal74/halflife-regression", "e110184", "consumer/app/__init__.py",
          "package `__init__` service, a `Thread` starting a kafka-python consumer, Cassandra and "
          "Elasticsearch clients in modules it imports; reads `app/*.json` relative to its directory"),
    Trial("danbsilva/queue-orchestrator", "c4a463d", "gateway/main.py",
          "python-decouple settings, Flask extensions (SQLAlchemy, caching), a `Thread` running a "
          "kafka-python consumer", requirements="gateway/requirements.txt"),
    Trial("yooseongc/ambassador-microservice", "364f460", "email/consumer.py",
          "Django setup, then a `while True` confluent-kafka poll loop at module level",
          requirements="email/requirements.txt"),
    Trial("djelacik/surgeopt", "d24a995", "src/consumer/consumer.py",
          "a confluent-kafka `Producer` and Prometheus metrics at module level, a PostgreSQL "
          "writer imported"),
    Trial("karzalSlimane/streaming_project", "8c333bd", "src/dashboard/app.py",
          "a Streamlit page whose body iterates over a kafka-python `KafkaConsumer`"),
    Trial("whiteynoise/netflix_at_home", "9698a12", "nx_metrics/src/app.py",
          "`sentry_sdk.init(...)` and blueprints importing a module-level kafka-python `KafkaProducer`"),
    Trial("thalesapenas/dashboard-1", "9152bdb", "src/server.py",
          "a FastAPI app whose import runs `Base.metadata.create_all()` on a SQLAlchemy engine built "
          "from a hard-coded PostgreSQL URL of a hosted database", requirements="requirements.txt"),
    Trial("chillagundla/task14", "722337c", "app.py",
          "a config package imports Flask, then builds a `boto3.client(\"s3\", region_name=\"u-west-2\")`"),
    Trial("Gidrajke/MLOps_HW2", "e9fc5d9", "app/s3_client.py",
          "`Minio(\"minio:9000\", ...)`, then `bucket_exists`/`make_bucket` at import"),
    Trial("alkc/flask-mongomock-example", "72a3b0d", "app.py",
          "a `MongoDB()` wrapper building a `MongoClient` at import; its Flask app made by a factory"),
    Trial("cy-rae/dhbw-tube-stream", "bc31154", "app/__init__.py",
          "a `Minio` client, a pymemcache `Client` and Flask-SQLAlchemy, all at import"),
    Trial("skippaDaBitFlippa/news-sentiment-tracker", "2bb8316", "news_kafka_consumer.py",
          "a kafka-python consumer loop in `main()`"),
    Trial("pratikrvyas/AWS_Serverless_Solution_Lambda", "117f6d6",
          "task07/src/lambdas/uuid_generator/handler.py",
          "a Lambda handler: `boto3.client(\"s3\")` at import, its helpers in `src/commons` two levels up"),
    Trial("aupire/movie-data-platform", "e8e9f28", "main.py",
          "a Flask app served by waitress, host and port from the environment"),
    Trial("twaslowski/telegram-mood-tracker", "78b8b59", "src/app.py",
          "`src.*` imports from the repository's root, settings from the environment, a Telegram bot"),
    Trial("GovWizely/lambda-contractsfinder", "7b4fdcf", "service.py",
          "a Lambda handler: `boto3.client(\"s3\")` at import, a MechanicalSoup scraper",
          requirements="requirements.txt"),
    Trial("imhireki/ecommerce", "89d5fae", "core/celery.py",
          "Django settings and a Celery app at import, a task defined on it",
          requirements="requirements.txt"),
    Trial("fyndiq/confluent_kafka_helpers", "625b34f", "confluent_kafka_helpers/producer.py",
          "a library: its package `__init__` installs SIGTERM and SIGINT handlers; its `AvroProducer` "
          "subclasses `confluent_kafka.avro`'s, its registry helper wraps `CachedSchemaRegistryClient` "
          "and `MessageSerializer`"),
    Trial("salekd/iot_kafka", "1adad98", "pipeline/mqtt_to_avro.py",
          "an `AvroProducer` at module level, fed by a paho MQTT client's `on_message`"),
    Trial("saabeilin/kafkian", "e0f5107", "kafkian/producer.py",
          "a library: its producer wraps `confluent_kafka.cimpl.Producer`; its Avro serde subclasses "
          "`confluent_kafka.avro`'s `MessageSerializer` and uses its `ContextStringIO`"),
    Trial("gfborges/ddictionary-back-end", "1f09f84", "wsgi.py",
          "`create_app()` at import: Flask-PyMongo's `init_app` (it imports gridfs), boto3 and "
          "Elasticsearch clients, routers imported inside the factory",
          requirements="Pipfile"),
    Trial("department-for-transport-BODS/data-quality-service", "300d51b",
          "src/observation_report/app.py",
          "a Lambda handler: `boto3.client(\"s3\")` at import, bare imports of its layer's modules "
          "(`src/boilerplate`: SQLAlchemy models, pydantic)",
          requirements="src/boilerplate/requirements.txt"),
)

TEST = '''
import json
import os

RESULT = os.environ["HARNESS_TRIAL_RESULT"]


def _flask_apps(module):
    try:
        from flask import Flask
    except ImportError:
        return []
    found = []
    for value in vars(module).values():
        try:
            if type(value) is not type and isinstance(value, Flask):  # request proxies raise
                found.append(value)
        except Exception:
            pass
    return found


def test_loads_and_answers(legacy):
    result = {"loaded": False, "routes": [], "threads": []}
    try:
        module = legacy.load("svc")
    except BaseException as error:
        result["error"] = str(error)
        with open(RESULT, "w") as out:
            json.dump(result, out)
        raise
    result["loaded"] = True
    # The service's own code stubbed as a missing package (a folder imported by a name the
    # harness did not resolve to the project) is a load that tested nothing.
    result["own_stubbed"] = _own_code_stubbed(legacy.report, module)
    apps = _flask_apps(module)
    result["apps"] = len(apps)
    for app in apps:
        client = app.test_client()
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
                result["routes"].append([rule.rule, client.get(rule.rule).status_code])
    for thread in [t for t in legacy.threads if t.at_import and t.runnable]:
        try:
            ended = legacy.threads.run(thread, timeout=2, max_iterations=5).ended
        except BaseException as error:
            ended = type(error).__name__
        result["threads"].append([thread.target_name, ended])
    result["report"] = legacy.report
    with open(RESULT, "w") as out:
        json.dump(result, out)
    assert all(status < 500 for _, status in result["routes"]), result["routes"]
    assert not result["own_stubbed"], result["own_stubbed"]


def _own_code_stubbed(report, module):
    import pathlib
    import re

    stubbed = re.findall(r"note: +(\\S+) is not installed and has no fake: stubbed", report)
    folder = pathlib.Path(module.__file__).resolve().parent
    repo = pathlib.Path("repo").resolve()
    own = []
    while folder == repo or repo in folder.parents:
        own += [n for n in stubbed if (folder / n).is_dir() or (folder / f"{n}.py").is_file()]
        folder = folder.parent
    return sorted(set(own))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, help="folder holding a clone of each repository as owner+name")
    parser.add_argument("--work", type=Path, default=Path("/tmp/harness-trial"))
    parser.add_argument("--only", default="", help="run the trials whose repository contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each trial's pytest output")
    args = parser.parse_args()

    rows = []
    for trial in TRIALS:
        if args.only.lower() not in trial.repo.lower():
            continue
        rows.append((trial, run(trial, args)))
    print()
    print("| repository | commit | module | what it does at import | zero-config result | what it needed |")
    print("|---|---|---|---|---|---|")
    for trial, outcome in rows:
        print(
            f"| {trial.repo} | {trial.commit} | {trial.module} | {trial.does} | "
            f"{outcome['summary']} | {outcome['needed']} |"
        )
    passed = sum(outcome["passed"] for _, outcome in rows)
    if rows:
        print(f"\n{passed} of {len(rows)} load and test with only `path =` ({100 * passed / len(rows):.0f}%)")
    return 0


def run(trial: Trial, args: argparse.Namespace) -> dict:
    slug = trial.repo.replace("/", "+")
    project = args.work / "projects" / slug
    shutil.rmtree(project, ignore_errors=True)
    (project / "repo").mkdir(parents=True)
    export(trial, slug, project / "repo", args)
    (project / "pyproject.toml").write_text(f'[tool.harness.services.svc]\npath = "repo/{trial.module}"\n')
    (project / "test_trial.py").write_text(textwrap.dedent(TEST))
    python, not_installed = interpreter(trial, slug, project / "repo", args)
    result_file = project / "result.json"
    command = [python, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "test_trial.py"]
    if shutil.which("unshare") and shutil.which("ip") and os.geteuid() == 0:
        # Loopback only, and up: the S3 integration serves moto on 127.0.0.1.
        command = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
    env = {**os.environ, "HARNESS_TRIAL_RESULT": str(result_file)}
    completed = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if args.verbose:
        print(completed.stdout[-6000:], completed.stderr[-2000:])
    try:
        result = json.loads(result_file.read_text())
    except (OSError, ValueError):
        result = {"loaded": False, "error": (completed.stdout + completed.stderr).strip()[-400:]}
    passed = completed.returncode == 0 and result.get("loaded", False)
    result["passed"] = passed
    result["not_installed"] = not_installed
    result["summary"] = summary(result)
    needed = f"its requirements ({trial.requirements})" if trial.requirements else "nothing"
    if not_installed:
        needed += f"; not installable here: {', '.join(not_installed)}"
    result["needed"] = needed
    print(f"{trial.repo}: {'PASS' if passed else 'FAIL'}: {result['summary']} [needed: {needed}]", flush=True)
    return result


def summary(result: dict) -> str:
    if not result.get("loaded"):
        first = result.get("error", "").strip().splitlines()
        return "fails: " + (first[0][:300] if first else "no result")
    routes = result.get("routes", [])
    parts = ["loads"]
    if result.get("own_stubbed"):
        parts = [
            "loads, but only with its own code stubbed as missing packages: "
            + ", ".join(f"`{name}`" for name in result["own_stubbed"])
        ]
    if result.get("apps") and not routes:
        parts.append("its Flask app has no route without parameters")
    if routes:
        shown = ", ".join(f"`{rule}` {status}" for rule, status in routes[:6])
        more = f" and {len(routes) - 6} more" if len(routes) > 6 else ""
        parts.append(f"{len(routes)} route(s) without parameters: {shown}{more}")
    for target, ended in result.get("threads", []):
        parts.append(f"thread `{target}` run inline: {ended}")
    return "; ".join(parts)


def export(trial: Trial, slug: str, into: Path, args: argparse.Namespace) -> None:
    """The repository's tree at the trial's commit, written into `into`."""
    source = args.sources / slug if args.sources else args.work / "clones" / slug
    if not source.exists():
        subprocess.run(
            ["git", "clone", "--quiet", "--filter=blob:none", f"https://github.com/{trial.repo}", str(source)],
            check=True,
        )
    # A clone (DIR/.git), a bare one, or either one level down (DIR/repo).
    candidates = (source / ".git", source, source / "repo" / ".git", source / "repo")
    git_dir = next((c for c in candidates if (c / "objects").is_dir()), source)
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", trial.commit],
        check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for entry in filter(None, listing):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind != "blob" or mode == "120000":  # submodules and links: not needed to import
            continue
        content = subprocess.run(
            ["git", f"--git-dir={git_dir}", "cat-file", "blob", blob], capture_output=True, check=False
        )
        if content.returncode != 0:  # a partial clone's missing large file (data, not code)
            continue
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.stdout)


def interpreter(
    trial: Trial, slug: str, repo: Path, args: argparse.Namespace
) -> tuple[str, list[str]]:
    """This checkout's Python, or a throwaway virtualenv with the service's requirements (and
    the requirements that could not be installed there)."""
    if not trial.requirements:
        return sys.executable, []
    venv = args.work / "venvs" / slug
    python = venv / "bin" / "python"
    refused = venv / "not-installed.txt"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    requirements = read_requirements(repo / trial.requirements)
    extras = ",".join(fake_level_extras(requirements))
    this_checkout = [*pip, "-e", f"{ROOT}[{extras}]"]
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        listed = venv / "requirements.txt"  # pip's format (a Pipfile's [packages] too)
        listed.write_text("".join(f"{line}\n" for line in requirements))
        failed = []
        if subprocess.run([*pip, "-r", str(listed)], check=False).returncode:
            # One pin that does not build here (an old C extension) must not cost the others.
            for line in requirements:
                if subprocess.run([*pip, line], capture_output=True, check=False).returncode:
                    failed.append(line)
        subprocess.run(this_checkout, check=True)
        refused.write_text("".join(f"{line}\n" for line in failed))
    elif _installed_from(python) != ROOT / "harness":
        subprocess.run(this_checkout, check=True)  # a venv made by another checkout of the toolkit
    return str(python), refused.read_text().split()


def fake_level_extras(requirements: list[str]) -> list[str]:
    """The toolkit's extras a trial venv gets: those of the fake level, and `s3` only for a
    service requiring a client the S3 integration serves (moto's server brings Flask 3, which
    would replace the Flask a service pinning Flask 2 runs on). Never `wire`: its Werkzeug 3
    would do the same."""
    from harness.extras import extra_for_module
    from harness.integrations import for_package

    extras = ["kafka", "mongo", "http", "redis", "prometheus", "sentry"]
    for line in requirements:
        name = re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0].replace("-", "_").lower()
        if name and for_package(name) is not None and extra_for_module(name) == "s3":
            extras.append("s3")
            break
    return extras


def _installed_from(python: Path) -> Path | None:
    """Where the toolkit that `python` imports lives (None: it imports none)."""
    found = subprocess.run(
        [str(python), "-c", "import harness, pathlib; print(pathlib.Path(harness.__file__).parent)"],
        capture_output=True, text=True, check=False, cwd=python.parent,  # not this checkout's
    )  # fmt: skip
    return Path(found.stdout.strip()) if found.returncode == 0 else None


def read_requirements(path: Path) -> list[str]:
    """The requirement lines of a file pip reads (any BOM-marked encoding, comments dropped), or
    of a Pipfile's `[packages]` (`name = "==1.0"`, `"*"` for any version)."""
    if path.name == "Pipfile":
        import tomllib

        packages = tomllib.loads(path.read_text()).get("packages", {})
        return [
            name + ("" if spec in ("*", "") else spec) if isinstance(spec, str)
            else name + ("" if spec.get("version", "*") == "*" else spec["version"])
            for name, spec in packages.items()
        ]  # fmt: skip
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    lines = (line.split("#", 1)[0].strip() for line in data.decode(encoding).splitlines())
    return [line for line in lines if line and not line.startswith("-")]


if __name__ == "__main__":
    sys.exit(main())
