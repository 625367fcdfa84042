"""DevStack: start the Temporal dev server alone on free ports and stop it cleanly."""

from __future__ import annotations

import socket
import stat
import sys
from pathlib import Path

import httpx
import pytest

from sandbox.server import free_port
from starter.client import connect_to
from starter.devstack import DevStack, DevStackError, port_is_free, run_async
from starter.temporal_setup import CONSIGN_KEYS, registered_search_attributes


def test_temporal_alone_starts_ready_and_stops(tmp_path: Path) -> None:
    port = free_port()
    stack = DevStack(
        sandboxes=False,
        worker=False,
        temporal_port=port,
        ui_port=None,
        db_file=tmp_path / "temporal.db",
        log_dir=tmp_path / "logs",
    )
    with stack:
        assert stack.temporal_address == f"127.0.0.1:{port}"
        assert stack.failed() is None
        (child,) = stack.children
        process = child.process
        assert process is not None

        async def attributes() -> dict[str, int]:
            client = await connect_to(stack.temporal_address, "default")
            return await registered_search_attributes(client, "default")

        registered = run_async(attributes)
        assert {key.name for key in CONSIGN_KEYS} <= set(registered)
        assert "--dynamic-config-value" in child.argv
    assert process.returncode is not None
    assert stack.children == []
    assert port_is_free(port)
    assert (tmp_path / "temporal.db").exists()
    assert "Temporal Server" in (tmp_path / "logs" / "temporal.log").read_text()


async def test_async_context_manager_in_memory(tmp_path: Path) -> None:
    stack = DevStack(
        sandboxes=False,
        worker=False,
        temporal_port=free_port(),
        ui_port=None,
        db_file=None,
        log_dir=tmp_path,
    )
    async with stack:
        client = await connect_to(stack.temporal_address, "default")
        assert await registered_search_attributes(client, "default")
        assert "--db-filename" not in stack.temporal_argv()
    assert stack.children == []


def test_busy_port_is_refused_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stack = DevStack(
            sandboxes=False, worker=False, temporal_port=port, ui_port=None, log_dir=tmp_path
        )
        with pytest.raises(DevStackError, match=f"port\\(s\\) {port} already in use"):
            stack.start()
    assert stack.children == []


def test_a_child_that_dies_is_reported_with_its_log(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'sandbox exploded on start' >&2\nexit 3\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    stack = DevStack(
        temporal=False,
        worker=False,
        amazon_port=free_port(),
        gxo_port=free_port(),
        centra_port=free_port(),  # none of the default ports: a demo may be running beside
        alerts_port=free_port(),
        sqs_port=free_port(),
        python=str(fake_python),
        log_dir=tmp_path / "logs",
    )
    with pytest.raises(DevStackError, match="amazon exited during start-up") as failure:
        stack.start()
    assert "sandbox exploded on start" in str(failure.value)
    assert stack.children == []


def test_environment_points_config_at_the_stack() -> None:
    stack = DevStack(temporal_port=17233, amazon_port=18701, gxo_port=18702, env={"X": "1"})
    env = stack.environment()
    assert env["TEMPORAL_ADDRESS"] == "127.0.0.1:17233"
    assert env["AMAZON_SPAPI_ENDPOINT"] == "http://127.0.0.1:18701"
    assert env["AMAZON_LWA_ENDPOINT"] == "http://127.0.0.1:18701/auth/o2/token"
    assert env["GXO_BASE_URL"] == "http://127.0.0.1:18702"
    assert env["X"] == "1"
    assert stack.ui_url == "http://localhost:8233"
    assert sys.executable == stack.python


def test_sandboxes_start_ready_and_stop(tmp_path: Path) -> None:
    stack = DevStack(
        temporal=False,
        worker=False,
        amazon_port=free_port(),
        gxo_port=free_port(),
        centra_port=free_port(),
        alerts_port=free_port(),
        gxo_args=["--cycle-seconds", "1"],
        log_dir=tmp_path,
    )
    with stack:
        assert [child.name for child in stack.children] == ["amazon", "gxo", "centra", "alerts"]
        for url in (stack.amazon_url, stack.gxo_url, stack.centra_url):
            assert httpx.get(f"{url}/_sandbox/faults").status_code == 200
        assert httpx.get(stack.alerts_url).json() == []
        assert stack.environment()["CONSIGN_ALERT_URLS"] == (
            f"json://127.0.0.1:{stack.alerts_port}/alerts"
        )
        assert stack.children[1].argv[-2:] == ["--cycle-seconds", "1"]
        processes = [child.process for child in stack.children]
    assert all(p is not None and p.returncode is not None for p in processes)
    ports = (stack.amazon_port, stack.gxo_port, stack.centra_port)
    assert all(port_is_free(port) for port in ports)


def test_restart_keeps_temporal_state_and_appends_to_the_log(tmp_path: Path) -> None:
    """A restarted child runs the same command line (a server kept in a file keeps its
    workflows) and logs on in the same file; `kill=True` ends the old one with SIGKILL."""
    stack = DevStack(
        sandboxes=False,
        worker=False,
        temporal_port=free_port(),
        ui_port=None,
        db_file=tmp_path / "temporal.db",
        log_dir=tmp_path / "logs",
    )

    async def start_one() -> None:
        client = await connect_to(stack.temporal_address, "default")
        await client.start_workflow("Nothing", id="kept", task_queue="nobody-polls")

    async def still_there() -> str:
        client = await connect_to(stack.temporal_address, "default")
        return (await client.get_workflow_handle("kept").describe()).workflow_type

    with stack:
        run_async(start_one)
        first = stack.child("temporal").process
        stack.restart("temporal", kill=True)
        second = stack.child("temporal").process
        assert first is not None and second is not None and second.pid != first.pid
        assert first.returncode == -9
        assert run_async(still_there) == "Nothing"
        stack.restart("temporal")
        assert run_async(still_there) == "Nothing"
    log = (tmp_path / "logs" / "temporal.log").read_text()
    assert log.count("Temporal Server") >= 2  # the first run's lines are kept
    with pytest.raises(DevStackError, match="no worker"):
        stack.child("worker")
