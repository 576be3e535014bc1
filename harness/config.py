"""The `[tool.harness]` table of `pyproject.toml`: which legacy services a test suite can load.

The usual configuration is one line per service; what to fake and which environment variables
to set is found by static analysis of the service's source::

    [tool.harness.services.current]
    path = "legacy_services/current/current.py"

Everything else overrides what analysis decided::

    [tool.harness]
    fidelity = "fake"              # default level of every dependency: "stub", "fake" or "wire"
    inline_timeout = 5.0           # seconds an inline consumer run may take
    import_timeout = 10.0          # seconds an import may take (also per service)

    [tool.harness.services.history]
    module = "history.historyAPI"  # instead of `path`: a dotted name, found without importing it
    env = { CONSUMER_RETRY_SECONDS = "0" }      # values the import and the tests see
    wire_env = { ARCHIVE_TIMEOUT_SECONDS = "0.5" }  # and these on top, at the wire level only
    fidelity = { requests = "stub" }            # per top-level package (or one string for all)
    fake = ["vendor_sdk"]          # also fake these package trees
    keep_real = ["requests"]       # never fake these
    cwd = "legacy_services/history"             # working directory during the import (default:
                                                # the directory the module's dotted name starts in)
    import_timeout = 30.0          # this service's import may take longer

`wire_env` applies when any dependency of the service is at the `wire` level: there a timeout is
a real wait on a real socket, so a service's long production timeouts are worth shortening
(at `fake` a timeout is simulated and costs nothing). Paths are relative to the file the table is
in. Sub-tables of `[tool.harness]` other than
`services` belong to other commands (`[tool.harness.lint]`, `[tool.harness.mutants]`) and are
ignored here.
"""

from __future__ import annotations

import dataclasses
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.fidelity import DEFAULT as DEFAULT_FIDELITY
from harness.fidelity import Fidelity

DEFAULT_INLINE_TIMEOUT = 5.0
DEFAULT_IMPORT_TIMEOUT = 10.0

_SERVICE_KEYS = frozenset(
    {"path", "module", "env", "wire_env", "fidelity", "fake", "keep_real", "cwd", "import_timeout"}
)
_TOP_LEVEL_SCALARS = frozenset({"fidelity", "inline_timeout", "import_timeout"})


@dataclass(frozen=True)
class ServiceConfig:
    """One legacy service as the plugin loads it. `path` is absolute and exists."""

    name: str
    path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    wire_env: Mapping[str, str] = field(default_factory=dict)  # on top of `env` at the wire level
    fidelity: Mapping[str, Fidelity] = field(default_factory=dict)  # top-level package -> level
    default_fidelity: Fidelity = DEFAULT_FIDELITY
    fake: tuple[str, ...] = ()
    keep_real: tuple[str, ...] = ()
    cwd: Path | None = None
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT
    origin: str = ""  # where it was declared, for messages

    def fidelity_of(self, package: str) -> Fidelity:
        return self.fidelity.get(package, self.default_fidelity)

    @property
    def levels(self) -> frozenset[Fidelity]:
        """Every level this service is configured with: the default and the per-package ones."""
        return frozenset({self.default_fidelity, *self.fidelity.values()})


@dataclass(frozen=True)
class HarnessConfig:
    """The whole `[tool.harness]` table, validated."""

    path: Path | None  # the file it was read from; None when there is none
    services: Mapping[str, ServiceConfig] = field(default_factory=dict)
    fidelity: Fidelity = DEFAULT_FIDELITY
    fidelity_overrides: Mapping[str, Fidelity] = field(default_factory=dict)
    inline_timeout: float = DEFAULT_INLINE_TIMEOUT
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT

    def service(self, name: str) -> ServiceConfig:
        try:
            return self.services[name]
        except KeyError:
            where = str(self.path) if self.path else "pyproject.toml (none found)"
            known = ", ".join(sorted(self.services)) or "none"
            raise ConfigError(
                f"{where}: no legacy service named {name!r} (configured: {known}); add "
                f'[tool.harness.services.{name}] with path = "path/to/{name}.py", or pass a '
                f"file path to legacy.load()"
            ) from None


def load_config(path: Path | None, *, fidelity_option: str | None = None) -> HarnessConfig:
    """Read and validate `[tool.harness]` from `path` (a TOML file; None: an empty config).

    `fidelity_option` is the `--harness-fidelity` command-line value ("stub", or
    "pymongo=stub,kafka=fake"); it overrides the file for every service.
    """
    table = read_harness_table(path)
    where = str(path) if path is not None else "[tool.harness]"
    base = path.parent if path is not None else Path.cwd()

    for key, value in table.items():
        if key != "services" and not isinstance(value, Mapping) and key not in _TOP_LEVEL_SCALARS:
            raise ConfigError(
                f"{where}: unknown key [tool.harness] {key!r}; known: "
                f"{', '.join(sorted(_TOP_LEVEL_SCALARS | {'services'}))}"
            )
    default_level, overrides = _parse_fidelity(
        table.get("fidelity", DEFAULT_FIDELITY), where, "[tool.harness]"
    )
    if fidelity_option:
        option_level, option_overrides = _parse_fidelity_option(fidelity_option)
        default_level = option_level or default_level
        overrides = {**overrides, **option_overrides}
    inline_timeout = _seconds(table, "inline_timeout", DEFAULT_INLINE_TIMEOUT, where, "[tool.harness]")
    import_timeout = _seconds(table, "import_timeout", DEFAULT_IMPORT_TIMEOUT, where, "[tool.harness]")

    services_table = table.get("services", {})
    if not isinstance(services_table, Mapping):
        raise ConfigError(f"{where}: [tool.harness] services must be a table of tables")
    services = {
        name: _parse_service(name, spec, where, base, default_level, overrides, fidelity_option)
        for name, spec in services_table.items()
    }
    services = {
        name: service
        if "import_timeout" in services_table[name]
        else dataclasses.replace(service, import_timeout=import_timeout)
        for name, service in services.items()
    }
    return HarnessConfig(
        path=path,
        services=services,
        fidelity=default_level,
        fidelity_overrides=overrides,
        inline_timeout=inline_timeout,
        import_timeout=import_timeout,
    )


def read_harness_table(path: Path | None) -> Mapping[str, Any]:
    """The `[tool.harness]` table of the TOML file `path` ({} when there is no file or table).

    The one place that reads the file: each command validates its own sub-table
    (`services` here, `mutants` in harness/mutation/config.py).
    """
    if path is None or not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    tool = document.get("tool", {})
    table = tool.get("harness", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [tool.harness] must be a table")
    return table


def adhoc_service(file: Path, *, base: HarnessConfig, name: str | None = None) -> ServiceConfig:
    """A service loaded by path from a test (`legacy.load("svc/app.py")`), with the global defaults."""
    file = file.resolve()
    if not file.is_file():
        raise ConfigError(f"{file}: no such legacy module file")
    return ServiceConfig(
        name=name or file.stem,
        path=file,
        fidelity=dict(base.fidelity_overrides),
        default_fidelity=base.fidelity,
        import_timeout=base.import_timeout,
        origin=f"legacy.load({str(file)!r})",
    )


def find_config_file(rootpath: Path, inipath: Path | None) -> Path | None:
    """The pyproject.toml pytest itself was configured from, else the one at the rootdir."""
    if inipath is not None and inipath.name == "pyproject.toml":
        return inipath
    candidate = rootpath / "pyproject.toml"
    return candidate if candidate.is_file() else None


def _parse_service(
    name: str,
    spec: Any,
    where: str,
    base: Path,
    default_level: Fidelity,
    overrides: Mapping[str, Fidelity],
    fidelity_option: str | None,
) -> ServiceConfig:
    section = f"[tool.harness.services.{name}]"
    if not isinstance(spec, Mapping):
        raise ConfigError(f'{where}: {section} must be a table, e.g. path = "path/to/{name}.py"')
    unknown = set(spec) - _SERVICE_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: {section} has unknown key(s) {', '.join(sorted(map(repr, unknown)))}; "
            f"known: {', '.join(sorted(_SERVICE_KEYS))}"
        )
    if ("path" in spec) == ("module" in spec):
        raise ConfigError(
            f'{where}: {section} needs exactly one of path = "path/to/{name}.py" or '
            f'module = "package.{name}"'
        )
    if "path" in spec:
        path = (base / _string(spec["path"], where, section, "path")).resolve()
        if not path.is_file():
            raise ConfigError(f"{where}: {section} path {spec['path']!r} does not exist ({path})")
    else:
        path = _find_module_file(
            _string(spec["module"], where, section, "module"), base, where, section
        )

    env = _strings(spec.get("env", {}), where, section, "env")
    wire_env = _strings(spec.get("wire_env", {}), where, section, "wire_env")
    level, per_package = _parse_fidelity(spec.get("fidelity", default_level), where, section)
    fidelity = {**overrides, **per_package}
    if fidelity_option:  # the command line wins over the file
        option_level, option_overrides = _parse_fidelity_option(fidelity_option)
        level = option_level or level
        fidelity.update(option_overrides)
    cwd = spec.get("cwd")
    if cwd is not None:
        cwd = (base / _string(cwd, where, section, "cwd")).resolve()
        if not cwd.is_dir():
            raise ConfigError(
                f"{where}: {section} cwd {spec['cwd']!r} is not a directory ({cwd}); "
                "give an existing directory, relative to the config file"
            )
    return ServiceConfig(
        name=name,
        path=path,
        env=env,
        wire_env=wire_env,
        fidelity=fidelity,
        default_fidelity=level,
        fake=_names(spec.get("fake", ()), where, section, "fake"),
        keep_real=_names(spec.get("keep_real", ()), where, section, "keep_real"),
        cwd=cwd,
        import_timeout=_seconds(spec, "import_timeout", DEFAULT_IMPORT_TIMEOUT, where, section),
        origin=f"{where} {section}",
    )


def _parse_fidelity(value: Any, where: str, section: str) -> tuple[Fidelity, dict[str, Fidelity]]:
    """`"stub"` -> ("stub", {}); `{pymongo = "stub"}` -> (default, {"pymongo": "stub"})."""
    if isinstance(value, str):
        return _level(value, where, f"{section} fidelity"), {}
    if isinstance(value, Mapping):
        return DEFAULT_FIDELITY, {
            str(package): _level(level, where, f"{section} fidelity.{package}")
            for package, level in value.items()
        }
    raise ConfigError(
        f'{where}: {section} fidelity must be a level ("stub", "fake", "wire") or a table of levels per '
        f'package, e.g. fidelity = {{ pymongo = "stub" }}'
    )


def _parse_fidelity_option(value: str) -> tuple[Fidelity | None, dict[str, Fidelity]]:
    level: Fidelity | None = None
    per_package: dict[str, Fidelity] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        if "=" in part:
            package, _, package_level = part.partition("=")
            per_package[package.strip()] = _level(package_level.strip(), "--harness-fidelity", part)
        else:
            level = _level(part, "--harness-fidelity", part)
    return level, per_package


def _level(value: Any, where: str, what: str) -> Fidelity:
    return Fidelity.parse(value, where, what)


def _seconds(table: Mapping[str, Any], key: str, default: float, where: str, section: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where}: {section} {key} must be a positive number of seconds")
    return float(value)


def _string(value: Any, where: str, section: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {section} {key} must be a non-empty string")
    return value


def _strings(value: Any, where: str, section: str, key: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(
            f'{where}: {section} {key} must be a table of strings, e.g. {key} = {{ KAFKA_PORT = "9092" }}'
        )
    return dict(value)


def _names(value: Any, where: str, section: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f'{where}: {section} {key} must be a list of package names, e.g. {key} = ["requests"]'
        )
    return tuple(value)


def _find_module_file(dotted: str, base: Path, where: str, section: str) -> Path:
    """The file of `dotted`, looked up on disk: importing it (or its parents) would run them."""
    from harness.analysis.packages import module_file

    found = module_file(dotted, (str(base), *sys.path))
    if found is not None:
        return Path(found).resolve()
    raise ConfigError(
        f"{where}: {section} module {dotted!r} not found next to the config file or on sys.path; "
        'use path = "..." instead'
    )
