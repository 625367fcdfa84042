"""Centra's side of inventory sync: the GXO warehouse's physical stock, set absolutely with
setStock(StockSetInput, PHYSICAL) and read back per size (ProductSize.stock).

Both address product sizes by id: a SKU (read-only in Centra, productNumber + variantNumber +
sizeNumber) is resolved to its size once and cached (sizes.py). A SKU Centra does not have is
rejected before anything is sent.

Centra allocates stock to its own orders and computes free-to-allocate itself, so consign pushes
physical stock (`subtracts_own_orders`), never what may be sold. Deltas (changeStock) are only for
movements Centra cannot know (receipts, stock-takes, damage), as Centra's guidance says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from domain.exceptions import ConsignError, ExceptionKind
from domain.inventory import ListingQuantity, PushOutcome
from integrations.centra.client import CentraClient, Json
from integrations.centra.documents import CHANGE_STOCK, SET_STOCK, STOCK_LEVELS
from integrations.centra.errors import CentraUserErrors
from integrations.centra.settings import CHANNEL
from integrations.centra.sizes import SizeDirectory
from integrations.centra.wire import Wire
from integrations.channel import OutcomeSink, SubmissionSink

SET_STOCK_SUBMISSION = "setStock"
INTO_SUBMISSION = "changeStock intoWarehouse"
OUT_SUBMISSION = "changeStock outFromWarehouse"
SET_DESCRIPTION = "consign: physical stock at GXO"
CHUNK = 500  # sizes per mutation: one mutation per batch, bounded in size
READ_CHUNK = 200  # sizes per stock read (Centra caps list limits at 200)
MAX_PASSES = 3  # a refused setStock batch is resent without the sizes Centra named
UNKNOWN_SKU = "Centra has no product size with this SKU"


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _named_index(path: list[str], field: str, sent: Sequence[str]) -> int | None:
    """The position in `sent` a userError's path names: the index after `field`
    (["input", "productSizes", "3", "productSize"]) or an element equal to a sent SKU."""
    for position, part in enumerate(path):
        if part == field and position + 1 < len(path):
            following = path[position + 1]
            if following.isdigit() and int(following) < len(sent):
                return int(following)
    for part in path:
        if part in sent:
            return sent.index(part)
    return None


def _blame(error: CentraUserErrors, field: str, sent: Sequence[str]) -> tuple[dict[int, str], str]:
    """Split userErrors into those naming a sent size (by index) and the rest (joined text)."""
    named: dict[int, str] = {}
    unnamed: list[str] = []
    for message, path in zip(error.messages, error.paths, strict=False):
        index = _named_index(path, field, sent)
        if index is None:
            unnamed.append(message)
        else:
            named[index] = f"{named[index]}; {message}" if index in named else message
    if len(error.paths) < len(error.messages):
        unnamed.extend(error.messages[len(error.paths) :])
    return named, "; ".join(unnamed)


class CentraStock:
    """StockPort for Centra: one store (`account`), one warehouse (the GXO one, created in Centra
    with stockMasterPolicy EXTERNAL)."""

    channel = CHANNEL
    subtracts_own_orders = True

    def __init__(
        self,
        client: CentraClient,
        account: str,
        warehouse_id: int | None,
        sizes: SizeDirectory | None = None,
    ) -> None:
        if warehouse_id is None or warehouse_id <= 0:
            raise ConsignError(
                ExceptionKind.CHANNEL_REJECTED,
                "Centra stock sync needs CENTRA_WAREHOUSE_ID: the id of the GXO warehouse in "
                "Centra (stockMasterPolicy EXTERNAL)",
            )
        self.client = client
        self.account = account
        self.warehouse_id = warehouse_id
        self.sizes = sizes or SizeDirectory(client)

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        """One setStock(PHYSICAL) per chunk of sizes, answered at once (nothing goes to
        `submitted`; each chunk's outcomes go to `answered` when Centra has answered it).
        setStock is absolute, so resending the rest of a refused batch (or the whole push
        after a lost response) cannot double count."""
        latest = {item.sku: item.quantity for item in quantities}  # a repeated SKU: last wins
        ids = await self.sizes.resolve(list(latest))
        outcomes: dict[str, PushOutcome] = {}

        async def answer(given: list[PushOutcome]) -> None:
            for outcome in given:
                outcomes[outcome.sku] = outcome
                if answered is not None:
                    await answered(outcome)

        await answer(
            [
                self._set_outcome(sku, quantity, UNKNOWN_SKU)
                for sku, quantity in latest.items()
                if sku not in ids
            ]
        )
        known = [(sku, quantity) for sku, quantity in latest.items() if sku in ids]
        for chunk in _chunks(known, CHUNK):
            await answer(await self._set_chunk(list(chunk), ids))
        return [outcomes[sku] for sku in latest]

    async def _set_chunk(
        self, levels: list[tuple[str, int]], ids: dict[str, int]
    ) -> list[PushOutcome]:
        outcomes: list[PushOutcome] = []
        pending = levels
        for _ in range(MAX_PASSES):
            if not pending:
                break
            try:
                variables = self._set_input(pending, ids)
                await self.client.mutate(SET_STOCK, variables, "SetStock", "setStock", patient=True)
            except CentraUserErrors as error:
                skus = [sku for sku, _ in pending]
                named, unnamed = _blame(error, "productSizes", skus)
                if unnamed or not named:
                    reason = unnamed or "; ".join(error.messages)
                    outcomes += [
                        self._set_outcome(sku, quantity, named.get(i) or reason)
                        for i, (sku, quantity) in enumerate(pending)
                    ]
                    return outcomes
                outcomes += [self._set_outcome(*pending[i], named[i]) for i in sorted(named)]
                pending = [level for i, level in enumerate(pending) if i not in named]
                continue
            outcomes += [self._set_outcome(sku, quantity, None) for sku, quantity in pending]
            return outcomes
        reason = f"Centra refused the batch {MAX_PASSES} times; not set"
        return outcomes + [self._set_outcome(sku, quantity, reason) for sku, quantity in pending]

    def _set_input(self, levels: list[tuple[str, int]], ids: dict[str, int]) -> Json:
        """StockSetInput addressing each size by id (StockSetProductSizeInput)."""
        return {
            "input": {
                "warehouse": {"id": self.warehouse_id},
                "description": SET_DESCRIPTION,
                "stockQuantityType": "PHYSICAL",
                "productSizes": [
                    {"productSize": {"id": ids[sku]}, "quantity": quantity}
                    for sku, quantity in levels
                ],
            }
        }

    @staticmethod
    def _set_outcome(sku: str, quantity: int, rejection: str | None) -> PushOutcome:
        return PushOutcome(
            sku=sku,
            quantity=quantity,
            accepted=rejection is None,
            submission=SET_STOCK_SUBMISSION,
            message=rejection,
        )

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        """Physical stock per size in the GXO warehouse: the figure push sets, so the reconcile
        compares like with like. SKUs Centra does not have are omitted; a size without a stock
        row in the warehouse reads 0, a negative level reads 0."""
        ids = await self.sizes.resolve(list(dict.fromkeys(skus)))
        by_id = {size_id: sku for sku, size_id in ids.items()}
        found: list[ListingQuantity] = []
        for chunk in _chunks(sorted(by_id), READ_CHUNK):
            variables = {"ids": list(chunk), "limit": len(chunk), "warehouse": self.warehouse_id}
            data = await self.client.execute(STOCK_LEVELS, variables, "StockLevels", patient=True)
            wire = Wire("StockLevels", f"warehouse {self.warehouse_id}")
            for size in wire.objects(data, "productSizes"):
                size_id = wire.integer(size, "id")
                if size_id in by_id:
                    physical = sum(_physical(wire, row) for row in wire.objects(size, "stock"))
                    found.append(ListingQuantity(sku=by_id[size_id], quantity=max(0, physical)))
        return found

    async def change(self, deltas: list[tuple[str, int]], description: str) -> list[PushOutcome]:
        """Movements Centra cannot know (a receipt, a stock-take): positive deltas go
        intoWarehouse, negative outFromWarehouse, zero is skipped. One outcome per non-zero
        delta, `quantity` its size. Deltas are not idempotent, so a refused batch is never
        resent: its sizes come back rejected and the next setStock sync corrects them."""
        ids = await self.sizes.resolve([sku for sku, delta in deltas if delta])
        into = [(sku, delta) for sku, delta in deltas if delta > 0]
        out = [(sku, -delta) for sku, delta in deltas if delta < 0]
        outcomes: list[PushOutcome] = []
        for direction, submission, moves in (
            ("intoWarehouse", INTO_SUBMISSION, into),
            ("outFromWarehouse", OUT_SUBMISSION, out),
        ):
            unknown = [(sku, qty) for sku, qty in moves if sku not in ids]
            outcomes += [
                PushOutcome(
                    sku=sku,
                    quantity=qty,
                    accepted=False,
                    submission=submission,
                    message=UNKNOWN_SKU,
                )
                for sku, qty in unknown
            ]
            known = [(sku, qty) for sku, qty in moves if sku in ids]
            for chunk in _chunks(known, CHUNK):
                sent = list(chunk)
                outcomes += await self._change_chunk(direction, submission, sent, ids, description)
        return outcomes

    async def _change_chunk(
        self,
        direction: str,
        submission: str,
        moves: list[tuple[str, int]],
        ids: dict[str, int],
        description: str,
    ) -> list[PushOutcome]:
        variables = {
            "input": {
                direction: {"id": self.warehouse_id},
                "description": description,
                "productSizes": [
                    {"productSize": {"id": ids[sku]}, "deliveredQuantity": qty}
                    for sku, qty in moves
                ],
            }
        }
        rejections: dict[int, str] = {}
        try:
            await self.client.mutate(
                CHANGE_STOCK, variables, "ChangeStock", "changeStock", patient=True
            )
        except CentraUserErrors as error:
            named, unnamed = _blame(error, "productSizes", [sku for sku, _ in moves])
            batch = unnamed or "Centra refused the batch because of other sizes"
            rejections = {i: named.get(i, batch) for i in range(len(moves))}
        return [
            PushOutcome(
                sku=sku,
                quantity=qty,
                accepted=i not in rejections,
                submission=submission,
                message=rejections.get(i),
            )
            for i, (sku, qty) in enumerate(moves)
        ]


def _physical(wire: Wire, row: Json) -> int:
    value = row.get("physicalQuantity")
    if isinstance(value, bool) or not isinstance(value, int):
        raise wire.fail("a stock row lacks physicalQuantity")
    return value
