"""Each end-to-end module gets its own stack on free ports (no Web UI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from starter.demo import build_stack, free_stack_ports
from starter.devstack import DevStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    ports = free_stack_ports()
    with build_stack(tmp_path_factory.mktemp("e2e"), ports, ui=False) as running:
        yield running
