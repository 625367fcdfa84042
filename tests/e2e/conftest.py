"""Each end-to-end module gets its own stack on free ports (no Web UI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.server import free_port
from starter.demo import build_stack
from starter.devstack import DevStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    ports = {
        name: free_port()
        for name in ("temporal", "amazon", "gxo", "centra", "alerts", "sqs", "webhook")
    }
    with build_stack(tmp_path_factory.mktemp("e2e"), ports, ui=False) as running:
        yield running
