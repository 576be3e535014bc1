"""Finding the modules under test: aliases, relative imports, re-exports, sys.path tricks."""

from __future__ import annotations

from .examples import lint_project, write_project

SERVICE = """\
import os
from requests import get

HOST = os.environ["SVC_HOST"]


def fetch(url):
    return get(url, timeout=5)
"""

PHANTOM_TEST = """\
from unittest.mock import patch
{imports}


def test_fetch():
    with patch("kafka.KafkaConsumer"):
        pass
"""


def phantom_lines(tmp_path, files: dict[str, str], lint: str) -> list[tuple[str, int]]:
    write_project(tmp_path, files)
    findings, errors = lint_project(tmp_path, [lint])
    assert errors == []
    return [(f.code, f.line) for f in findings if f.code == "LH101"]


def test_import_as_and_from_import_as_reach_the_module(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/svc.py": SERVICE.replace('os.environ["SVC_HOST"]', '"h"'),
        "tests/test_a.py": PHANTOM_TEST.format(imports="import pkg.svc as service"),
        "tests/test_b.py": PHANTOM_TEST.format(imports="from pkg import svc as service"),
    }
    assert phantom_lines(tmp_path, files, "tests/test_a.py") == [("LH101", 6)]
    assert phantom_lines(tmp_path, files, "tests/test_b.py") == [("LH101", 6)]


def test_relative_imports_in_a_test_package(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/svc.py": SERVICE.replace('os.environ["SVC_HOST"]', '"h"'),
        "app/tests/__init__.py": "",
        "app/tests/test_svc.py": PHANTOM_TEST.format(imports="from .. import svc"),
    }
    assert phantom_lines(tmp_path, files, "app/tests/test_svc.py") == [("LH101", 6)]


def test_a_sys_path_trick_in_the_conftest_makes_the_service_importable(tmp_path):
    files = {
        "services/current/current.py": SERVICE,
        "tests/conftest.py": (
            "import os\nimport sys\nfrom pathlib import Path\n\n"
            'sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "current"))\n'
            'os.environ.setdefault("SVC_HOST", "localhost")\n'
        ),
        "tests/test_current.py": PHANTOM_TEST.format(imports="import current"),
    }
    assert phantom_lines(tmp_path, files, "tests/test_current.py") == [("LH101", 6)]


def test_without_the_sys_path_trick_nothing_is_known_and_nothing_is_reported(tmp_path):
    files = {
        "services/current/current.py": SERVICE,
        "tests/test_current.py": PHANTOM_TEST.format(imports="import current"),
    }
    assert phantom_lines(tmp_path, files, "tests/test_current.py") == []


def test_src_option_and_config_find_the_service(tmp_path):
    files = {
        "services/current/current.py": SERVICE.replace('os.environ["SVC_HOST"]', '"h"'),
        "tests/test_current.py": PHANTOM_TEST.format(imports="import current"),
    }
    write_project(tmp_path, files)
    (tmp_path / "pyproject.toml").write_text('[tool.harness.lint]\nsrc = ["services/current"]\n')
    findings, _ = lint_project(tmp_path, ["tests/test_current.py"])
    assert [(f.code, f.line) for f in findings] == [("LH101", 6)]


def test_re_exports_through_init_count_as_the_definition(tmp_path):
    files = {
        "lib/__init__.py": "from .client import Client\n",
        "lib/client.py": "class Client:\n    pass\n",
        "svc.py": "from lib import Client\n\n\ndef make():\n    return Client()\n",
        "tests/test_svc.py": (
            "from unittest.mock import patch\n\nimport svc\n\n\n"
            "def test_make():\n"
            '    with patch("lib.client.Client"):\n'
            "        svc.make()\n"
        ),
    }
    write_project(tmp_path, files)
    findings, _ = lint_project(tmp_path, ["tests/test_svc.py"])
    assert [(f.code, f.line, f.fix.new if f.fix else None) for f in findings] == [
        ("LH102", 7, "svc.Client")
    ]


def test_a_module_loaded_by_path_is_under_test(tmp_path):
    files = {
        "services/svc.py": SERVICE,
        "tests/conftest.py": (
            "import importlib.util\nfrom pathlib import Path\n\n"
            'SERVICE_PATH = Path(__file__).parent.parent / "services" / "svc.py"\n\n\n'
            "def load(name, path):\n"
            "    spec = importlib.util.spec_from_file_location(name, path)\n"
            "    module = importlib.util.module_from_spec(spec)\n"
            "    spec.loader.exec_module(module)\n"
            "    return module\n\n\n"
            'service = load("svc_under_test", SERVICE_PATH)\n'
        ),
    }
    write_project(tmp_path, files)
    findings, _ = lint_project(tmp_path, ["tests/conftest.py"])
    assert [(f.code, f.line) for f in findings] == [("LH301", 14)]
    assert "SVC_HOST" in findings[0].message


def test_one_file_reachable_under_two_names_is_one_module_under_test(tmp_path):
    files = {
        "services/__init__.py": "",
        "services/current/__init__.py": "",
        "services/current/current.py": SERVICE.replace('os.environ["SVC_HOST"]', '"h"'),
        "tests/conftest.py": (
            "import sys\n\n"
            'sys.path.insert(0, __file__ + "/../../services/current")\n'
        ),
        "tests/test_current.py": (
            "from unittest.mock import patch\n\n"
            "import current\n"
            "from services.current import current as same_file\n\n\n"
            "def test_fetch():\n"
            '    with patch("current.fetch_all"), patch("services.current.current.fetch_all"):\n'
            "        pass\n"
        ),
    }
    write_project(tmp_path, files)
    findings, _ = lint_project(tmp_path, ["tests/test_current.py"])
    assert [(f.code, f.line, f.col) for f in findings] == [("LH103", 8, 16), ("LH103", 8, 44)]


def test_a_phantom_is_offered_only_a_library_name_as_its_replacement(tmp_path):
    # `requests.get` is patched but the code reads `os.getenv` and uses `confluent_kafka`: the
    # spelling `getenv` is close to `get`, yet a standard-library name never replaces a library's.
    service = (
        "from os import getenv\nfrom confluent_kafka import Consumer\n\n"
        "def host():\n    return getenv('HOST')\n"
    )
    test = (
        "from unittest.mock import patch\nimport svc\n\n"
        "def test_host():\n    with patch('requests.get'), patch('kafka.KafkaConsumer'):\n"
        "        svc.host()\n"
    )
    write_project(tmp_path, {"svc.py": service, "tests/test_svc.py": test})
    findings, _ = lint_project(tmp_path, ["tests/test_svc.py"])
    hints = {f.message.split("'")[1]: f.hint for f in findings if f.code == "LH101"}
    assert "getenv" not in hints["requests.get"]
    assert "patch 'svc.Consumer'" in hints["kafka.KafkaConsumer"]
