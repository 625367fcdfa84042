"""Shared fixtures: where the reference material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(
    os.environ.get("CONSIGN_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference")
)
SPAPI_DIR = REFERENCE_DIR / "amazon-sp-api"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE_DIR.is_dir(), f"reference material not found at {REFERENCE_DIR}"
    return REFERENCE_DIR
