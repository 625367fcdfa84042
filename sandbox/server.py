"""Run a simulator's FastAPI app on loopback in a background thread (tests, demo, dev stack)."""

from __future__ import annotations

import os
import random
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI

# Below Linux's ephemeral range (32768-60999): a port the OS hands out with bind(0) is also
# handed to outgoing connections, which can take it before the child process binds it.
_LISTEN_PORTS = range(20000, 32000)
_PICK = random.Random()  # its own generator: tests that seed `random` must not share ports
# A port handed out is not handed out again for this long, by this process or another of the
# same user's: a stack's ports are all picked before its children start one by one, and a pick
# only sees the ports bound so far (two children were once given one port: the second exited
# "address already in use"). Each pick leaves a file named for its port in _CLAIMS.
_HOLD_SECONDS = 300.0
_CLAIMS = Path(tempfile.gettempdir()) / f"consign-ports-{os.getuid()}"


def _claim(port: int) -> bool:
    """Whether `port` was not claimed in the last _HOLD_SECONDS; if so it is claimed now. With no
    usable claims directory every port counts as unclaimed (the bind test alone, as before)."""
    mark = _CLAIMS / str(port)
    try:
        _CLAIMS.mkdir(mode=0o700, exist_ok=True)
        os.close(os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return True
    except FileExistsError:
        try:
            if time.time() - mark.stat().st_mtime < _HOLD_SECONDS:
                return False
            os.utime(mark)  # an old claim: taken over
        except OSError:
            pass
        return True
    except OSError:
        return True


def free_port() -> int:
    """A loopback port that is free now, outside the range outgoing connections draw from, and
    not handed out by this user's processes in the last _HOLD_SECONDS."""
    for port in _PICK.sample(_LISTEN_PORTS, 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        if _claim(port):
            return port
    raise OSError("no free loopback port in 20000-31999")


class ServerThread:
    """`with ServerThread(app) as server: httpx.get(server.url + "/...")`."""

    def __init__(self, app: FastAPI, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
