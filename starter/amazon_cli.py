"""`consign amazon notifications setup`: the SQS destination and the ORDER_CHANGE subscription
through Amazon's Notifications API, each reused when it already exists (safe to run again).

The queue is AMAZON_NOTIFICATIONS_QUEUE_URL's (its ARN read from SQS) unless `--arn` names one;
the queue's policy must let Amazon send to it first (docs/amazon.md)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from integrations.amazon.errors import AmazonError
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.module import AMAZON
from integrations.amazon.notifications import SetupResult
from integrations.amazon.order_notifications import sqs_client
from integrations.amazon.settings import AmazonSettings
from integrations.registry import get_settings
from starter.accounts_cli import ACCOUNT_HELP, account_for, accounts_of
from starter.client import CliError, expected_errors

console = Console()
amazon_app = typer.Typer(help="Amazon Seller Central set-up.", no_args_is_help=True)
notifications_app = typer.Typer(
    help="ORDER_CHANGE notifications to an SQS queue.", no_args_is_help=True
)
amazon_app.add_typer(notifications_app, name="notifications")


def queue_arn(settings: AmazonSettings) -> str:
    """The ARN of AMAZON_NOTIFICATIONS_QUEUE_URL's queue, as SQS reports it."""
    if not settings.notifications:
        raise CliError("give --arn, or set AMAZON_NOTIFICATIONS_QUEUE_URL to the queue's URL")
    sqs = sqs_client(settings.sqs_region, settings.sqs_endpoint)
    try:
        answer = sqs.get_queue_attributes(  # type: ignore[attr-defined]
            QueueUrl=settings.notifications_queue_url, AttributeNames=["QueueArn"]
        )
    except Exception as err:  # botocore's errors: unreachable, no such queue, refused
        raise CliError(f"SQS did not give the queue's ARN ({type(err).__name__}: {err})") from None
    arn: str = answer["Attributes"]["QueueArn"]
    return arn


async def _setup(settings: AmazonSettings, arn: str, name: str) -> SetupResult:
    async with build_amazon_client(settings) as client:
        return await client.notifications.setup(arn, name)


@notifications_app.command("setup")
@expected_errors
def setup(
    arn: Annotated[
        str | None, typer.Option(help="the SQS queue's ARN (default: from the queue URL)")
    ] = None,
    name: Annotated[str, typer.Option(help="the destination's name at Amazon")] = "consign",
    account: Annotated[str | None, typer.Option(help=ACCOUNT_HELP)] = None,
) -> None:
    """Create (or reuse) the destination and the ORDER_CHANGE subscription (of one seller)."""
    every = get_settings()
    seller = account_for(every, AMAZON.name, account)
    [chosen] = accounts_of(every, AMAZON.name, seller)
    settings: AmazonSettings = chosen.settings
    target = arn or queue_arn(settings)
    try:
        result = asyncio.run(_setup(settings, target, name))
    except AmazonError as err:
        raise CliError(f"Amazon refused the set-up: {err}") from None
    made = "created" if result.destination_created else "reused"
    console.print(f"destination {result.destination.destination_id} ({target}): {made}")
    made = "created" if result.subscription_created else "reused"
    console.print(
        f"ORDER_CHANGE subscription {result.subscription.subscription_id} "
        f"(payload {result.subscription.payload_version}): {made}"
    )
