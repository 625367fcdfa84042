"""`python -m sandbox.alerts --port 8704`: the local alert receiver on loopback."""

from __future__ import annotations

import argparse

import uvicorn

from sandbox.alerts.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="local alert receiver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8704)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
