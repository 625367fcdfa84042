"""The sandbox's returns desk scripted per RMA or channel order (`POST
/_sandbox/return-scenarios`: `short`, `wrong_item`, `never_arrives`, `several`), read as consign
reads GXO (the REST client: the
event feed's RETURN_RECEIVED receipts and the stock feed's RETURN movements) and checked
against docs/gxo-interface.md, "Returns": a receipt per arrival with a disposition per line,
the notice's status EXPECTED / PARTIALLY_RECEIVED / RECEIVED, SELLABLE units back to stock as a
RETURN change whose reference is the RMA, other dispositions moving no stock, and a wrong item
reported as what arrived with the disposition WRONG_ITEM."""

from __future__ import annotations

from typing import Any

import httpx

from domain.inventory import StockChangeKind
from domain.returns import ReturnNotice, ReturnNoticeLine, ReturnReceipt
from domain.warehouse import ReturnReceivedEvent
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from sandbox.gxo.catalogue import UK_DAVENTRY

JACKET, SCARF, OTHER = "GXO-100001", "GXO-100004", "GXO-100003"  # all held at Daventry
CYCLES = 4  # well past the default one-cycle delay and a `several` second parcel


def notice(rma: str, order_id: str = "1042") -> ReturnNotice:
    """Two lines: 1 jacket, 2 scarves (the last line: the one `short` takes from)."""
    return ReturnNotice(
        facility_id=UK_DAVENTRY,
        rma=rma,
        channel=Channel.CENTRA,
        account="store-eu",
        channel_order_id=order_id,
        lines=[
            ReturnNoticeLine(
                line_number=1, channel_line_id="88", sku="JKT", item_code=JACKET, quantity=1
            ),
            ReturnNoticeLine(
                line_number=2, channel_line_id="89", sku="SCF", item_code=SCARF, quantity=2
            ),
        ],
    )


async def scripted(gxo: RestWarehouse, http: httpx.AsyncClient, rma: str, **scenario: Any) -> None:
    (await http.post("/_sandbox/return-scenarios", json={rma: scenario})).raise_for_status()
    accepted = await gxo.notify_return(notice(rma))
    assert not accepted.duplicate


async def cycles(http: httpx.AsyncClient, count: int = CYCLES) -> None:
    for _ in range(count):
        (await http.post("/_sandbox/cycle")).raise_for_status()


async def receipts(gxo: RestWarehouse, rma: str) -> list[ReturnReceipt]:
    page = await gxo.events_since(UK_DAVENTRY, 0, 500)
    assert page.set_aside == []  # every receipt reads as the contract says
    found = [e.receipt for e in page.events if isinstance(e, ReturnReceivedEvent)]
    return [r for r in found if r.rma == rma]


def lines(receipt: ReturnReceipt) -> list[tuple[int, str, int, str]]:
    return [(x.line_number, x.item_code, x.quantity, x.disposition) for x in receipt.lines]


async def status(http: httpx.AsyncClient, rma: str) -> str:
    views = (await http.get("/_sandbox/returns")).json()
    found: str = next(v["status"] for v in views if v["rma"] == rma)
    return found


async def restocked(gxo: RestWarehouse, rma: str) -> dict[str, int]:
    """Units back on the shelf for this RMA, by item (the stock feed's RETURN changes)."""
    page = await gxo.stock_changes(UK_DAVENTRY, 0, 500)
    moved: dict[str, int] = {}
    for change in page.changes:
        if change.kind is StockChangeKind.RETURN and change.reference == rma:
            moved[change.item_code] = moved.get(change.item_code, 0) + change.quantity
    return moved


async def test_a_return_arrives_whole_and_sellable_by_default(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    """The baseline the scenarios differ from: one receipt, every unit back to stock."""
    await scripted(gxo, http, "R-0")
    await cycles(http)
    [receipt] = await receipts(gxo, "R-0")
    assert lines(receipt) == [(1, JACKET, 1, "SELLABLE"), (2, SCARF, 2, "SELLABLE")]
    assert (receipt.channel, receipt.account) == (Channel.CENTRA, "store-eu")
    assert await status(http, "R-0") == "RECEIVED"
    assert await restocked(gxo, "R-0") == {JACKET: 1, SCARF: 2}


async def test_short_leaves_units_of_the_last_line_out_and_the_return_partial(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await scripted(gxo, http, "R-1", short=1)
    await cycles(http)
    [receipt] = await receipts(gxo, "R-1")
    assert lines(receipt) == [(1, JACKET, 1, "SELLABLE"), (2, SCARF, 1, "SELLABLE")]
    assert await status(http, "R-1") == "PARTIALLY_RECEIVED"
    assert await restocked(gxo, "R-1") == {JACKET: 1, SCARF: 1}


async def test_a_wrong_item_is_reported_as_what_arrived_and_not_restocked(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    """docs: WRONG_ITEM, "the buyer sent something else: item_code is what arrived"; only
    SELLABLE units go back to stock."""
    await scripted(gxo, http, "R-2", wrong_item=OTHER)
    await cycles(http)
    [receipt] = await receipts(gxo, "R-2")
    assert lines(receipt) == [(1, OTHER, 1, "WRONG_ITEM"), (2, SCARF, 2, "SELLABLE")]
    assert await restocked(gxo, "R-2") == {SCARF: 2}


async def test_a_script_for_a_channel_order_applies_to_its_returns_unless_the_rma_has_one(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    """A script made before the buyer's return exists (its RMA unknown yet) is keyed by the
    channel order id; an RMA's own script wins over its order's."""
    scripts = {"2077": {"never_arrives": True}, "R-6B": {"short": 1}}
    (await http.post("/_sandbox/return-scenarios", json=scripts)).raise_for_status()
    for rma in ("R-6A", "R-6B"):
        assert not (await gxo.notify_return(notice(rma, order_id="2077"))).duplicate
    await cycles(http)
    assert await receipts(gxo, "R-6A") == []
    assert await status(http, "R-6A") == "EXPECTED"
    [receipt] = await receipts(gxo, "R-6B")
    assert lines(receipt) == [(1, JACKET, 1, "SELLABLE"), (2, SCARF, 1, "SELLABLE")]


async def test_a_return_that_never_arrives_stays_expected_with_no_receipt_or_stock(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await scripted(gxo, http, "R-3", never_arrives=True)
    await cycles(http, 10)
    assert await receipts(gxo, "R-3") == []
    assert await status(http, "R-3") == "EXPECTED"
    assert await restocked(gxo, "R-3") == {}
    again = await gxo.notify_return(notice("R-3"))  # idempotent on (facility, RMA)
    assert again.duplicate and await status(http, "R-3") == "EXPECTED"


async def test_several_is_one_receipt_per_line_a_cycle_apart(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await scripted(gxo, http, "R-4", several=True, dispositions={SCARF: "DAMAGED"})
    assert await receipts(gxo, "R-4") == []
    await cycles(http, 1)  # the next cycle (delay_cycles 1): the first line only
    [first] = await receipts(gxo, "R-4")
    assert lines(first) == [(1, JACKET, 1, "SELLABLE")]
    assert await status(http, "R-4") == "PARTIALLY_RECEIVED"
    await cycles(http)
    found = await receipts(gxo, "R-4")
    assert [lines(r) for r in found] == [[(1, JACKET, 1, "SELLABLE")], [(2, SCARF, 2, "DAMAGED")]]
    assert len({r.receipt_id for r in found}) == 2
    assert await status(http, "R-4") == "RECEIVED"
    assert await restocked(gxo, "R-4") == {JACKET: 1}  # damaged units move no stock
