"""Amazon's Notifications API (v1) and the ORDER_CHANGE notification it delivers to SQS.

An ORDER_CHANGE message's body is the notification JSON (schemas/notifications/
OrderChangeNotification.json, vendored in reference/amazon-sp-api). `OrderChangeMessage` is
that schema as a pydantic model, every required field and type of it (checked against the
schema itself by tests/contracts/test_amazon_notifications.py), so the worker validates each
message without the jsonschema package the worker image does not have.

Destinations are grantless (an LWA `client_credentials` token with the notifications scope);
subscriptions act for the seller (the refresh-token token), as the model's descriptions say.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.amazon.client import SpApiClient, TokenSource
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected

ORDER_CHANGE = "ORDER_CHANGE"
PAYLOAD_VERSION = "1.0"
GRANTLESS_SCOPE = "sellingpartnerapi::notifications"
BASE = "/notifications/v1"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


class OrderItem(_Wire):
    order_item_id: str = Field(alias="OrderItemId")
    seller_sku: str = Field(alias="SellerSKU")
    supply_source_id: str | None = Field(alias="SupplySourceId")  # required, may be null
    quantity: int = Field(alias="Quantity")
    order_item_status: Literal["Unshipped", "Shipped"] | None = Field(
        default=None, alias="OrderItemStatus"
    )
    quantity_shipped: int | None = Field(default=None, alias="QuantityShipped")
    is_buyer_requested_cancel: bool | None = Field(default=None, alias="IsBuyerRequestedCancel")
    item_earliest_delivery_date: str | None = Field(default=None, alias="ItemEarliestDeliveryDate")
    item_latest_delivery_date: str | None = Field(default=None, alias="ItemLatestDeliveryDate")


OrderStatus = Literal[
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "Canceled",
    "Unfulfillable",
    "InvoiceUnconfirmed",
    "PendingAvailability",
]
OrderType = Literal[
    "StandardOrder", "LongLeadTimeOrder", "Preorder", "BackOrder", "SourcingOnDemandOrder"
]
OrderProgram = Literal["Business", "Prime", "Premium", "IBA", "Replacement"]
ShippingProgram = Literal["ShipDateSet", "GlobalExpress", "ISPU", "AccessPoint", "TFM", "EasyShip"]
EasyShipStatus = Literal[
    "PendingSchedule",
    "PendingPickUp",
    "PendingDropOff",
    "LabelCanceled",
    "PickedUp",
    "DroppedOff",
    "AtOriginFC",
    "AtDestinationFC",
    "Delivered",
    "RejectedByBuyer",
    "Undeliverable",
    "ReturningToSeller",
    "ReturnedToSeller",
    "Lost",
    "OutForDelivery",
    "Damaged",
]
InvoiceStatus = Literal["NotRequired", "NotFound", "Processing", "Errored", "Accepted"]


class Summary(_Wire):
    marketplace_id: str = Field(alias="MarketplaceId")
    order_status: OrderStatus = Field(alias="OrderStatus")
    purchase_date: str | None = Field(alias="PurchaseDate")
    destination_postal_code: str | None = Field(alias="DestinationPostalCode")
    fulfillment_type: Literal["AFN", "MFN"] = Field(alias="FulfillmentType")
    order_type: OrderType = Field(alias="OrderType")
    order_items: list[OrderItem] = Field(alias="OrderItems")
    number_of_items_shipped: int | None = Field(default=None, alias="NumberOfItemsShipped")
    number_of_items_unshipped: int | None = Field(default=None, alias="NumberOfItemsUnshipped")
    earliest_delivery_date: str | None = Field(default=None, alias="EarliestDeliveryDate")
    latest_delivery_date: str | None = Field(default=None, alias="LatestDeliveryDate")
    earliest_ship_date: str | None = Field(default=None, alias="EarliestShipDate")
    latest_ship_date: str | None = Field(default=None, alias="LatestShipDate")
    cancel_notify_date: str | None = Field(default=None, alias="CancelNotifyDate")
    order_programs: list[OrderProgram] | None = Field(default=None, alias="OrderPrograms")
    shipping_programs: list[ShippingProgram] | None = Field(default=None, alias="ShippingPrograms")
    easy_ship_shipment_status: EasyShipStatus | None = Field(
        default=None, alias="EasyShipShipmentStatus"
    )
    electronic_invoice_status: InvoiceStatus | None = Field(
        default=None, alias="ElectronicInvoiceStatus"
    )


class ChangeTrigger(_Wire):
    time_of_order_change: str | None = Field(alias="TimeOfOrderChange")
    change_reason: str = Field(alias="ChangeReason")


class OrderChange(_Wire):
    notification_level: Literal["OrderItemLevel", "OrderLevel"] = Field(alias="NotificationLevel")
    seller_id: str = Field(alias="SellerId")
    amazon_order_id: str = Field(alias="AmazonOrderId")
    order_change_type: Literal["BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange"] = (
        Field(alias="OrderChangeType")
    )
    order_change_trigger: ChangeTrigger = Field(alias="OrderChangeTrigger")
    summary: Summary = Field(alias="Summary")


class Payload(_Wire):
    order_change: OrderChange = Field(alias="OrderChangeNotification")


class Metadata(_Wire):
    application_id: str = Field(alias="ApplicationId")
    subscription_id: str = Field(alias="SubscriptionId")
    publish_time: str = Field(alias="PublishTime")
    notification_id: str = Field(alias="NotificationId")


class OrderChangeMessage(_Wire):
    notification_version: str = Field(alias="NotificationVersion")
    notification_type: str = Field(alias="NotificationType")
    payload_version: str = Field(alias="PayloadVersion")
    event_time: str = Field(alias="EventTime")
    payload: Payload = Field(alias="Payload")
    notification_metadata: Metadata = Field(alias="NotificationMetadata")

    @property
    def order_id(self) -> str:
        return self.payload.order_change.amazon_order_id

    @property
    def seller_id(self) -> str:
        return self.payload.order_change.seller_id


class UnreadableNotification(ValueError):
    """A message that is not an ORDER_CHANGE notification consign can act on; the message
    names fields, never values (a body may hold a postal code)."""


def read_order_change(body: str | bytes) -> OrderChangeMessage:
    """One SQS message body as an ORDER_CHANGE notification, or UnreadableNotification."""
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise UnreadableNotification("the body is not JSON") from None
    try:
        message = OrderChangeMessage.model_validate_json(body)
    except ValidationError as err:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "(body)" for e in err.errors()})
        raise UnreadableNotification(f"not an ORDER_CHANGE notification: {fields}") from None
    if message.notification_type != ORDER_CHANGE:
        raise UnreadableNotification("NotificationType is not ORDER_CHANGE")
    return message


# --- the Notifications API: destinations and the subscription -------------------------------


class Destination(BaseModel):
    destination_id: str
    name: str
    arn: str | None  # SQS destinations only; an EventBridge one has none


class Subscription(BaseModel):
    subscription_id: str
    destination_id: str
    payload_version: str


class SetupResult(BaseModel):
    destination: Destination
    destination_created: bool
    subscription: Subscription
    subscription_created: bool


def _payload(operation: str, body: Any) -> Any:
    if not isinstance(body, dict) or "payload" not in body:
        raise AmazonBadResponse(operation, "the response has no payload")
    return body["payload"]


def _destination(operation: str, item: Any) -> Destination:
    if not isinstance(item, dict):
        raise AmazonBadResponse(operation, "a destination is not an object")
    resource = item.get("resource")
    sqs = resource.get("sqs") if isinstance(resource, dict) else None
    sqs = sqs if isinstance(sqs, dict) else {}
    dest_id, name = item.get("destinationId"), item.get("name")
    if not isinstance(dest_id, str) or not isinstance(name, str):
        raise AmazonBadResponse(operation, "a destination has no destinationId or name")
    arn = sqs.get("arn")
    return Destination(destination_id=dest_id, name=name, arn=arn if isinstance(arn, str) else None)


def _subscription(operation: str, item: Any) -> Subscription:
    if not isinstance(item, dict):
        raise AmazonBadResponse(operation, "the subscription is not an object")
    try:
        return Subscription(
            subscription_id=item["subscriptionId"],
            destination_id=item["destinationId"],
            payload_version=item["payloadVersion"],
        )
    except (KeyError, ValidationError):
        raise AmazonBadResponse(operation, "the subscription lacks a required field") from None


class NotificationsApi:
    """createDestination/getDestinations with the grantless token; createSubscription/
    getSubscription with the seller's."""

    def __init__(self, api: SpApiClient, grantless: TokenSource) -> None:
        self._api = api
        self._grantless = grantless

    async def get_destinations(self) -> list[Destination]:
        body = await self._api.request(
            "getDestinations", "GET", f"{BASE}/destinations", tokens=self._grantless
        )
        items = _payload("getDestinations", body)
        if not isinstance(items, list):
            raise AmazonBadResponse("getDestinations", "the payload is not a list")
        return [_destination("getDestinations", item) for item in items]

    async def create_destination(self, name: str, arn: str) -> Destination:
        body = {"name": name, "resourceSpecification": {"sqs": {"arn": arn}}}
        answer = await self._api.request(
            "createDestination",
            "POST",
            f"{BASE}/destinations",
            json=body,
            tokens=self._grantless,
        )
        return _destination("createDestination", _payload("createDestination", answer))

    async def get_subscription(self, notification_type: str) -> Subscription | None:
        """None when the seller has no subscription to it (Amazon answers 404)."""
        try:
            body = await self._api.request(
                "getSubscription",
                "GET",
                f"{BASE}/subscriptions/{notification_type}",
                params={"payloadVersion": PAYLOAD_VERSION},
            )
        except AmazonRequestRejected as err:
            if err.status == 404:
                return None
            raise
        return _subscription("getSubscription", _payload("getSubscription", body))

    async def create_subscription(
        self, notification_type: str, destination_id: str
    ) -> Subscription:
        body = {"payloadVersion": PAYLOAD_VERSION, "destinationId": destination_id}
        answer = await self._api.request(
            "createSubscription", "POST", f"{BASE}/subscriptions/{notification_type}", json=body
        )
        return _subscription("createSubscription", _payload("createSubscription", answer))

    async def setup(self, arn: str, name: str = "consign") -> SetupResult:
        """The destination for `arn` and the ORDER_CHANGE subscription to it, each reused when
        it exists (running it again changes nothing)."""
        found = [d for d in await self.get_destinations() if d.arn == arn]
        created_destination = not found
        destination = found[0] if found else await self.create_destination(name, arn)
        subscription = await self.get_subscription(ORDER_CHANGE)
        created_subscription = subscription is None
        if subscription is None:
            subscription = await self.create_subscription(ORDER_CHANGE, destination.destination_id)
        elif subscription.destination_id != destination.destination_id:
            raise AmazonRequestRejected(
                "createSubscription",
                f"the seller's ORDER_CHANGE subscription {subscription.subscription_id} delivers "
                f"to destination {subscription.destination_id}, not {destination.destination_id}: "
                "delete it (deleteSubscriptionById) to move it",
                status=409,
            )
        return SetupResult(
            destination=destination,
            destination_created=created_destination,
            subscription=subscription,
            subscription_created=created_subscription,
        )
