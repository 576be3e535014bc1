"""One pytest session's harness (one per xdist worker): configuration, fakes, imported services.

Created by the plugin the first time a test asks for a harness fixture, never before; a session
that uses no harness fixture never reads `[tool.harness]`, never imports a fake.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.config import (
    HarnessConfig,
    ServiceConfig,
    adhoc_service,
    load_config,
)
from harness.contract import LoadedService, load_service
from harness.errors import ConfigError, LegacyImportError
from harness.fidelity import Fidelity

if TYPE_CHECKING:
    from harness.dependencies import DependencySource
    from harness.fakes.backends import Backends
    from harness.report import ImportReport
    from harness.wire.source import WireSource


class FixtureBackends:
    """The backends one test's fixtures read and script, by name (`.kafka`, `.http`...):
    the fake one, or the wire one standing for it where the test's services use `wire`."""

    def __init__(self, session: HarnessSession, loaded: Sequence[LoadedService]) -> None:
        self._session = session
        self._loaded = loaded

    def __getattr__(self, name: str) -> Any:
        from harness.integrations import all_integrations

        for integration in all_integrations():
            for spec in integration.backends:
                if spec.name == name:
                    if spec.wire is not None and self._session._at_wire(
                        self._loaded, integration.packages
                    ):
                        return self._session._wire_source().backends.get(spec.wire)
                    return getattr(self._session.backends, name)
        raise AttributeError(f"no integration declares a backend named {name!r}")

    def problems(self) -> list[str]:
        """Why the test must fail, from each backend built so far that can tell
        (`Backend.verify`: e.g. a request no HTTP route answered). Builds nothing."""
        from harness.integrations import all_integrations

        source = self._session.source_if_built
        if source is None:
            return []
        wire = getattr(source, "backends", None) if hasattr(source, "fakes") else None
        found: list[str] = []
        for integration in all_integrations():
            for spec in integration.backends:
                if spec.verify is None:
                    continue
                at_wire = spec.wire is not None and wire is not None
                if at_wire and self._session._at_wire(self._loaded, integration.packages):
                    backend = wire.started(spec.wire)
                else:
                    backend = self._session.backends.built().get(spec.name)
                message = spec.verify(backend) if backend is not None else None
                if message:
                    found.append(message)
        return found


class HarnessSession:
    def __init__(
        self, *, config_path: Path | None, rootpath: Path, fidelity_option: str | None
    ) -> None:
        self._config_path = config_path
        self._rootpath = rootpath
        self._fidelity_option = fidelity_option
        self._config: HarnessConfig | None = None
        self._source: DependencySource | None = None
        self._loaded: dict[tuple, LoadedService] = {}
        self._service_names: dict[str, str] | None = None
        self.reports: list[ImportReport] = []

    @property
    def config(self) -> HarnessConfig:
        if self._config is None:
            self._config = load_config(self._config_path, fidelity_option=self._fidelity_option)
        return self._config

    @property
    def source(self) -> DependencySource:
        """The fakes (and wire backends), built on first use (importing them is what costs)."""
        if self._source is None:
            from harness.fakes_adapter import FakesSource

            self._source = FakesSource()
        return self._source

    @property
    def source_if_built(self) -> DependencySource | None:
        return self._source

    def _source_for(self, service: ServiceConfig) -> DependencySource:
        """The source, with the wire level in front of the fakes once a service asks for it."""
        return self._wire_source() if Fidelity.WIRE in service.levels else self.source

    def _wire_source(self) -> WireSource:
        from harness.wire.source import WireSource

        source = self.source
        if not isinstance(source, WireSource):
            source = self._source = WireSource(source)
        return source

    @property
    def backends(self) -> Backends:
        """The fakes' backends (broker, registry, Mongo, HTTP), shared by every service at `fake`."""
        source = self.source
        return getattr(source, "fakes", source).backends

    def backends_for(self, loaded: Sequence[LoadedService]) -> FixtureBackends:
        """What a test's fixtures show: for each integration with a wire level (Kafka and its
        registry, HTTP), the wire backend where the services the test loaded use that level,
        else the fake one. A test that has loaded no service using an integration gets the level
        the configuration gives it.

        Per test, not per session: a session can hold services at `fake` and at `wire` (the
        suite at `fake` and a wire smoke test), each test seeing the data its services see."""
        return FixtureBackends(self, loaded)

    def _at_wire(self, loaded: Sequence[LoadedService], packages: tuple[str, ...]) -> bool:
        levels = {
            dependency.fidelity
            for service in loaded
            for dependency in service.dependencies
            if dependency.package in packages
        }
        if levels:
            return Fidelity.WIRE in levels
        config = self.config
        return any(
            config.fidelity_overrides.get(p, config.fidelity) == Fidelity.WIRE for p in packages
        )

    def close(self) -> None:
        """Stop what the session started (wire-level servers, moto's S3 server)."""
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def reset_fakes(self) -> None:
        """Fresh backends (topics, databases, HTTP scripts) for a new test; free if none exist yet."""
        if self._source is not None:
            self._source.reset()

    def service_config(
        self,
        target: str,
        *,
        env: Mapping[str, str] | None = None,
        fidelity: str | Mapping[str, str] | None = None,
    ) -> ServiceConfig:
        if target in self.config.services:
            service = self.config.service(target)
        elif target.endswith(".py") or "/" in target or "\\" in target:
            path = Path(target)
            path = (path if path.is_absolute() else self._rootpath / path).resolve()
            try:  # "svc/app.py" -> "svc.app": two files named app.py stay two services
                name = ".".join(path.relative_to(self._rootpath.resolve()).with_suffix("").parts)
            except ValueError:
                name = path.stem
            service = adhoc_service(path, base=self.config, name=name)
        else:
            service = self.config.service(target)  # raises, listing the configured names
        where = f"legacy.load({target!r}, fidelity=...)"
        if isinstance(fidelity, str):
            level = Fidelity.parse(fidelity, where, "the level")
            service = dataclasses.replace(service, default_fidelity=level, fidelity={})
        elif fidelity:
            levels = {p: Fidelity.parse(v, where, p) for p, v in fidelity.items()}
            service = dataclasses.replace(service, fidelity={**service.fidelity, **levels})
        if service.wire_env and Fidelity.WIRE in service.levels:
            service = dataclasses.replace(service, env={**service.env, **service.wire_env})
        if env:  # the test's own values win
            service = dataclasses.replace(service, env={**service.env, **env})
        return service

    def load(self, service: ServiceConfig) -> tuple[LoadedService, bool]:
        """The service imported under the contract: once per distinct configuration.

        Returns (service, imported_now)."""
        key = (
            str(service.path),
            service.name,
            tuple(sorted(service.env.items())),
            service.default_fidelity,
            tuple(sorted(service.fidelity.items())),
            service.fake,
            service.keep_real,
        )
        loaded = self._loaded.get(key)
        if loaded is not None:
            return loaded, False
        if any(
            l.config.name == service.name and l.config.path != service.path
            for l in self._loaded.values()
        ):
            raise ConfigError(
                f"{service.origin}: another file is already loaded as {service.name!r}"
            )
        from harness.analysis import AnalysisError
        from harness.dependencies import resolve
        from harness.scaffold.module_facts import ModuleReader
        from harness.scaffold.project import imported_project_modules, reading_once

        reader = ModuleReader()
        with reading_once():
            try:  # the facts `harness scan` and `harness init` show, read the same way
                facts = reader(str(service.path))
            except AnalysisError as error:
                raise LegacyImportError(
                    f"{error}: the legacy module cannot be read, so it cannot be imported"
                ) from None
            imported = imported_project_modules(facts, reader.analysed)
        source = self._source_for(service)
        resolution = resolve(service, facts, source, imported)
        clients_before = source.client_count()
        loaded = load_service(
            service,
            resolution.dependencies,
            facts,
            source=source,
            kept_real=resolution.kept_real,
            notes=resolution.notes,
            imported=imported,
        )
        source.mark_baseline(loaded.dependencies)
        built = source.clients_since(clients_before)
        if built:  # what the fakes saw built beats what analysis expected
            loaded.report.clients = built
        self._loaded[key] = loaded
        self.reports.append(loaded.report)
        return loaded, True

    @property
    def loaded(self) -> list[LoadedService]:
        return list(self._loaded.values())

    def service_names(self) -> Mapping[str, str]:
        """Configured services by the dotted names their modules have (and their parent
        packages'): `{"app.worker": "worker", "app": "worker"}`, so that importing one of those
        names during a test (`patch("app.worker.fetch")` before `legacy.load`) loads the service
        under the contract instead of importing the real module."""
        if self._service_names is None:
            from harness.modules import real_name

            names: dict[str, str] = {}
            for service in self.config.services.values():
                named = real_name(service.path)
                if named is None:
                    continue
                parts = named[0].split(".")
                names[named[0]] = service.name
                for end in range(1, len(parts)):
                    names.setdefault(".".join(parts[:end]), service.name)
            self._service_names = names
        return self._service_names

