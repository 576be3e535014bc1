"""Import tables: what each import statement binds, relative imports, and third-party trees."""

from __future__ import annotations

import textwrap

from harness.analysis import ImportBinding, analyze_source, third_party_packages
from harness.analysis.packages import project_roots_above, project_roots_beside


def facts_of(source: str, path: str = "svc.py", module_name: str | None = "svc", **kwargs):
    return analyze_source(textwrap.dedent(source), path, module_name, **kwargs)


def test_each_import_form_records_module_name_and_binding():
    facts = facts_of(
        """\
        import a.b
        import a.b as c
        from a.b import C as D
        from x import y
        """
    )
    assert [(b.module, b.name, b.bound_as, b.line) for b in facts.imports] == [
        ("a.b", None, "a", 1),
        ("a.b", None, "c", 2),
        ("a.b", "C", "D", 3),
        ("x", "y", "y", 4),
    ]
    assert facts.binding("D").qualified == "a.b.C"
    assert facts.binding("c").qualified == "a.b"


def test_relative_imports_resolve_against_the_module_and_its_package():
    source = "from . import sibling\nfrom .sub import thing\nfrom .. import too_far\n"
    in_module = facts_of(source, "pkg/mod.py", "pkg.mod")
    assert [b.qualified for b in in_module.imports] == ["pkg.sibling", "pkg.sub.thing", "..too_far"]
    in_package = facts_of(source, "pkg/__init__.py", "pkg")
    assert [b.qualified for b in in_package.imports][:2] == ["pkg.sibling", "pkg.sub.thing"]
    unknown_name = facts_of("from .sub import thing\n", "mod.py", None)
    assert unknown_name.imports[0].module == ".sub"


def test_imports_inside_functions_and_main_guard_do_not_run_at_import():
    facts = facts_of(
        """\
        import os
        def handler():
            import json
        if __name__ == "__main__":
            import argparse
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import decimal
        """
    )
    timing = {b.module: b.at_import_time for b in facts.imports}
    assert timing == {
        "os": True, "json": False, "argparse": False, "typing": True, "decimal": False,
    }


def test_star_and_dynamic_imports_are_recorded_and_noted():
    facts = facts_of(
        """\
        import importlib
        from config import *
        kafka = importlib.import_module("kafka")
        name = "x"
        other = importlib.import_module(name)
        """
    )
    assert ImportBinding("config", "*", "*", 2, 1, True) in facts.imports
    assert ImportBinding("kafka", None, "kafka", 3, 9, True) in facts.imports
    notes = [(u.line, u.message) for u in facts.unknowable]
    assert notes == [
        (2, "star import from config: the names it binds are unknown"),
        (5, "dynamic import of a computed name: the module it loads is unknown"),
    ]


def test_third_party_trees_include_every_parent_of_each_imported_submodule():
    facts = facts_of(
        """\
        import os
        import json
        from confluent_kafka import DeserializingConsumer
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        import pymongo
        from config import settings
        from . import helpers
        def later():
            import requests
        """,
        local_packages={"config"},
    )
    assert third_party_packages(facts) == {
        "config": ("config",),  # not told it is local: third_party_packages gets roots, not facts
        "confluent_kafka": (
            "confluent_kafka",
            "confluent_kafka.schema_registry",
            "confluent_kafka.schema_registry.avro",
        ),
        "pymongo": ("pymongo",),
    }
    assert "requests" in third_party_packages(facts, include_deferred=True)


def test_third_party_leaves_out_packages_found_in_source_roots(tmp_path):
    (tmp_path / "config.py").write_text("X = 1\n")
    (tmp_path / "shared").mkdir()
    facts = facts_of("import config\nimport shared.util\nimport kafka\n", "svc.py")
    assert third_party_packages(facts, [str(tmp_path)]) == {"kafka": ("kafka",)}


def test_third_party_leaves_out_siblings_of_a_file_on_disk(tmp_path):
    service = tmp_path / "current.py"
    service.write_text("import config\nimport flask\n")
    (tmp_path / "config.py").write_text("")
    facts = facts_of(service.read_text(), str(service), "current")
    assert third_party_packages(facts) == {"flask": ("flask",)}


def test_a_src_folder_imported_from_the_repository_root_is_the_projects_own(tmp_path):
    # /repo/src/server.py run from /repo imports `src.routers` (src/ without __init__.py);
    # /repo/redis/ holds config files only, and `redis.client` is not there.
    service = tmp_path / "src" / "server.py"
    (tmp_path / "src" / "routers").mkdir(parents=True)
    (tmp_path / "src" / "routers" / "orders.py").write_text("")
    (tmp_path / "src" / "db.py").write_text("")
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "redis.conf").write_text("")
    source = "from src.routers.orders import x\nimport src.db\nimport redis.client\nimport kafka\n"
    service.write_text(source)
    facts = facts_of(source, str(service), "server")

    assert project_roots_above(str(service), [b.module for b in facts.imports]) == {
        "src": str(tmp_path)
    }
    assert set(third_party_packages(facts)) == {"redis", "kafka"}


def test_code_shared_by_the_services_of_a_repository_is_its_own_up_to_its_root(tmp_path):
    # /repo/services/api/src/config.py imports `shared.settings` from /repo/shared: the service's
    # own pyproject.toml does not end the search, the repository's root (.git) does.
    (tmp_path / "outside" / "vendored").mkdir(parents=True)
    (tmp_path / "outside" / "vendored" / "client.py").write_text("")
    repo = tmp_path / "outside" / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "shared").mkdir()
    (repo / "shared" / "settings.py").write_text("")
    api = repo / "services" / "api"
    (api / "src").mkdir(parents=True)
    (api / "pyproject.toml").write_text("[project]\nname = 'api'\n")
    (api / "src" / "__init__.py").write_text("")
    config = api / "src" / "config.py"
    source = "from shared.settings import load\nimport vendored.client\n"
    config.write_text(source)
    facts = facts_of(source, str(config), "src.config")

    assert project_roots_above(str(config), [b.module for b in facts.imports]) == {
        "shared": str(repo)
    }


def test_imports_guarded_by_import_error_are_optional():
    facts = facts_of(
        """\
        try:
            import ujson as json
        except ImportError:
            import json
        try:
            import kafka
        finally:
            pass
        """
    )
    assert [(b.module, b.optional) for b in facts.imports] == [
        ("ujson", True), ("json", False), ("kafka", False),
    ]


def test_imports_guarded_by_import_error_inside_a_function_are_optional():
    facts = facts_of(
        """\
        def has_feature():
            try:
                from feature_pkg.routes import router
            except ImportError:
                return False
            import kafka
            return True
        """
    )
    assert [(b.module, b.optional) for b in facts.imports] == [
        ("feature_pkg.routes", True), ("kafka", False),
    ]


def _layered_repository(root, *, marker: str = ".git"):
    """/repo/functions/report/app.py importing names its deploy finds in /repo/layer."""
    repo = root / "repo"
    (repo / marker).mkdir(parents=True) if marker == ".git" else None
    if marker != ".git":
        repo.mkdir(parents=True)
        (repo / marker).write_text("")
    files = {
        "layer/reports_common.py": "",  # the layer: one place only
        "layer/tools/__init__.py": "",  # a package of the layer
        "layer/tools/helpers.py": "",  # a package's folder may be put on the path too
        "functions/other/common.py": "",  # `common` in two folders: which one is meant?
        "layer/common.py": "",
        ".venv/lib/reports_cache.py": "",  # a virtualenv's, and hidden: never the project's
        "functions/report/pytest/__init__.py": "",
        "elsewhere/pytest.py": "",  # an installed package's name: the installed one wins
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    (repo / ".venv" / "pyvenv.cfg").write_text("")
    app = repo / "functions" / "report" / "app.py"
    app.write_text("")
    return repo, app


IMPORTED_BESIDE = [
    "reports_common", "tools.helpers", "helpers", "common", "reports_cache", "pytest", "json",
    "not_anywhere",
]  # fmt: skip


def test_a_name_only_one_folder_of_the_repository_provides_is_found_there(tmp_path):
    repo, app = _layered_repository(tmp_path)

    assert project_roots_beside(str(app), IMPORTED_BESIDE) == {
        "reports_common": str(repo / "layer"),
        "tools": str(repo / "layer"),
        "helpers": str(repo / "layer" / "tools"),
    }


def test_lacking_a_git_folder_the_outermost_project_file_bounds_the_search(tmp_path):
    repo, app = _layered_repository(tmp_path, marker="pyproject.toml")
    (app.parent / "setup.py").write_text("")  # the function's own: not the outermost

    assert set(project_roots_beside(str(app), IMPORTED_BESIDE)) == {
        "reports_common", "tools", "helpers"
    }
    (repo / "pyproject.toml").unlink()
    assert project_roots_beside(str(app), IMPORTED_BESIDE) == {}  # the function's folder only


def test_without_a_repository_nothing_is_searched(tmp_path):
    (tmp_path / "layer").mkdir()
    (tmp_path / "layer" / "reports_common.py").write_text("")
    app = tmp_path / "functions" / "app.py"
    app.parent.mkdir()
    app.write_text("")

    assert project_roots_beside(str(app), ["reports_common"]) == {}


def test_a_module_named_like_a_missing_package_is_not_taken_for_it(tmp_path):
    # lib/tracing/opentelemetry.py wraps the `opentelemetry` package (not installed here): it
    # is neither what it imports itself, nor what `opentelemetry.trace` elsewhere means.
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    tracing = repo / "lib" / "tracing"
    tracing.mkdir(parents=True)
    for name in ("__init__.py", "opentelemetry.py", "datadog_sdk.py"):
        (tracing / name).write_text("")
    wrapper, registry = tracing / "opentelemetry.py", repo / "lib" / "registry.py"
    registry.write_text("")

    assert project_roots_beside(str(wrapper), ["opentelemetry"]) == {}
    assert project_roots_beside(str(registry), ["opentelemetry.trace", "datadog_sdk"]) == {
        "datadog_sdk": str(tracing)  # a module that is there, whole
    }
