"""The vendored reference is the shared one: when ../shared/reference sits beside the project
(as in CI), every vendored file must equal its original, and nothing there may be missing here.
Without it (a user's clone) there is nothing to compare with, and the rest of the suite runs on
the vendored copies alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.reference import VENDORED

SHARED = VENDORED.parent.parent / "shared" / "reference"
FOLDERS = ("amazon-sp-api", "centra", "x12")
OURS = {"README.md", "UPSTREAM-README.md"}

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason="no ../shared/reference beside the project to compare with"
)


def _files(root: Path) -> set[str]:
    return {
        str(path.relative_to(root))
        for folder in FOLDERS
        for path in (root / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_every_shared_file_is_vendored() -> None:
    missing = sorted(_files(SHARED) - _files(VENDORED))
    assert not missing, f"in ../shared/reference but not vendored: {missing}"


def test_vendored_files_equal_the_shared_ones() -> None:
    differ = sorted(
        name
        for name in _files(VENDORED) & _files(SHARED)
        if (VENDORED / name).read_bytes() != (SHARED / name).read_bytes()
    )
    assert not differ, f"vendored copies differ from ../shared/reference: {differ}"


def test_the_upstream_readme_is_current() -> None:
    assert (VENDORED / "UPSTREAM-README.md").read_bytes() == (SHARED / "README.md").read_bytes()
