"""`python -m sandbox.amazon --port 8701 [--seed-orders N]`: serve the sandbox on loopback."""

from __future__ import annotations

import argparse
import os

import uvicorn

from sandbox.amazon.app import create_app
from sandbox.amazon.notifications import Publisher, sqs_sender
from sandbox.amazon.state import AmazonSandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.amazon", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed-orders", type=int, default=0, help="generate N orders at start")
    parser.add_argument("--seed", type=int, default=1, help="random seed for generated orders")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiply Amazon's rates")
    parser.add_argument(
        "--seller-id", default=None, help="the seller this sandbox plays (another seller: its own)"
    )
    parser.add_argument(
        "--refresh-token", default=None, help="the refresh token the seller authorised the app with"
    )
    parser.add_argument(
        "--auto-release-seconds",
        type=float,
        default=None,
        help="release Pending orders this long after purchase",
    )
    parser.add_argument(
        "--feed-processing-seconds",
        type=float,
        default=float(os.environ.get("AMAZON_SANDBOX_FEED_PROCESSING_SECONDS", "2")),
        help="how long a feed takes to process (Amazon: minutes to hours; "
        "env AMAZON_SANDBOX_FEED_PROCESSING_SECONDS; PUT /_sandbox/feeds/processing)",
    )
    parser.add_argument(
        "--report-processing-seconds",
        type=float,
        default=float(os.environ.get("AMAZON_SANDBOX_REPORT_PROCESSING_SECONDS", "2")),
        help="how long a requested returns report takes to be ready (Amazon: minutes; "
        "env AMAZON_SANDBOX_REPORT_PROCESSING_SECONDS)",
    )
    parser.add_argument(
        "--sqs-endpoint",
        default=os.environ.get("AMAZON_SANDBOX_SQS_ENDPOINT", ""),
        help="an SQS-compatible endpoint (the dev stack's moto server): ORDER_CHANGE "
        "notifications are published to the subscribed destination's queue there",
    )
    parser.add_argument(
        "--notification-delivery-seconds",
        type=float,
        default=0.5,
        help="how long after an order changes its notification reaches the queue",
    )
    args = parser.parse_args(argv)
    seller = {"seller_id": args.seller_id} if args.seller_id else {}
    if args.refresh_token:
        seller["refresh_token"] = args.refresh_token
    state = AmazonSandbox(
        **seller,
        rate_scale=args.rate_scale,
        auto_release_seconds=args.auto_release_seconds,
        seed_orders=args.seed_orders,
        seed=args.seed,
        feed_processing_seconds=args.feed_processing_seconds,
        notification_delivery_seconds=args.notification_delivery_seconds,
        report_processing_seconds=args.report_processing_seconds,
    )
    if args.sqs_endpoint:
        Publisher(state, sqs_sender(args.sqs_endpoint)).start()
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
