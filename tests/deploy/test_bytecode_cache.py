"""The worker keeps bytecode in a private directory when the environment forbids writing it
beside the code (the image's PYTHONDONTWRITEBYTECODE): the workflow sandbox imports a workflow's
module afresh for every new run, and without it every such import compiled the module again."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from worker import cache_bytecode


def _load(path: Path) -> None:
    spec = importlib.util.spec_from_file_location("consign_bytecode_probe", path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_bytecode_goes_to_a_private_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    source = tmp_path / "probe.py"
    source.write_text("VALUE = 1\n")
    where = cache_bytecode()
    try:
        assert where is not None and sys.pycache_prefix == str(where)
        _load(source)
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file() and cached.is_relative_to(where)
        assert not (tmp_path / "__pycache__").exists()  # nothing beside the code
    finally:
        if where is not None:
            shutil.rmtree(where, ignore_errors=True)


def test_left_alone_when_bytecode_is_written_anyway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert cache_bytecode() is None
    assert sys.pycache_prefix is None
