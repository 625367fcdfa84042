"""`python -m sandbox.gxo --port 8702`: the GXO simulator on loopback."""

from __future__ import annotations

import argparse
import os

import uvicorn

from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.push import WebhookTarget
from sandbox.gxo.warehouse import GxoWarehouse


def main() -> None:
    parser = argparse.ArgumentParser(description="GXO warehouse simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--cycle-seconds", type=float, default=5.0)
    parser.add_argument("--max-units-per-parcel", type=int, default=2)
    parser.add_argument("--short-pick-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--webhook-url", default=os.environ.get("GXO_WEBHOOK_URL"))
    args = parser.parse_args()
    settings = ProcessingSettings(
        cycle_seconds=args.cycle_seconds,
        max_units_per_parcel=args.max_units_per_parcel,
        short_pick_rate=args.short_pick_rate,
        seed=args.seed,
    )
    secret = os.environ.get("GXO_WEBHOOK_SECRET", "sandbox-webhook-secret")
    webhook = WebhookTarget(url=args.webhook_url, secret=secret) if args.webhook_url else None
    app = create_app(
        GxoWarehouse(settings=settings),
        api_key=os.environ.get("GXO_API_KEY", DEFAULT_API_KEY),
        webhook=webhook,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
