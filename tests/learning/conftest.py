"""A strict dev runtime serving the bundle plus this folder's test flows (f/learntest/...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devruntime import DevRuntime, start_dev_server

LEARN_FLOWS = Path(__file__).parent / "flows"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevRuntime]:
    server = start_dev_server(tmp_path_factory.mktemp("learning-devruntime"), extra_roots=[LEARN_FLOWS])
    handle = DevRuntime(server)
    try:
        yield handle
    finally:
        handle.client.close()
        server.stop()
