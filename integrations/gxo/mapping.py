"""Domain <-> GXO wire, field by field: the one place that knows both shapes.

What consign sends is built from the domain plan; what GXO sends back is read into the domain
models the workflows use. Fields the domain does not use (SSCC, weights, lots, the shipment id)
stay on the wire; a value the domain cannot represent (a channel consign does not know) is a
ContractError. Pages are read record by record in integrations/gxo/records.py, which sets such
a record aside instead of refusing its page.
"""

from __future__ import annotations

from collections.abc import Collection

from domain.inventory import StockChange, StockChangeKind, StockLevel
from domain.order import ShipTo
from domain.products import ItemRecord, ItemState, ItemStatus
from domain.returns import (
    NoticeResult,
    ReceiptLine,
    ReturnNotice,
    ReturnReceipt,
    ReturnReceivedEvent,
)
from domain.warehouse import (
    CancelOutcome,
    CustomsInfo,
    InjectionResult,
    Parcel,
    ParcelLine,
    Rejection,
    RejectionCode,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrder,
    WarehouseOrderLine,
    WarehouseOrderState,
    WarehouseOrderStatus,
)
from integrations.gxo import wire


class ContractError(ValueError):
    """A body that parses as the contract but holds a value consign cannot act on."""


Channels = Collection[str] | None  # the channel names consign runs (the registry's); None: any


def _channel(value: str, channels: Channels) -> str:
    """A channel name consign sent: one of `channels`, which the registry passes (the GXO
    module itself knows no channel)."""
    if not value.strip() or len(value) > 32 or (channels is not None and value not in channels):
        raise ContractError(f"unknown channel {value[:40]!r}")
    return value


# ---- consign -> GXO --------------------------------------------------------------------------


def _address(ship_to: ShipTo) -> dict[str, object]:
    return {
        "name": ship_to.name,
        "company": ship_to.company,
        "line1": ship_to.line1,
        "line2": ship_to.line2,
        "line3": ship_to.line3,
        "city": ship_to.city,
        "state_or_region": ship_to.state_or_region,
        "postal_code": ship_to.postal_code,
        "country_code": ship_to.country_code,
        "phone": ship_to.phone,
    }


def _customs(customs: CustomsInfo | None) -> dict[str, object] | None:
    if customs is None:
        return None
    return {
        "hs_code": customs.hs_code,
        "country_of_origin": customs.country_of_origin,
        "description": customs.description,
        "unit_value": customs.unit_value,
        "currency": customs.currency,
    }


def _order_line(line: WarehouseOrderLine) -> dict[str, object]:
    return {
        "line_number": line.line_number,
        "item_code": line.item_code,
        "quantity": line.quantity,
        "channel_line_id": line.channel_line_id,
        "customs": _customs(line.customs),
    }


def order_request(order: WarehouseOrder) -> wire.OrderRequest:
    """The 940 body of a plan, validated as a whole (a ValidationError names every field that
    does not fit). A plan made before references were per account has no channel_order_id
    and is sent exactly as it was then: its reference is the channel order id."""
    return wire.OrderRequest.model_validate(
        {
            "facility_id": order.facility_id,
            "reference": order.reference,
            "channel_order_id": order.channel_order_id,
            "channel": order.channel,
            "account": order.account,
            "carrier_service_code": order.carrier_service_code,
            "ship_to": _address(order.ship_to),
            "ship_by": order.ship_by,
            "is_international": order.is_international,
            "lines": [_order_line(line) for line in order.lines],
        }
    )


# ---- GXO -> consign --------------------------------------------------------------------------


def item_request(record: ItemRecord) -> wire.ItemRequest:
    return wire.ItemRequest(
        item_code=record.item_code,
        description=record.description,
        sku=record.sku,
        ean=record.ean,
        upc=record.upc,
        hs_code=record.hs_code,
        country_of_origin=record.country_of_origin,
        weight_kg=record.weight_kg,
        length_cm=record.length_cm,
        width_cm=record.width_cm,
        height_cm=record.height_cm,
        active=record.active,
    )


def item_state(body: wire.ItemState) -> ItemState:
    return ItemState(
        facility_id=body.facility_id,
        item_code=body.item_code,
        status=ItemStatus(body.status),
        revision=body.revision,
        rejection=body.rejection.message if body.rejection else None,
    )


def injection_result(body: wire.OrderAccepted) -> InjectionResult:
    return InjectionResult(
        warehouse_order_id=body.warehouse_order_id,
        status=WarehouseOrderStatus(body.status),
        duplicate=body.duplicate,
    )


def rejection(body: wire.Rejection) -> Rejection:
    return Rejection(
        code=RejectionCode(body.code), message=body.message, line_number=body.line_number
    )


def _rejection(body: wire.Rejection | None) -> Rejection | None:
    return rejection(body) if body is not None else None


def cancel_outcome(body: wire.CancelResult) -> CancelOutcome:
    return CancelOutcome(body.outcome)


def _parcel(body: wire.Parcel) -> Parcel:
    return Parcel(
        parcel_id=body.parcel_id,
        tracking_number=body.tracking_number,
        carrier_service_code=body.carrier_service_code,
        shipped_at=body.shipped_at,
        lines=[
            ParcelLine(
                line_number=line.line_number,
                item_code=line.item_code,
                channel_line_id=line.channel_line_id,
                quantity=line.quantity,
            )
            for line in body.lines
        ],
    )


def order_state(body: wire.OrderState) -> WarehouseOrderState:
    return WarehouseOrderState(
        warehouse_order_id=body.warehouse_order_id,
        reference=body.reference,
        facility_id=body.facility_id,
        status=WarehouseOrderStatus(body.status),
        parcels=[_parcel(p) for p in body.parcels],
        rejection=_rejection(body.rejection),
    )


def event(body: wire.Event, channels: Channels = None) -> WarehouseEvent:
    return WarehouseEvent(
        event_id=body.event_id,
        sequence=body.sequence,
        kind=WarehouseEventKind(body.kind),
        facility_id=body.facility_id,
        reference=body.reference,
        channel_order_id=body.channel_order_id,
        channel=_channel(body.channel, channels),
        account=body.account,
        warehouse_order_id=body.warehouse_order_id,
        order_status=WarehouseOrderStatus(body.order_status),
        occurred_at=body.occurred_at,
        parcels=[_parcel(p) for p in body.parcels],
        rejection=_rejection(body.rejection),
    )


def stock_level(body: wire.StockLevel) -> StockLevel:
    return StockLevel(
        facility_id=body.facility_id,
        item_code=body.item_code,
        on_hand=body.on_hand,
        allocated=body.allocated,
    )


def stock_change(body: wire.StockChange, channels: Channels = None) -> StockChange:
    """The domain keys order demand by the channel order id: an order injected under a
    per-account reference names it in channel_order_id, an older one in the reference."""
    return StockChange(
        sequence=body.sequence,
        facility_id=body.facility_id,
        item_code=body.item_code,
        kind=StockChangeKind(body.kind),
        quantity=body.quantity,
        on_hand_after=body.on_hand_after,
        allocated_after=body.allocated_after,
        reference=body.channel_order_id or body.reference,
        channel=_channel(body.channel, channels) if body.channel is not None else None,
        account=body.account,
        at=body.at,
    )


def return_notice_request(notice: ReturnNotice) -> wire.ReturnNoticeRequest:
    return wire.ReturnNoticeRequest(
        facility_id=notice.facility_id,
        rma=notice.rma,
        channel=notice.channel,
        account=notice.account,
        channel_order_id=notice.channel_order_id,
        lines=[
            wire.ReturnNoticeLine(
                line_number=line.line_number,
                channel_line_id=line.channel_line_id,
                sku=line.sku,
                item_code=line.item_code,
                quantity=line.quantity,
            )
            for line in notice.lines
        ],
    )


def notice_result(body: wire.ReturnNoticeAccepted) -> NoticeResult:
    return NoticeResult(return_id=body.return_id, duplicate=body.duplicate)


def return_event(body: wire.ReturnEvent, channels: Channels = None) -> ReturnReceivedEvent:
    """A receipt naming an RMA must name the channel and account it was notified for; one
    naming none is kept as it came (the delivery keeps it for a person)."""
    receipt = body.receipt
    named = receipt.rma is not None
    if named and (receipt.channel is None or receipt.account is None):
        raise ContractError("a receipt naming an RMA must name its channel and account")
    return ReturnReceivedEvent(
        event_id=body.event_id,
        sequence=body.sequence,
        facility_id=body.facility_id,
        receipt=ReturnReceipt(
            receipt_id=receipt.receipt_id,
            facility_id=body.facility_id,
            rma=receipt.rma,
            channel=_channel(receipt.channel, channels) if receipt.channel else None,
            account=receipt.account,
            received_at=receipt.received_at,
            lines=[
                ReceiptLine(
                    line_number=line.line_number,
                    item_code=line.item_code,
                    quantity=line.quantity,
                    disposition=line.disposition,
                )
                for line in receipt.lines
            ],
        ),
    )
