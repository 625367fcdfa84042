"""free_port: a stack's ports are all picked before its children bind them one by one, so a
port picked once must not come out again, in this process or a concurrent test run, while its
owner has yet to bind it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import server
from sandbox.server import free_port

PICK_IN_ANOTHER_PROCESS = (
    "from sandbox.server import free_port; print([free_port() for _ in range(300)])"
)


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A claims directory of the test's own, found by a child process through TMPDIR."""
    monkeypatch.setattr(server, "_CLAIMS", tmp_path / f"consign-ports-{os.getuid()}")
    return tmp_path


def test_ports_picked_one_after_another_are_all_different(claims: Path) -> None:
    # 500 picks among 12,000 ports: picking by "free now" alone repeats one with a probability
    # of 1 - e^(-500 * 499 / 24,000) > 0.9999.
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)


def test_a_concurrent_process_is_not_handed_the_same_ports(claims: Path) -> None:
    # 300 picks here and 300 there: about 7.5 ports in common by "free now" alone.
    here = {free_port() for _ in range(300)}
    child = subprocess.run(
        [sys.executable, "-c", PICK_IN_ANOTHER_PROCESS],
        env={**os.environ, "TMPDIR": str(claims)},
        capture_output=True,
        text=True,
        check=True,
    )
    there = set(json.loads(child.stdout))
    assert len(there) == 300
    assert not here & there


def test_ports_are_still_handed_out_without_a_usable_claims_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setattr(server, "_CLAIMS", blocked)
    assert 20000 <= free_port() < 32000
