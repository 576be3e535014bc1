"""The pieces behind scan and init: package facts, service shape, test values, TOML merging."""

from __future__ import annotations

import ast
import sys
from unittest.mock import MagicMock

from harness.analysis import analyze_source
from harness.analysis.model import EnvRead, EnvUse
from harness.env import value_for_read
from harness.scaffold.packages import package_info
from harness.scaffold.service_shape import service_shape
from harness.scaffold.toml_merge import merge_into_file


def test_confluent_kafka_is_c_backed_and_its_avro_submodule_needs_an_extra():
    info = package_info(
        "confluent_kafka", ["confluent_kafka", "confluent_kafka.schema_registry.avro"]
    )

    assert info.installed and info.c_backed
    assert info.native == "librdkafka"
    assert "cimpl" in info.compiled
    assert [(n.extra, n.missing) for n in info.extras] == [("avro", ())]


def test_pure_python_package_with_optional_speedups_is_not_c_backed():
    info = package_info("pymongo", ["pymongo"])

    assert info.installed and not info.c_backed
    assert "optional C speed-ups" in info.describe()


def test_missing_package_is_reported_not_installed():
    info = package_info("psycopg2", ["psycopg2"])

    assert not info.installed
    assert info.describe() == "not installed; C-backed (libpq)"


def test_a_fake_without_spec_in_sys_modules_does_not_break_the_lookup(monkeypatch):
    monkeypatch.setitem(sys.modules, "vendor_sdk", MagicMock())

    assert package_info("vendor_sdk").installed is False


SERVICE = """
import threading
from flask import Flask
from pymongo import MongoClient
from vendor import Consumer

client = MongoClient("x")
db = client["db"]
orders = db.orders
config = {"db": db}
seen = {}
counter = 0
app = Flask(__name__)

@app.route("/orders/<int:order_id>", methods=["GET", "DELETE", "OPTIONS"])
def order(order_id):
    return "", 204

@app.post("/orders")
def create():
    seen["x"] = 1
    return "", 201

def consume():
    global counter
    counter += 1
    Consumer().poll()

app.add_url_rule("/health", view_func=lambda: "ok")
"""


def test_service_shape_finds_routes_fake_built_globals_and_changed_state():
    facts = analyze_source(SERVICE, "svc.py", "svc")
    shape = service_shape(ast.parse(SERVICE), facts, ["pymongo", "vendor"])

    assert shape.app == "app"
    assert [(r.method, r.sample_url) for r in shape.routes] == [
        ("GET", "/orders/1"),
        ("DELETE", "/orders/1"),
        ("POST", "/orders"),
        ("GET", "/health"),
    ]
    assert [g.name for g in shape.fake_built] == ["client", "db", "orders", "Consumer"]
    assert [g.name for g in shape.changed_globals] == ["seen", "counter"]


def _read(name: str, use: EnvUse, default: str | None = None) -> EnvRead:
    return EnvRead(name, 1, 1, default is None, default, False, use, True)


def test_init_takes_the_plugins_values_which_survive_their_use_and_reach_nothing():
    assert value_for_read(_read("KAFKA_PORT", EnvUse.PORT)) == "9092"
    assert value_for_read(_read("MONGO_IP", EnvUse.HOST)) == "192.0.2.1"
    assert value_for_read(_read("SCHEMA_REGISTRY_URL", EnvUse.URL)) == "http://192.0.2.1:8081"
    assert value_for_read(_read("MONGO_URI", EnvUse.URL)) == "mongodb://192.0.2.1:27017/test"
    assert value_for_read(_read("RETRIES", EnvUse.INT)) == "1"
    assert value_for_read(_read("TOPIC", EnvUse.TEXT)) == "topic"
    assert value_for_read(_read("GROUP", EnvUse.TEXT, default="api")) == "api"


def test_toml_merge_adds_only_what_is_missing(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('# keep me\n[tool.harness.services.a]\npath = "mine.py"\n')

    added, kept = merge_into_file(
        pyproject, '[tool.harness.services.a]\npath = "a.py"\ncwd = "."\n'
    )

    assert added == ["tool.harness.services.a.cwd"]
    assert kept == ["tool.harness.services.a.path"]
    assert pyproject.read_text().startswith(
        '# keep me\n[tool.harness.services.a]\npath = "mine.py"\n'
    )


def test_scan_follows_the_package_not_a_module_file_of_the_same_name(tmp_path):
    # `import config` runs config/__init__.py (Python's path finder takes the package first), so
    # that is the file whose import-time effects the scan chain must follow, not config.py.
    from harness.analysis import analyze_file
    from harness.scaffold.project import project_imports

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "__init__.py").write_text("import redis\nCLIENT = redis.Redis()\n")
    (tmp_path / "config.py").write_text("STALE = True\n")
    (tmp_path / "app.py").write_text("import config\n")

    facts = analyze_file(str(tmp_path / "app.py"))

    assert project_imports(facts) == [str(tmp_path / "config" / "__init__.py")]
