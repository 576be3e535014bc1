"""`harness init`: the rendered conftest and config, --write without clobbering, bad input."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from harness.config import load_config
from harness.scaffold.init_command import GENERATED_END

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CURRENT = "legacy_services/current/current.py"
HISTORY = "legacy_services/history/historyAPI.py"


def test_raw_conftest_is_valid_python_with_the_ordered_steps(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    result = harness_cli("init", CURRENT, "--template", "raw")

    assert result.exit_code == 0
    source = result.out
    compile(source, "conftest.py", "exec")
    assert '"KAFKA_IP": "192.0.2.1",' in source
    assert "\"SCHEMA_REGISTRY_URL\": \"http://192.0.2.1:8081\"," in source
    assert "left to the module's own defaults: KAFKA_GROUP_ID, CURRENT_API_PORT" in source
    assert re.search(
        r'\*\*package_tree\(\s+"confluent_kafka",\s+"confluent_kafka.schema_registry",',
        source,
    )
    assert '"consumer",  # line' in source  # replaced by a fresh mock before each test
    assert '"current_data",  # line' in source  # restored from its snapshot
    steps = [source.index(f"# {n}.") for n in range(1, 5)]
    assert steps == sorted(steps), "fakes, env, threads, import: in this order"
    assert "{{" not in source and "{%" not in source


def test_plugin_section_is_valid_config_for_the_plugin(harness_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO_ROOT)
    result = harness_cli("init", CURRENT)

    assert result.exit_code == 0
    table = tomllib.loads(result.out)
    assert table == {
        "tool": {
            "harness": {
                "services": {"current": {"path": CURRENT}},
                # and what `harness mutants` needs to mutate it (tests/current does not exist)
                "mutants": {
                    "targets": {"current": {"mutate": [CURRENT], "tests": {"tests": ["tests"]}}}
                },
            }
        }
    }
    assert re.search(r"^#   fakes confluent_kafka \(", result.out, re.M)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(result.out.replace(CURRENT, str(REPO_ROOT / CURRENT)))
    assert load_config(pyproject).service("current").path == REPO_ROOT / CURRENT


def test_write_merges_into_pyproject_and_keeps_what_is_there(harness_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO_ROOT)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "svc"  # the service\n\n'
        '[tool.harness.services.current]\npath = "elsewhere/current.py"\n'
        'env = { KAFKA_PORT = "19092" }\n'
    )

    first = harness_cli(
        "init", CURRENT, "--write", "--pyproject", str(pyproject), "--name", "current"
    )
    second = harness_cli(
        "init",
        "legacy_services/usage/usage.py",
        "--write",
        "--pyproject",
        str(pyproject),
    )

    assert first.exit_code == second.exit_code == 0
    assert "kept the existing value of tool.harness.services.current.path" in first.err
    text = pyproject.read_text()
    assert 'name = "svc"  # the service' in text
    document = tomllib.loads(text)
    services = document["tool"]["harness"]["services"]
    assert services["current"] == {
        "path": "elsewhere/current.py",
        "env": {"KAFKA_PORT": "19092"},
    }
    # Relative to the file it is written in, as [tool.harness] paths are.
    usage = (tmp_path / services["usage"]["path"]).resolve()
    assert usage == REPO_ROOT / "legacy_services/usage/usage.py"


def test_write_refuses_to_overwrite_a_conftest(harness_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO_ROOT)
    target = tmp_path / "tests"
    target.mkdir()
    (target / "conftest.py").write_text("# mine\n")

    result = harness_cli(
        "init",
        CURRENT,
        "--template",
        "raw",
        "--write",
        "--dir",
        str(target),
        "--smoke-tests",
    )

    assert result.exit_code == 1
    assert "conftest.py exists and was not overwritten" in result.err
    assert (target / "conftest.py").read_text() == "# mine\n"
    assert not (target / "test_current_smoke.py").exists()


def test_unknown_module_is_a_usage_error(harness_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = harness_cli("init", "no/such/module.py")

    assert result.exit_code == 2
    assert result.err.startswith("harness init: no/such/module.py: no such module file")


def test_dotted_name_is_found_without_importing(harness_cli, monkeypatch):
    monkeypatch.chdir(HERE / "fixtures" / "inventory")
    result = harness_cli("init", "inventory.app", "--template", "raw")

    assert result.exit_code == 0
    assert 'SERVICE_MODULE = "inventory.app"' in result.out
    assert re.search(r"tasks\.py:\d+: environment variable with a computed name", result.out)


def test_unparsable_module_is_a_usage_error_naming_the_line(harness_cli, tmp_path):
    module = tmp_path / "old.py"
    module.write_text("import os\nprint 'hello'\n")

    result = harness_cli("init", str(module))

    assert result.exit_code == 2
    assert re.search(r"old\.py:2: syntax error", result.err)
    assert "Traceback" not in result.err


def test_module_whose_import_never_returns_is_refused(harness_cli, monkeypatch):
    monkeypatch.chdir(HERE / "fixtures")
    result = harness_cli("init", "telemetry_gateway/gateway.py", "--template", "raw")

    assert result.exit_code == 2
    assert (
        "importing it never returns (module-level loop at telemetry_gateway/gateway.py:83)"
        in result.err
    )
    assert result.out == ""


def test_a_module_level_consumer_loop_is_refused_only_for_the_raw_template(harness_cli, tmp_path):
    module = tmp_path / "mailer.py"
    module.write_text(
        "import os\nfrom kafka import KafkaConsumer\n"
        "consumer = KafkaConsumer(os.environ['TOPIC'])\n"
        "while True:\n    batch = consumer.poll(1000)\n"
    )

    raw = harness_cli("init", str(module), "--template", "raw")
    plugin = harness_cli("init", str(module))

    assert raw.exit_code == 2
    assert "module-level consumer loop at" in raw.err and "--template plugin" in raw.err
    assert plugin.exit_code == 0, plugin.err
    assert "[tool.harness.services.mailer]" in plugin.out


def test_smoke_tests_need_routes(harness_cli, tmp_path):
    module = tmp_path / "worker.py"
    module.write_text("import os\nQUEUE = os.environ['QUEUE']\n")

    result = harness_cli("init", str(module), "--template", "raw", "--smoke-tests")

    assert result.exit_code == 2
    assert "no Flask routes found" in result.err


SHOP_ROUTES = """\
ROUTES = [
    ("GET", "/"),  # home(), shop/views.py:10
    ("GET", "/home"),  # home(), shop/views.py:10
    ("GET", "/contact"),  # contact(), shop/views.py:15
    ("POST", "/contact"),  # contact(), shop/views.py:15
    ("GET", "/items/1"),  # /items/<int:item_id>: item(), shop/views.py:22
]
"""


@pytest.mark.parametrize("module", ["app.py", "shop/__init__.py", "shop/views.py"])
def test_smoke_tests_follow_the_app_object_across_the_modules_the_service_imports(
    harness_cli, monkeypatch, module
):
    # The Flask "application package": app.py is `from shop import app`, shop/__init__.py builds
    # the app and ends with `from shop import views`, whose views do `from shop import app`.
    monkeypatch.chdir(HERE / "fixtures" / "shop_package")

    result = harness_cli("init", module, "--smoke-tests")

    assert result.exit_code == 0, result.err
    expected = SHOP_ROUTES
    if module == "shop/views.py":  # the views' own file: their lines need no file name
        expected = re.sub(r"shop/views\.py:(\d+)", r"line \1", SHOP_ROUTES)
    assert expected in result.out
    assert "service.app.test_client()" in result.out
    # Why flask_sqlalchemy is faked, in the file that builds the client, not in the service's.
    assert "builds at import SQLAlchemy (shop/extensions.py:4)" in result.out


def test_routes_of_another_flask_app_the_service_imports_are_not_its_own(harness_cli, tmp_path):
    (tmp_path / "admin.py").write_text(
        "from flask import Flask\nadmin = Flask('admin')\n\n"
        "@admin.route('/users')\ndef users():\n    return 'users'\n"
    )
    (tmp_path / "app.py").write_text(
        "from flask import Flask\nfrom admin import admin\napp = Flask(__name__)\n\n"
        "@app.route('/')\ndef home():\n    return 'home'\n"
    )

    result = harness_cli("init", str(tmp_path / "app.py"), "--smoke-tests")

    assert result.exit_code == 0, result.err
    assert '("GET", "/"),  # home(), line 6' in result.out
    assert "/users" not in result.out


def test_raw_options_name_the_module_pin_env_and_fake_more(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    options = [
        "--module-name",
        "suite_history",
        "--env",
        "RETENTION_DAYS=7",
        "--env",
        "ARCHIVE_SERVICE_URL=http://archive.invalid/",
        "--fake",
        "kafka",
    ]
    result = harness_cli("init", HISTORY, "--template", "raw", *options)

    assert result.exit_code == 0, result.err
    source = result.out
    compile(source, "conftest.py", "exec")
    defaulted = source.split("left to the module's own defaults:")[1].split("\n\n")[0]
    assert 'SERVICE_MODULE = "suite_history"  # private' in source
    # A variable with a default is set once given; one without gets the given value.
    assert re.search(
        r'^    "RETENTION_DAYS": "7",  # historyAPI\.py:\d+: .*given by --env$',
        source,
        re.M,
    )
    assert '    "ARCHIVE_SERVICE_URL": "http://archive.invalid/",\n' in source
    assert "RETENTION_DAYS" not in defaulted and "MONGO_DB" in defaulted
    assert '# kafka: faked on request (--fake)\n        **package_tree("kafka"),' in source
    assert '"KafkaConsumer",  # line' in source  # built from a fake now: fresh before each test
    assert f"`harness init {HISTORY} --template raw {' '.join(options)}`" in source
    assert source.endswith(GENERATED_END + "\n")


def test_unknown_env_or_fake_name_is_a_usage_error(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    env = harness_cli("init", CURRENT, "--template", "raw", "--env", "KAFKA_HOST=x")
    fake = harness_cli("init", CURRENT, "--template", "raw", "--fake", "pymongo")
    plugin = harness_cli("init", CURRENT, "--env", "KAFKA_PORT=1")

    assert (env.exit_code, fake.exit_code, plugin.exit_code) == (2, 2, 2)
    assert env.err.startswith(f"harness init: {CURRENT}: --env KAFKA_HOST: not an environment")
    assert "--fake pymongo: not a third-party package it imports at import time" in fake.err
    assert "--env: only for --template raw" in plugin.err
    assert "Traceback" not in env.err + fake.err + plugin.err


def test_write_rewrites_the_generated_part_and_keeps_the_suites_own(
    harness_cli, monkeypatch, tmp_path
):
    monkeypatch.chdir(REPO_ROOT)
    conftest = tmp_path / "conftest.py"
    args = ("init", CURRENT, "--template", "raw", "--dir", str(tmp_path), "--write")
    assert harness_cli(*args).exit_code == 0
    rendered = conftest.read_text()
    own = "\n\n@pytest.fixture\ndef state(service):\n    return service.current_data\n"
    stale = rendered.replace('"KAFKA_PORT": "9092"', '"KAFKA_PORT": "1"')
    conftest.write_text(stale + own)

    result = harness_cli(*args)

    assert result.exit_code == 0, result.err
    assert "rewrote the generated part of" in result.err
    assert conftest.read_text() == rendered + own
