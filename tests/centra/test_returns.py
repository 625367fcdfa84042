"""Centra's returns through consign's client against the sandbox (which executes the documented
schema): a return created in Centra shows in the events queue under its own listener, reads
back with its SKUs and order, completes once, refunds once, and a refused refund is a
userError the caller can name (REFUND_REFUSED)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from integrations.centra.client import CentraClient
from integrations.centra.errors import CentraUserErrors
from integrations.centra.returns import CentraReturns
from sandbox.centra.app import create_app
from sandbox.centra.tokens import DEFAULT_TOKEN
from tests.sandbox.test_centra_sandbox_shipments import RETURN, complete, create, line_ids
from tests.sandbox.test_centra_sandbox_support import Centra

URL = "https://brand.centra.test/graphql"


def shipped_return(centra: Centra, quantity: int = 2) -> tuple[int, int]:
    """An order of 2 x JKT100BLKM + 1 TEE200WHTS, shipped, with a return of the jackets:
    (order number, return id)."""
    [order] = centra.create_orders(
        {"lines": [{"SKU": "JKT100BLKM", "quantity": 2}, {"SKU": "TEE200WHTS"}]}
    )
    shipment = create(centra, order["number"], (line_ids(order)[0], 2))["shipment"]
    complete(centra, shipment["id"])
    variables = {"shipment": shipment["id"], "line": shipment["lines"][0]["id"], "qty": quantity}
    created = centra.mutate(RETURN, variables, "createReturn")["return"]
    return order["number"], created["id"]


@pytest.fixture
def centra() -> Centra:
    return Centra()


@pytest.fixture
async def returns(centra: Centra) -> CentraReturns:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(centra.sandbox)))
    client = CentraClient(URL, SecretStr(DEFAULT_TOKEN), http=http)
    return CentraReturns(client, "store-eu")


async def test_a_new_return_is_an_event_and_reads_back_with_skus(
    centra: Centra, returns: CentraReturns
) -> None:
    assert await returns.return_events(50) == {}  # listening from now on
    number, return_id = shipped_return(centra)
    events = await returns.return_events(50)
    assert list(events.values()) == [str(return_id)]
    [found] = await returns.returns(list(events.values()))
    assert found.ref.rma == str(return_id) and found.ref.workflow_id.startswith("return:centra:")
    assert found.channel_order_id == str(number)
    assert [(line.sku, line.quantity) for line in found.lines] == [("JKT100BLKM", 2)]
    assert not found.completed and not found.refunded
    await returns.confirm(list(events))
    assert await returns.return_events(50) == {}


async def test_complete_then_refund_once(centra: Centra, returns: CentraReturns) -> None:
    _, return_id = shipped_return(centra)
    await returns.complete(str(return_id))
    with pytest.raises(CentraUserErrors, match="already completed"):
        await returns.complete(str(return_id))
    await returns.refund(str(return_id))
    found = await returns.get_return(str(return_id))
    assert found is not None and found.completed and found.refunded
    with pytest.raises(CentraUserErrors, match="already refunded"):
        await returns.refund(str(return_id))
    [refund] = [p for p in centra.sandbox.orders[found_order(centra)].payments if p.return_id]
    assert (refund.entry_type, refund.status) == ("REFUND", "SUCCESS")


def found_order(centra: Centra) -> int:
    return next(iter(centra.sandbox.orders))


async def test_a_refused_refund_is_a_user_error_and_leaves_no_refund(
    centra: Centra, returns: CentraReturns
) -> None:
    number, return_id = shipped_return(centra)
    centra.sandbox.set_refund_fails(number, True)
    with pytest.raises(CentraUserErrors, match="refused the refund"):
        await returns.refund(str(return_id))
    found = await returns.get_return(str(return_id))
    assert found is not None and not found.refunded
    entries = [(p.entry_type, p.status) for p in centra.sandbox.orders[number].payments]
    assert ("REFUND_FAILED", "FAILED") in entries and ("REFUND", "SUCCESS") not in entries


async def test_a_deleted_return_reads_as_absent(centra: Centra, returns: CentraReturns) -> None:
    _, return_id = shipped_return(centra)
    centra.sandbox.delete_return(return_id)
    assert await returns.get_return(str(return_id)) is None
