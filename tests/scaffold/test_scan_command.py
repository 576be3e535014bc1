"""`harness scan`: what it prints, the JSON it writes, its exit codes, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from harness.scaffold.scan_format import json_schema

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FIXTURES = HERE / "fixtures"
SCHEMA = json.loads(json_schema())


def test_scan_of_current_lists_clients_thread_env_and_the_tree_to_fake(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    result = harness_cli("scan", "legacy_services/current/current.py")

    assert result.exit_code == 1
    path = re.escape("legacy_services/current/current.py")
    out = result.out
    assert re.search(rf"^{path} \(module current\)$", out, re.M)
    assert re.search(
        rf"^    {path}:\d+: confluent_kafka\.DeserializingConsumer\(\.\.\.\) -> consumer$",
        out,
        re.M,
    )
    assert re.search(
        rf"^    {path}:\d+: threading\.Thread\(\.\.\.\) -> consumer_thread  "
        r"\[target=consume_data; started at line \d+\]$",
        out,
        re.M,
    )
    assert re.search(rf"^    {path}:\d+: KAFKA_PORT +required, used as a port$", out, re.M)
    assert re.search(rf"^    {path}:\d+: KAFKA_GROUP_ID +default 'current-api'", out, re.M)
    # The tree to fake names every submodule the code imports, and why the package is awkward.
    assert (
        "    confluent_kafka (with confluent_kafka.schema_registry, confluent_kafka.schema_registry.avro"
        in out
    )
    assert re.search(
        r"package: installed \(confluent-kafka [\d.]+\); C-backed \(librdkafka: cimpl\)", out
    )
    assert "confluent_kafka.schema_registry.avro needs extra [avro]: installed" in out
    assert re.search(r"^    flask: installed \(Flask [\d.]+\)$", out, re.M)  # imported for real
    assert re.search(
        r"^scanned 1 module: \d+ side effects, 6 environment reads at import, 1 package tree to fake",
        out,
        re.M,
    )
    assert result.err == ""


def test_scan_of_the_three_services_covers_history_and_usage(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    result = harness_cli("scan", "legacy_services")

    assert result.exit_code == 1
    out = result.out
    assert re.search(
        r"^    legacy_services/history/historyAPI\.py:\d+: pymongo\.MongoClient\(\.\.\.\) -> mongo_client$",
        out,
        re.M,
    )
    assert re.search(
        r"^    legacy_services/history/historyAPI\.py:\d+: collection reached from db", out, re.M
    )
    assert re.search(
        r"^    legacy_services/usage/usage\.py:\d+: confluent_kafka\.SerializingProducer\(\.\.\.\) -> kafka_producer$",
        out,
        re.M,
    )
    assert re.search(r"^    legacy_services/usage/usage\.py:\d+: open\(\.\.\.\)$", out, re.M)
    assert re.search(r"^scanned 3 modules: ", out, re.M)


def test_json_output_follows_its_schema_and_agrees_with_the_text(harness_cli, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    result = harness_cli("scan", "--format", "json", "legacy_services", "tests/scaffold/fixtures")

    document = json.loads(result.out)
    jsonschema.validate(document, SCHEMA)
    assert result.exit_code == document["summary"]["exit_code"] == 1
    by_path = {m["path"]: m for m in document["modules"]}
    current = by_path["legacy_services/current/current.py"]
    confluent = next(p for p in current["packages"] if p["root"] == "confluent_kafka")
    assert confluent["must_fake"] and confluent["c_backed"] and confluent["installed"]
    assert {e["submodule"] for e in confluent["extras"]} >= {"confluent_kafka.schema_registry.avro"}
    assert {"name": "KAFKA_IP", "required": True, "use": "host"}.items() <= next(
        e for e in current["env"] if e["name"] == "KAFKA_IP"
    ).items()
    assert document["cycles"][0]["modules"] == ["inventory.db", "inventory.models"]
    assert document["summary"]["modules"] == len(document["modules"])


def test_module_with_no_import_time_effects_is_clean(harness_cli, tmp_path):
    clean = tmp_path / "pure.py"
    clean.write_text("import os\n\n\ndef area(r):\n    return 3.14 * r * r\n")

    result = harness_cli("scan", str(clean))

    assert result.exit_code == 0
    assert "nothing runs at import beyond definitions and imports" in result.out
    assert re.search(r"^scanned 1 module: 0 side effects", result.out, re.M)


def test_unparsable_file_is_one_clear_line_and_the_rest_is_still_reported(harness_cli, tmp_path):
    (tmp_path / "old.py").write_text('print "python 2 lives here"\n')
    (tmp_path / "svc.py").write_text('import os\nHOST = os.environ["SVC_HOST"]\n')
    (tmp_path / "blob.py").write_bytes(b"\x00\x01binary")

    result = harness_cli("scan", str(tmp_path))

    assert result.exit_code == 2
    assert re.search(
        rf"^harness scan: {re.escape(str(tmp_path / 'old.py'))}:1: syntax error", result.err, re.M
    )
    assert re.search(
        rf"^harness scan: {re.escape(str(tmp_path / 'blob.py'))}:1: binary file", result.err, re.M
    )
    assert "Traceback" not in result.err + result.out
    assert re.search(r"svc\.py:2: SVC_HOST +required, used as a host$", result.out, re.M)
    assert "2 files could not be read" in result.out


def test_missing_path_exits_2_with_the_path_named(harness_cli, tmp_path):
    result = harness_cli("scan", str(tmp_path / "nope.py"))

    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.py'}: no such file or directory" in result.err


def test_what_cannot_be_known_statically_is_said_not_guessed(harness_cli, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    result = harness_cli("scan", "telemetry_gateway", "inventory")

    out = result.out
    assert re.search(r"gateway\.py:\d+: star import from settings", out)
    assert re.search(r"tasks\.py:\d+: environment variable with a computed name", out)
    assert re.search(r"tasks\.py:\d+: dynamic import of a computed name", out)
    assert "import cycle inventory.db -> inventory.models -> inventory.db" in out


def test_env_read_through_a_helper_of_another_module_is_resolved(harness_cli, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    result = harness_cli("scan", "telemetry_gateway/gateway.py")

    # `MQTT_HOST = env("MQTT_HOST")`, with `env` imported from helpers.py.
    assert re.search(r"gateway\.py:30: MQTT_HOST ", result.out)
    assert re.search(r"gateway\.py:31: MQTT_PORT +default '1883', used as a port", result.out)


def test_threads_timers_and_processes_are_all_reported(harness_cli, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    out = harness_cli("scan", "inventory/inventory/tasks.py", "telemetry_gateway/gateway.py").out

    assert re.search(
        r"tasks\.py:\d+: multiprocessing\.Process\(\.\.\.\)  \[target=warm_cache; started", out
    )
    assert re.search(r"tasks\.py:\d+: Poller\(\.\.\.\)  \[target=Poller\.run; started", out)
    assert re.search(
        r"tasks\.py:\d+: threading\.Thread\(\.\.\.\)  \[target=sync_forever; started", out
    )
    assert re.search(r"gateway\.py:\d+: threading\.Timer\(\.\.\.\) -> flush_timer", out)
    assert re.search(r"gateway\.py:\d+: while True  \[", out)


def test_help_text_lists_each_exit_code(capsys):
    from harness.cli import main

    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    out = capsys.readouterr().out
    assert re.search(r"^  0  nothing runs at import", out, re.M)
    assert re.search(r"^  1  something does", out, re.M)
    assert re.search(r"^  2  usage error, or an input that could not be read", out, re.M)


def test_scan_never_imports_what_it_reads(harness_cli, tmp_path):
    marker = tmp_path / "imported.txt"
    module = tmp_path / "loud.py"
    module.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")

    result = harness_cli("scan", str(module))

    assert result.exit_code == 1
    assert not marker.exists()


def test_scan_examples_in_the_readme_are_reproducible(harness_cli, monkeypatch):
    """The fixture projects' text output, as the README shows it."""
    monkeypatch.chdir(FIXTURES)
    result = harness_cli("scan", "telemetry_gateway", "inventory")

    expected = (HERE / "expected" / "scan_fixture_projects.txt").read_text()
    assert result.out == expected, (
        "the scan output changed; if the change is intended, regenerate the example with\n"
        "  cd tests/scaffold/fixtures && harness scan telemetry_gateway inventory"
        " > ../expected/scan_fixture_projects.txt"
    )


def test_scan_schema_prints_the_packaged_json_schema_and_exits_0(capsys):
    from harness.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--schema"])

    assert exit_info.value.code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == SCHEMA
    jsonschema.Draft202012Validator.check_schema(printed)


def test_scan_shows_effects_of_imported_project_modules_as_a_chain_of_import_lines(
    harness_cli, monkeypatch
):
    monkeypatch.chdir(REPO_ROOT / "tests/realworld/projects/transitive_producer")

    text = harness_cli("scan", "app.py")
    data = json.loads(harness_cli("scan", "--format", "json", "app.py").out)

    assert text.exit_code == 1
    assert "    app.py:4 -> handlers.py:1 -> messaging.py:6 kafka.KafkaProducer(...)\n" in text.out
    jsonschema.validate(data, SCHEMA)
    (chain,) = data["modules"][0]["chains"]
    assert chain["steps"] == [{"path": "app.py", "line": 4}, {"path": "handlers.py", "line": 1}]
    assert (chain["path"], chain["line"], chain["kind"]) == ("messaging.py", 6, "client")


def test_a_client_built_in_a_project_module_is_followed_into_the_modules_importing_it(
    harness_cli, monkeypatch
):
    # shop/extensions.py builds `db = SQLAlchemy()`, shop/__init__.py re-exports it, create.py
    # does `from shop import app, db` then `db.drop_all(); db.create_all()` at module level.
    monkeypatch.chdir(FIXTURES / "shop_package")

    text = harness_cli("scan", "create.py")
    data = json.loads(harness_cli("scan", "--format", "json", "create.py").out)

    assert text.exit_code == 1
    assert (
        "  clients and connections built at import\n"
        "    create.py:6: db.drop_all(...)  [on the client built as flask_sqlalchemy.SQLAlchemy,"
        " imported from shop]\n"
        "    create.py:7: db.create_all(...)  [on the client built as flask_sqlalchemy.SQLAlchemy,"
        " imported from shop]\n"
    ) in text.out
    assert (
        "    create.py:2 -> shop/__init__.py:6 -> shop/extensions.py:4"
        " flask_sqlalchemy.SQLAlchemy(...)\n"
    ) in text.out
    assert "nothing runs at import" not in text.out
    jsonschema.validate(data, SCHEMA)
    effects = data["modules"][0]["effects"]
    assert [(e["kind"], e["target"], e["line"]) for e in effects] == [
        ("network", "db.drop_all", 6),
        ("network", "db.create_all", 7),
    ]


def test_a_module_whose_only_effects_come_through_its_imports_is_not_called_clean(
    harness_cli, monkeypatch
):
    monkeypatch.chdir(FIXTURES / "shop_package")

    result = harness_cli("scan", "app.py")

    assert result.exit_code == 1
    assert "app.py:2 -> shop/__init__.py:6 -> shop/extensions.py:4" in result.out
    assert "nothing runs at import" not in result.out
    # What the import needs faked, as `harness init` writes it (the plugin fakes it too).
    assert (
        "  to import it offline, fake these package trees\n"
        "    flask_sqlalchemy\n"
        "      why: builds at import SQLAlchemy (shop/extensions.py:4)\n"
    ) in result.out


def test_a_sibling_a_subfolder_module_imports_by_bare_name_is_no_package_to_fake(
    harness_cli, monkeypatch
):
    # metrics/src/core/events.py does `import producer`, found in metrics/src (the directory
    # app.py runs from): for events.py alone it looks like a missing package, not for app.py.
    monkeypatch.chdir(REPO_ROOT / "tests/realworld/projects/subfolder_imports_a_sibling/metrics")

    scan = harness_cli("scan", "src/app.py")
    init = harness_cli("init", "src/app.py")

    assert "not installed" not in scan.out
    assert "    producer\n" not in scan.out
    assert init.exit_code == 0, init.err
    assert "fakes producer" not in init.out and "not installed" not in init.out


def test_names_imported_from_project_modules_that_hold_no_client_stay_quiet(
    harness_cli, tmp_path
):
    (tmp_path / "settings.py").write_text("def load():\n    return {}\n\nCACHE = {}\n")
    (tmp_path / "svc.py").write_text(
        "from settings import CACHE, load\n\nCONFIG = load()\nCACHE.update(CONFIG)\n"
    )

    result = harness_cli("scan", str(tmp_path / "svc.py"))

    assert result.exit_code == 0
    assert "nothing runs at import beyond definitions and imports" in result.out


EXT = """\
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URI"]
db = SQLAlchemy(app)
"""
CREATE = """\
from ext import app, db

with app.app_context():
    db.create_all()
"""


def test_scan_and_the_plugin_report_name_the_same_package_and_client_line(
    pytester: pytest.Pytester, harness_cli, monkeypatch, child_session_options
):
    pytester.makepyfile(ext=EXT, create=CREATE)
    pytester.makepyprojecttoml('[tool.harness.services.create]\npath = "create.py"\n')
    pytester.makepyfile(test_load="def test_load(legacy):\n    legacy.load('create')\n")
    monkeypatch.chdir(pytester.path)

    scan = harness_cli("scan", "ext.py", "create.py").out
    plugin = pytester.runpytest_subprocess("-v", "-p", "no:randomly", *child_session_options)

    plugin.assert_outcomes(passed=1)
    report = plugin.stdout.str()
    # scan: ext.py builds the client at line 8 and must have flask_sqlalchemy faked; create.py
    # connects through it. The plugin: it faked flask_sqlalchemy, and the engine came from ext.py:8.
    assert "    ext.py:8: flask_sqlalchemy.SQLAlchemy(...) -> db\n" in scan
    assert "    flask_sqlalchemy\n      why: builds at import SQLAlchemy (line 8)\n" in scan
    assert "    create.py:4: db.create_all(...)" in scan
    assert "    create.py:1 -> ext.py:8 flask_sqlalchemy.SQLAlchemy(...)\n" in scan
    assert re.search(r"^  faked: .*flask_sqlalchemy \(fake", report, re.M)
    assert re.search(r"^  client: +sqlalchemy\.create_engine built at ext\.py:8:", report, re.M)


def test_scan_follows_the_service_into_its_layer_as_the_plugin_imports_it(
    harness_cli, monkeypatch
):
    # functions/visits/app.py imports `visit_store` by its bare name from layers/common/, a
    # folder its deploy puts on the path: the plugin finds it there, so scan reads it there.
    monkeypatch.chdir(REPO_ROOT / "tests/realworld/projects/lambda_layer_beside_the_function")

    out = harness_cli("scan", "functions/visits/app.py").out

    assert "    layers/common/visit_store.py\n" in out
    assert (
        "    functions/visits/app.py:5 -> layers/common/visit_store.py:14 "
        "redis.Redis.from_url(...)\n" in out
    )
    assert re.search(r"app\.py:5 -> layers/common/visit_store\.py:\d+ threading\.Thread", out)
