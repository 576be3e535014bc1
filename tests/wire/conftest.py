"""Session-wide wire backends for the wire tests (one set per xdist worker), emptied per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.fakes.stop import ConsumerStopped
from harness.threads import InlineRun, run_inline
from harness.wire.http import LoopbackArchive
from harness.wire.kafka import MockCluster
from harness.wire.registry import LoopbackRegistry


@pytest.fixture(scope="session")
def _session_cluster() -> Iterator[MockCluster]:
    cluster = MockCluster.start()
    yield cluster
    cluster.close()


@pytest.fixture
def cluster(_session_cluster: MockCluster) -> MockCluster:
    _session_cluster.clear()
    return _session_cluster


@pytest.fixture(scope="session")
def registry() -> Iterator[LoopbackRegistry]:
    registry = LoopbackRegistry.start()
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def _session_archive() -> Iterator[LoopbackArchive]:
    archive = LoopbackArchive.start(hold=5.0)
    yield archive
    archive.stop()


@pytest.fixture
def archive(_session_archive: LoopbackArchive) -> Iterator[LoopbackArchive]:
    _session_archive.reset()
    yield _session_archive
    _session_archive.reset()


RunLoop = Callable[..., InlineRun]


@pytest.fixture
def run_loop() -> RunLoop:
    """`run_loop(cluster, body, **drain)`: a legacy-style consumer loop run inline in drain mode,
    as the plugin runs one (harness.threads.run_inline): bounded, it never hangs."""

    def run(
        cluster: Any, body: Callable[[], Any], *, timeout: float = 10.0, **drain: Any
    ) -> InlineRun:
        with cluster.stop_when_drained(**drain):
            return run_inline(
                body,
                label=getattr(body, "__name__", "loop"),
                timeout=timeout,
                stop_types=(ConsumerStopped,),
                is_legacy_file=lambda filename: False,
                diagnose=getattr(cluster, "describe", lambda: ""),
            )

    return run
