"""The Notifications API's state (destinations, subscriptions; its routes: notifications_api.py)
and the ORDER_CHANGE notifications the sandbox publishes to the subscribed SQS queue, in the
shape of Amazon's schema (schemas/notifications/OrderChangeNotification.json; tests/contracts
check every one).

A second destination for the same ARN and a second subscription of a seller to a type answer
409, as the model lists.

Publishing: a watcher compares every order's status, update time and cancel request with what
it saw last, and sends an ORDER_CHANGE for each order created or changed since, to the queue
of the subscribed destination, `delivery_seconds` after it saw the change (the delivery time
the sandbox models; Amazon states none: unverified). Orders changed before the subscription
are not announced. A send that fails is tried again a second later.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.records import OrderStatus, SandboxOrder
from sandbox.amazon.timefmt import to_wire

ROOT = "/notifications/v1"
SCOPE = "sellingpartnerapi::notifications"
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+")
TYPES = frozenset({"ORDER_CHANGE"})  # the types this sandbox publishes
APPLICATION_ID = "amzn1.sp.solution.sandbox"
Send = Callable[[str, str], None]  # (queue ARN, message body)
Fingerprint = tuple[OrderStatus, datetime, bool]  # what an order's change is seen by


@dataclass
class Outgoing:
    due: float  # monotonic seconds
    arn: str
    body: str


@dataclass
class NotificationDesk:
    application_id: str = APPLICATION_ID
    delivery_seconds: float = 0.5
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, Fingerprint] = field(default_factory=dict)
    pending: list[Outgoing] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)  # what was sent, in order

    # --- destinations and subscriptions -------------------------------------------------------

    def create_destination(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise SpApiError(400, "name is required", code="InvalidInput")
        if len(body["name"]) > 256:
            raise SpApiError(400, "name is longer than 256 characters", code="InvalidInput")
        spec = body.get("resourceSpecification")
        sqs = spec.get("sqs") if isinstance(spec, dict) else None
        arn = sqs.get("arn") if isinstance(sqs, dict) else None
        if not isinstance(arn, str) or len(arn) > 1000 or not SQS_ARN.match(arn):
            raise SpApiError(400, "resourceSpecification.sqs.arn is not an SQS ARN")
        if any(d["resource"]["sqs"]["arn"] == arn for d in self.destinations.values()):
            raise SpApiError(409, "A destination for this resource already exists", code="Conflict")
        destination_id = str(uuid.uuid4())
        destination = {
            "name": body["name"],
            "destinationId": destination_id,
            "resource": {"sqs": {"arn": arn}},
        }
        self.destinations[destination_id] = destination
        return destination

    def create_subscription(
        self, seller: str, notification_type: str, body: Any, orders: list[SandboxOrder]
    ) -> dict[str, Any]:
        if notification_type not in TYPES:
            raise SpApiError(400, f"{notification_type} is not a supported notification type")
        if not isinstance(body, dict):
            raise SpApiError(400, "the body is not an object", code="InvalidInput")
        missing = [k for k in ("destinationId", "payloadVersion") if not body.get(k)]
        if missing:
            raise SpApiError(400, f"{', '.join(missing)} is required", code="InvalidInput")
        if body["destinationId"] not in self.destinations:
            raise SpApiError(400, "destinationId does not name a destination", code="InvalidInput")
        if (seller, notification_type) in self.subscriptions:
            raise SpApiError(409, "A subscription for this type already exists", code="Conflict")
        subscription = {
            "subscriptionId": str(uuid.uuid4()),
            "payloadVersion": body["payloadVersion"],
            "destinationId": body["destinationId"],
        }
        self.subscriptions[(seller, notification_type)] = subscription
        for order in orders:  # only what changes from now on is announced
            self.seen[order.order_id] = _fingerprint(order)
        return subscription

    # --- publishing ----------------------------------------------------------------------------

    def observe(self, orders: Iterable[SandboxOrder], now: float) -> int:
        """Queue an ORDER_CHANGE for every subscribed order new or changed since last seen."""
        queued = 0
        for order in orders:
            mark = _fingerprint(order)
            before = self.seen.get(order.order_id)
            if before == mark:
                continue
            self.seen[order.order_id] = mark
            subscription = self.subscriptions.get((order.seller_id, "ORDER_CHANGE"))
            if subscription is None:
                continue
            destination = self.destinations.get(subscription["destinationId"])
            if destination is None:
                continue
            message = order_change(order, subscription, self.application_id, before, mark)
            arn = destination["resource"]["sqs"]["arn"]
            self.pending.append(Outgoing(now + self.delivery_seconds, arn, json.dumps(message)))
            queued += 1
        return queued

    def take_due(self, now: float) -> list[Outgoing]:
        due = [m for m in self.pending if m.due <= now]
        self.pending = [m for m in self.pending if m.due > now]
        return due


def _fingerprint(order: SandboxOrder) -> Fingerprint:
    """What a change is seen by; compared for every order at every tick, so made of the
    order's own objects (formatting the date made the watcher hold the sandbox's lock for 16 ms
    of every 50 at 2,000 orders, and longer than the tick at 5,000: bench.throughput)."""
    asked = order.cancellation is not None and order.cancellation.buyer_requested
    return (order.status, order.last_update_date, asked)


def order_change(
    order: SandboxOrder,
    subscription: dict[str, Any],
    application_id: str,
    before: Fingerprint | None,
    now: Fingerprint,
) -> dict[str, Any]:
    """An ORDER_CHANGE in the schema's shape. A buyer's cancel request is a
    BuyerRequestedChange; creation and status changes are OrderStatusChange (the reasons'
    wording for those is not documented: unverified)."""
    cancel_asked = now[2] and not (before and before[2])
    change_type = "BuyerRequestedChange" if cancel_asked else "OrderStatusChange"
    reason = (
        "Buyer Requested Cancel"
        if cancel_asked
        else "New Order"
        if before is None
        else "Order Status Changed"
    )
    shipped = sum(i.quantity_shipped for i in order.items)
    ordered = sum(i.quantity_ordered for i in order.items)
    asked = now[2]
    summary: dict[str, Any] = {
        "MarketplaceId": order.marketplace_id,
        "OrderStatus": order.status.value,
        "PurchaseDate": to_wire(order.purchase_date),
        "DestinationPostalCode": order.address.postal_code,
        "FulfillmentType": order.fulfillment_channel.value,
        "OrderType": "StandardOrder",
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": max(0, ordered - shipped),
        "EarliestShipDate": to_wire(order.earliest_ship_date),
        "LatestShipDate": to_wire(order.latest_ship_date),
        "OrderItems": [
            {
                "OrderItemId": item.order_item_id,
                "SellerSKU": item.sku,
                "SupplySourceId": None,
                "OrderItemStatus": "Shipped"
                if item.quantity_shipped >= item.quantity_ordered
                else "Unshipped",
                "Quantity": item.quantity_ordered,
                "QuantityShipped": item.quantity_shipped,
                "IsBuyerRequestedCancel": asked,
            }
            for item in order.items
        ],
    }
    if order.status not in (OrderStatus.PENDING, OrderStatus.CANCELED):
        summary["EarliestDeliveryDate"] = to_wire(order.earliest_delivery_date)
        summary["LatestDeliveryDate"] = to_wire(order.latest_delivery_date)
    published = to_wire(order.last_update_date)
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": subscription["payloadVersion"],
        "EventTime": published,
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": order.seller_id,
                "AmazonOrderId": order.order_id,
                "OrderChangeType": change_type,
                "OrderChangeTrigger": {"TimeOfOrderChange": published, "ChangeReason": reason},
                "Summary": summary,
            }
        },
        "NotificationMetadata": {
            "ApplicationId": application_id,
            "SubscriptionId": subscription["subscriptionId"],
            "PublishTime": published,
            "NotificationId": str(uuid.uuid4()),
        },
    }


class Publisher:
    """The background watcher: every `interval` seconds it applies time-driven changes
    (auto-release), queues notifications for what changed and sends those due."""

    def __init__(self, sandbox: Any, send: Send, interval: float = 0.05) -> None:
        self.sandbox = sandbox
        self.send = send
        self.interval = interval
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="amazon-notifications", daemon=True)

    def start(self) -> Publisher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def step(self, now: float | None = None) -> int:
        """One round; returns how many notifications were sent."""
        moment = time.monotonic() if now is None else now
        desk: NotificationDesk = self.sandbox.notifications
        with self.sandbox.lock:
            self.sandbox.tick()
            desk.observe(self.sandbox.orders.values(), moment)
            due = desk.take_due(moment)
        sent = 0
        for outgoing in due:
            try:
                self.send(outgoing.arn, outgoing.body)
            except Exception:
                self.failures += 1
                outgoing.due = moment + 1.0
                with self.sandbox.lock:
                    desk.pending.append(outgoing)
                continue
            sent += 1
            with self.sandbox.lock:
                desk.published.append(json.loads(outgoing.body))
        return sent

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.step()


def sqs_sender(endpoint: str) -> Send:
    """Sends to an SQS-compatible endpoint (the dev stack's moto server), the queue found from
    the ARN's region, account and name."""
    import boto3

    session = boto3.session.Session()
    urls: dict[str, tuple[Any, str]] = {}

    def send(arn: str, body: str) -> None:
        if arn not in urls:
            _, _, _, region, account, name = arn.split(":", 5)
            client = session.client("sqs", region_name=region, endpoint_url=endpoint)
            found = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            urls[arn] = (client, found["QueueUrl"])
        client, url = urls[arn]
        client.send_message(QueueUrl=url, MessageBody=body)

    return send
