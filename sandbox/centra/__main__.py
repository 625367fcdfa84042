"""`python -m sandbox.centra --port 8703 [--seed-orders N --seed S --webhook-url URL]`.

The API token comes from CENTRA_API_TOKEN and the webhook secret from CENTRA_WEBHOOK_SECRET
(sandbox defaults otherwise)."""

from __future__ import annotations

import argparse

import uvicorn

from sandbox.centra.app import create_app
from sandbox.centra.state import CentraSandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.centra", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8703)
    parser.add_argument("--seed-orders", type=int, default=0, help="generate N orders at start")
    parser.add_argument("--seed", type=int, default=1, help="random seed for generated orders")
    parser.add_argument("--webhook-url", default=None, help="push every change to this URL")
    args = parser.parse_args(argv)
    store = CentraSandbox(
        webhook_url=args.webhook_url, seed_orders=args.seed_orders, seed=args.seed
    )
    uvicorn.run(create_app(store), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
