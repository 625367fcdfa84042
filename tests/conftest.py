"""Shared fixtures: where the reference material lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.reference import reference_dir as _reference_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = _reference_dir()
SPAPI_DIR = REFERENCE_DIR / "amazon-sp-api"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE_DIR.is_dir(), f"reference material not found at {REFERENCE_DIR}"
    return REFERENCE_DIR
