"""One pytest session's harness (one per xdist worker): configuration, fakes, imported services.

Created by the plugin the first time a test asks for a harness fixture, never before; a session
that uses no harness fixture never reads `[tool.harness]`, never imports a fake.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from harness.config import (
    WIRE,
    HarnessConfig,
    ServiceConfig,
    adhoc_service,
    load_config,
)
from harness.contract import LoadedService, load_service
from harness.errors import ConfigError, LegacyImportError

if TYPE_CHECKING:
    from harness.dependencies import DependencySource
    from harness.fakes.backends import Backends
    from harness.report import ImportReport


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
        source = self.source
        if service.default_fidelity == WIRE or WIRE in service.fidelity.values():
            from harness.wire.source import WireSource

            if not isinstance(source, WireSource):
                source = self._source = WireSource(source)
        return source

    @property
    def backends(self) -> Backends:
        """The backends (broker, registry, Mongo, HTTP) every loaded service uses."""
        return self.source.backends

    def close(self) -> None:
        """Stop what the session started (wire-level servers); fakes need nothing."""
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
        if env:
            service = dataclasses.replace(service, env={**service.env, **env})
        if isinstance(fidelity, str):
            service = dataclasses.replace(service, default_fidelity=fidelity, fidelity={})
        elif fidelity:
            service = dataclasses.replace(service, fidelity={**service.fidelity, **fidelity})
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
        from harness.analysis import AnalysisError, analyze_file
        from harness.dependencies import resolve

        try:
            facts = analyze_file(service.path)
        except AnalysisError as error:
            raise LegacyImportError(
                f"{error}: the legacy module cannot be read, so it cannot be imported"
            ) from None
        source = self._source_for(service)
        resolution = resolve(service, facts, source)
        clients_before = source.client_count()
        loaded = load_service(
            service,
            resolution.dependencies,
            facts,
            kept_real=resolution.kept_real,
            notes=resolution.notes,
        )
        source.mark_baseline(resolution.dependencies)
        built = source.clients_since(clients_before)
        if built:  # what the fakes saw built beats what analysis expected
            loaded.report.clients = built
        self._loaded[key] = loaded
        self.reports.append(loaded.report)
        return loaded, True

    @property
    def loaded(self) -> list[LoadedService]:
        return list(self._loaded.values())
