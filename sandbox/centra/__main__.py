"""`python -m sandbox.centra --port 8703 [--seed-orders N --seed S --webhook-url URL
--rate-scale X --async-capture-seconds S]`.

The API token comes from CENTRA_API_TOKEN and the webhook secret from CENTRA_WEBHOOK_SECRET
(sandbox defaults otherwise). Rate limits are Centra's published example quotas, multiplied by
--rate-scale (a local demo runs faster than a real instance allows)."""

from __future__ import annotations

import argparse
from datetime import timedelta

import uvicorn

from sandbox.centra.app import create_app
from sandbox.centra.ratelimits import published_quotas
from sandbox.centra.state import CentraSandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.centra", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8703)
    parser.add_argument("--seed-orders", type=int, default=0, help="generate N orders at start")
    parser.add_argument("--seed", type=int, default=1, help="random seed for generated orders")
    parser.add_argument("--webhook-url", default=None, help="push every change to this URL")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiply the quotas")
    parser.add_argument(
        "--async-capture-seconds",
        type=float,
        default=None,
        help="asynchronous captures settle by themselves after this many seconds",
    )
    args = parser.parse_args(argv)
    settle = args.async_capture_seconds
    store = CentraSandbox(
        webhook_url=args.webhook_url,
        seed_orders=args.seed_orders,
        seed=args.seed,
        quotas=published_quotas(args.rate_scale),
        async_capture_after=timedelta(seconds=settle) if settle is not None else None,
    )
    uvicorn.run(create_app(store), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
