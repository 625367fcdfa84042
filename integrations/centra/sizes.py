"""SKU -> Centra product size id, cached for the worker process.

setStock and the stock reads address sizes by id. Centra filters sizes by SKU only one
StringMatch at a time, so the directory pages through `productSizes { id SKU }` once (200 per
request) and keeps the map; another pass comes at most every `refresh_after`. A SKU it does not
know between passes (a product created since, as a launch does: its first push is the 0 that
keeps it off sale until GXO accepts it) is asked for by itself, at most LOOKUPS_PER_RESOLVE
a call and each at most once every `miss_kept` seconds while Centra does not have it. Before,
such a SKU waited for the next pass, up to 10 minutes of the channel selling the stock the
product was created with. A pass that fails half way resumes at the page it stopped on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from integrations.centra.client import CentraClient
from integrations.centra.documents import PRODUCT_SIZES, PRODUCT_SIZES_BY_SKU
from integrations.centra.wire import Wire

PAGE = 200
REFRESH_AFTER_SECONDS = 600.0
LOOKUPS_PER_RESOLVE = 25  # unknown SKUs asked one by one; the rest wait for later calls
MISS_KEPT_SECONDS = 60.0  # a SKU Centra did not have is not asked for again before this


class SizeDirectory:
    def __init__(
        self,
        client: CentraClient,
        refresh_after: float = REFRESH_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        miss_kept: float = MISS_KEPT_SECONDS,
    ) -> None:
        self.client = client
        self.refresh_after = refresh_after
        self.clock = clock
        self.miss_kept = miss_kept
        self.ids: dict[str, int] = {}
        self._missed: dict[str, float] = {}  # SKU -> when Centra last did not have it
        self._next_page = 1
        self._passed_at: float | None = None
        self._lock = asyncio.Lock()

    async def resolve(self, skus: list[str]) -> dict[str, int]:
        """The size id of every SKU Centra has; unknown SKUs are left out."""
        if any(sku not in self.ids for sku in skus):
            async with self._lock:
                if any(sku not in self.ids for sku in skus):
                    if self._may_pass():
                        await self._pass()
                        # Not in the whole list either: asked for again after `miss_kept`.
                        now = self.clock()
                        self._missed |= {sku: now for sku in skus if sku not in self.ids}
                    else:
                        await self._look_up([sku for sku in skus if self._may_ask(sku)])
        return {sku: self.ids[sku] for sku in skus if sku in self.ids}

    def _may_ask(self, sku: str) -> bool:
        missed = self._missed.get(sku)
        return sku not in self.ids and (missed is None or self.clock() - missed >= self.miss_kept)

    async def _look_up(self, skus: list[str]) -> None:
        wire = Wire("ProductSizesBySku", "product sizes")
        for sku in list(dict.fromkeys(skus))[:LOOKUPS_PER_RESOLVE]:
            variables = {"sku": sku, "limit": PAGE}
            data = await self.client.execute(
                PRODUCT_SIZES_BY_SKU, variables, "ProductSizesBySku", patient=True
            )
            for row in wire.objects(data, "productSizes"):
                if wire.text(row, "SKU") == sku:  # `contains` also finds longer SKUs
                    self.ids[sku] = wire.integer(row, "id")
            if sku in self.ids:
                self._missed.pop(sku, None)
            else:
                self._missed[sku] = self.clock()

    def _may_pass(self) -> bool:
        return self._passed_at is None or self.clock() - self._passed_at >= self.refresh_after

    async def _pass(self) -> None:
        wire = Wire("ProductSizes", "product sizes")
        while True:
            variables = {"limit": PAGE, "page": self._next_page}
            data = await self.client.execute(PRODUCT_SIZES, variables, "ProductSizes", patient=True)
            rows = wire.objects(data, "productSizes")
            for row in rows:
                sku = wire.text(row, "SKU")
                if sku is not None:
                    self.ids[sku] = wire.integer(row, "id")
            if len(rows) < PAGE:
                self._next_page = 1
                self._passed_at = self.clock()
                return
            self._next_page += 1
