"""Fixtures for the SP-API client tests: Amazon's own sandbox examples, read in place."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def examples_dir(reference_dir: Path) -> Path:
    return reference_dir / "amazon-sp-api" / "sandbox-examples"


@pytest.fixture(scope="session")
def example(examples_dir: Path) -> Callable[[str], Any]:
    """example("ordersV0/getOrder_200_static_1.json") -> that file's `response` object."""

    def load(relative: str) -> Any:
        return json.loads((examples_dir / relative).read_text())["response"]

    return load
