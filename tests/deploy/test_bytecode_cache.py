"""The worker keeps bytecode in a cache directory of its user when the environment forbids
writing it beside the code (the image's PYTHONDONTWRITEBYTECODE): the workflow sandbox imports a
workflow's module afresh for every new run, and without it every such import compiled the module
again; the directory outlives the process, so a restarted worker compiles nothing."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from worker import cache_bytecode


def _load(path: Path) -> None:
    spec = importlib.util.spec_from_file_location("consign_bytecode_probe", path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.fixture
def no_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)


@pytest.mark.usefixtures("no_bytecode")
def test_bytecode_goes_to_a_cache_directory_every_worker_process_shares(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "code" / "probe.py"
    source.parent.mkdir()
    source.write_text("VALUE = 1\n")
    where = cache_bytecode(tmp_path)
    assert where is not None and sys.pycache_prefix == str(where)
    _load(source)
    cached = Path(importlib.util.cache_from_source(str(source)))
    assert cached.is_file() and cached.is_relative_to(where)
    assert not (source.parent / "__pycache__").exists()  # nothing beside the code

    # The next worker (a restart after a kill) finds the same directory and its bytecode.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert cache_bytecode(tmp_path) == where
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("consign-pycache")] == [
        where.name
    ]


@pytest.mark.usefixtures("no_bytecode")
def test_a_link_in_place_of_the_cache_directory_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "planted"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / f"consign-pycache-{os.getuid()}").symlink_to(elsewhere)
    assert cache_bytecode(tmp_path) is None
    assert sys.pycache_prefix is None and sys.dont_write_bytecode


@pytest.mark.usefixtures("no_bytecode")
def test_a_cache_directory_others_may_write_is_not_trusted(tmp_path: Path) -> None:
    shared = tmp_path / f"consign-pycache-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    assert cache_bytecode(tmp_path) is None
    assert sys.pycache_prefix is None and sys.dont_write_bytecode


def test_left_alone_when_bytecode_is_written_anyway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert cache_bytecode() is None
    assert sys.pycache_prefix is None
