"""`[tool.harness]`: the usual table is one path per service; mistakes are named with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import load_config
from harness.errors import ConfigError


def _write(tmp_path: Path, table: str) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "service.py").write_text("X = 1\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(table)
    return pyproject


def test_a_path_is_the_whole_usual_configuration(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[tool.harness.services.svc]\npath = "svc/service.py"\n'))

    service = config.service("svc")

    assert service.path == tmp_path / "svc" / "service.py"
    assert (service.env, service.default_fidelity, service.fake, service.keep_real) == (
        {},
        "fake",
        (),
        (),
    )


def test_every_override_is_read(tmp_path: Path) -> None:
    pyproject = _write(
        tmp_path,
        """
        [tool.harness]
        fidelity = { kafka = "stub" }
        inline_timeout = 2
        import_timeout = 3

        [tool.harness.services.svc]
        path = "svc/service.py"
        env = { PORT = "1" }
        fidelity = { pymongo = "stub" }
        fake = ["vendor"]
        keep_real = ["requests"]
        cwd = "svc"

        [tool.harness.lint]
        anything = "belongs to harness lint"
        """.replace("\n        ", "\n"),
    )

    config = load_config(pyproject)
    service = config.service("svc")

    assert (config.inline_timeout, config.import_timeout, service.import_timeout) == (2.0, 3.0, 3.0)
    assert dict(service.env) == {"PORT": "1"}
    assert (
        service.fidelity_of("pymongo"),
        service.fidelity_of("kafka"),
        service.fidelity_of("flask"),
    ) == (
        "stub",
        "stub",
        "fake",
    )
    assert (service.fake, service.keep_real, service.cwd) == (
        ("vendor",),
        ("requests",),
        tmp_path / "svc",
    )


def test_a_module_name_is_found_without_importing_it(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("raise RuntimeError('imported!')\n")
    (tmp_path / "pkg" / "app.py").write_text("")
    pyproject = _write(tmp_path, '[tool.harness.services.app]\nmodule = "pkg.app"\n')

    assert load_config(pyproject).service("app").path == tmp_path / "pkg" / "app.py"


def test_a_package_directory_wins_over_a_module_file_of_the_same_name(tmp_path: Path) -> None:
    # As Python's path finder: `import svc` runs svc/__init__.py, not the stale svc.py beside it.
    pyproject = _write(tmp_path, '[tool.harness.services.svc]\nmodule = "svc"\n')
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc.py").write_text("")

    assert load_config(pyproject).service("svc").path == tmp_path / "svc" / "__init__.py"


def test_the_command_line_level_wins(tmp_path: Path) -> None:
    pyproject = _write(
        tmp_path, '[tool.harness.services.svc]\npath = "svc/service.py"\nfidelity = "fake"\n'
    )

    service = load_config(pyproject, fidelity_option="stub,kafka=fake").service("svc")

    assert (service.fidelity_of("pymongo"), service.fidelity_of("kafka")) == ("stub", "fake")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.harness.services.svc]\npaht = "svc/service.py"\n', r"unknown key\(s\) 'paht'"),
        ("[tool.harness.services.svc]\n", r"needs exactly one of path = .* or module = "),
        ('[tool.harness.services.svc]\npath = "missing.py"\n', r"path 'missing.py' does not exist"),
        (
            '[tool.harness.services.svc]\npath = "svc/service.py"\nenv = { PORT = 1 }\n',
            r"env must be a table of strings",
        ),
        (
            '[tool.harness.services.svc]\npath = "svc/service.py"\nfidelity = "real"\n',
            r"fidelity is 'real'; expected one of stub, fake, wire",
        ),
        (
            '[tool.harness.services.svc]\npath = "svc/service.py"\ncwd = "nowhere"\n',
            r"\[tool.harness.services.svc\] cwd 'nowhere' is not a directory \(.*nowhere\); give an existing",
        ),
        (
            '[tool.harness.services.svc]\npath = "svc/service.py"\nimport_timeout = 0\n',
            r"\[tool.harness.services.svc\] import_timeout must be a positive number of seconds",
        ),
        ('[tool.harness]\nimport_timeout = "10"\n', r"\[tool.harness\] import_timeout must be a positive"),
        ('[tool.harness]\nfidelty = "stub"\n', r"unknown key \[tool.harness\] 'fidelty'"),
        ("[tool.harness\n", r"not valid TOML"),
    ],
)
def test_mistakes_name_the_file_the_table_and_the_fix(
    tmp_path: Path, table: str, message: str
) -> None:
    pyproject = _write(tmp_path, table)

    with pytest.raises(ConfigError, match=message) as raised:
        load_config(pyproject)

    assert str(pyproject) in str(raised.value)


def test_an_unknown_service_lists_the_configured_ones(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[tool.harness.services.svc]\npath = "svc/service.py"\n'))

    with pytest.raises(ConfigError, match=r"no legacy service named 'other' \(configured: svc\)"):
        config.service("other")
