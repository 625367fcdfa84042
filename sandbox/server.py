"""Run a simulator's FastAPI app on loopback in a background thread (tests, demo, dev stack)."""

from __future__ import annotations

import random
import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

# Below Linux's ephemeral range (32768-60999): a port the OS hands out with bind(0) is also
# handed to outgoing connections, which can take it before the child process binds it.
_LISTEN_PORTS = range(20000, 32000)
_PICK = random.Random()  # its own generator: tests that seed `random` must not share ports
# A port handed out is not handed out again for this long: a stack's ports are all picked
# before its children start one by one, and a pick only sees the ports bound so far (two
# children were once given one port: the second exited "address already in use").
_HOLD_SECONDS = 300.0
_handed_out: dict[int, float] = {}  # port -> time.monotonic() it was handed out
_handing_out = threading.Lock()


def free_port() -> int:
    """A loopback port that is free now, outside the range outgoing connections draw from, and
    not handed out by this process in the last _HOLD_SECONDS."""
    with _handing_out:
        now = time.monotonic()
        for port in _PICK.sample(_LISTEN_PORTS, 200):
            handed = _handed_out.get(port)
            if handed is not None and now - handed < _HOLD_SECONDS:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out[port] = now
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
