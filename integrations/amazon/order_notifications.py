"""The worker's reader of Amazon ORDER_CHANGE notifications from the seller's SQS queue.

Each round long-polls the queue (up to 10 messages, `wait_seconds`), validates every body
against the ORDER_CHANGE schema (notifications.py), hands the orders named by the good ones to
the account's ChannelIntake in one go (`notify`: the same signal-with-start a webhook uses),
each with the change its summary states (status, fulfilment type, cancel request, time), so
the intake hands it to the order's workflow without another getOrder (the workflow reads the
order itself), and only then deletes those messages. Nothing is
deleted that was not handed over: when `notify` fails, the messages become visible again after
the queue's visibility timeout and are read again (a duplicate is harmless: the intake hands a
notice over once).

A message consign cannot act on (not JSON, not an ORDER_CHANGE, another seller's) is kept for a
person in the store's set-aside records (`consign setaside list`, feed `orders`, system
`amazon`) with its body, and deleted from the queue once stored; if the store cannot take it,
it stays in the queue (and a redrive policy moves it to the dead-letter queue after
maxReceiveCount receipts, docs/amazon.md). The log names message ids and reasons, never bodies.
No failure ends the reader: SQS out of reach is retried with a growing pause.

boto3 is synchronous; its calls run in a thread. Credentials come from boto3's own chain (the
environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role) and are
never read or logged here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.order import OrderChange
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, record_id
from integrations.amazon.normalise import change_from_notification
from integrations.amazon.notifications import UnreadableNotification, read_order_change
from integrations.module import Notify, SetAside

log = logging.getLogger("consign.amazon.notifications")

MAX_MESSAGES = 10  # SQS's most per ReceiveMessage
MAX_PAUSE = 30.0


class SqsClient(Protocol):
    """The part of boto3's SQS client the reader uses."""

    def receive_message(self, **kwargs: Any) -> dict[str, Any]: ...

    def delete_message_batch(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass
class ReadReport:
    received: int = 0
    handed_over: list[str] = field(default_factory=list)  # order ids
    deleted: int = 0
    set_aside: int = 0
    kept: int = 0  # left in the queue: the hand-over or the store failed


class NotificationReader:
    def __init__(
        self,
        sqs: SqsClient,
        queue_url: str,
        account: str,
        notify: Notify,
        set_aside: SetAside,
        *,
        wait_seconds: int = 20,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._account = account
        self._notify = notify
        self._set_aside = set_aside
        self._wait = wait_seconds
        self._sleep = sleep
        self.rounds = 0

    async def run(self) -> None:
        """Read until cancelled."""
        pause = 1.0
        while True:
            try:
                await self.read_once()
                pause = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as err:  # SQS out of reach, throttled, credentials refused
                log.warning(
                    "reading the Amazon notifications queue failed (%s); again in %.0f s",
                    type(err).__name__,
                    pause,
                )
                await self._sleep(pause)
                pause = min(MAX_PAUSE, pause * 2)

    async def read_once(self) -> ReadReport:
        answer = await asyncio.to_thread(
            self._sqs.receive_message,
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=MAX_MESSAGES,
            WaitTimeSeconds=self._wait,
        )
        self.rounds += 1
        messages = answer.get("Messages") or []
        report = ReadReport(received=len(messages))
        good: list[dict[str, Any]] = []
        orders: list[str] = []
        changes: dict[str, OrderChange] = {}  # the latest each order's messages state
        bad: list[tuple[dict[str, Any], SetAsideRecord]] = []
        for message in messages:
            body = message.get("Body", "")
            try:
                change = read_order_change(body)
                if change.seller_id != self._account:
                    raise UnreadableNotification("SellerId is not this worker's AMAZON_SELLER_ID")
            except UnreadableNotification as err:
                bad.append((message, self._record(message, str(err))))
                continue
            good.append(message)
            if change.order_id not in orders:
                orders.append(change.order_id)
            stated = change_from_notification(change, self._account)
            known = changes.get(change.order_id)
            if stated is not None and (
                known is None or stated.last_updated_at > known.last_updated_at
            ):
                changes[change.order_id] = stated
        done = await self._hand_over(orders, list(changes.values()), good, report)
        done += await self._keep(bad, report)
        report.deleted = await self._delete(done)
        return report

    async def _hand_over(
        self,
        orders: list[str],
        changes: list[OrderChange],
        messages: list[dict[str, Any]],
        report: ReadReport,
    ) -> list[dict[str, Any]]:
        if not orders:
            return messages
        try:
            await self._notify(orders, changes)
        except Exception as err:
            report.kept += len(messages)
            log.warning(
                "%d order notification(s) not handed to Temporal (%s): left in the queue",
                len(messages),
                type(err).__name__,
            )
            return []
        report.handed_over = orders
        return messages

    async def _keep(
        self, bad: list[tuple[dict[str, Any], SetAsideRecord]], report: ReadReport
    ) -> list[dict[str, Any]]:
        if not bad:
            return []
        for message, record in bad:
            log.warning(
                "Amazon notification %s set aside: %s", message.get("MessageId"), record.detail
            )
        try:
            await self._set_aside([record for _, record in bad])
        except Exception as err:
            report.kept += len(bad)
            log.error(
                "%d unreadable notification(s) could not be stored (%s): left in the queue "
                "for its dead-letter queue",
                len(bad),
                type(err).__name__,
            )
            return []
        report.set_aside += len(bad)
        return [message for message, _ in bad]

    async def _delete(self, messages: list[dict[str, Any]]) -> int:
        if not messages:
            return 0
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
        ]
        answer = await asyncio.to_thread(
            self._sqs.delete_message_batch, QueueUrl=self._queue_url, Entries=entries
        )
        failed = answer.get("Failed") or []
        if failed:  # read again later: handing over twice is harmless
            log.warning("%d notification(s) not deleted; they will be read again", len(failed))
        return len(entries) - len(failed)

    def _record(self, message: dict[str, Any], detail: str) -> SetAsideRecord:
        raw = str(message.get("Body", ""))
        own = message.get("MessageId")
        return SetAsideRecord(
            system="amazon",
            feed=SetAsideFeed.ORDERS,
            scope=self._account,
            record_id=record_id(own if isinstance(own, str) else None, raw),
            reason=SetAsideReason.MALFORMED,
            detail=f"SQS notification: {detail}",
            raw=raw,
        )


def sqs_client(region: str, endpoint: str = "") -> SqsClient:
    """boto3's SQS client for `region`; `endpoint` overrides AWS's (the dev stack's local
    endpoint). Imported here so a worker without notifications never loads boto3."""
    import boto3

    session = boto3.session.Session()
    client: SqsClient = session.client("sqs", region_name=region, endpoint_url=endpoint or None)
    return client
