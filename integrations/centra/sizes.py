"""SKU -> Centra product size id, cached for the worker process.

setStock and the stock reads address sizes by id. Centra filters sizes by SKU only one
StringMatch at a time, so the directory pages through `productSizes { id SKU }` once (200 per
request) and keeps the map. A SKU it does not know triggers another pass at most every
`refresh_after` (new products appear), never on every push. A pass that fails half way resumes
at the page it stopped on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from integrations.centra.client import CentraClient
from integrations.centra.documents import PRODUCT_SIZES
from integrations.centra.wire import Wire

PAGE = 200
REFRESH_AFTER_SECONDS = 600.0


class SizeDirectory:
    def __init__(
        self,
        client: CentraClient,
        refresh_after: float = REFRESH_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.refresh_after = refresh_after
        self.clock = clock
        self.ids: dict[str, int] = {}
        self._next_page = 1
        self._passed_at: float | None = None
        self._lock = asyncio.Lock()

    async def resolve(self, skus: list[str]) -> dict[str, int]:
        """The size id of every SKU Centra has; unknown SKUs are left out."""
        if any(sku not in self.ids for sku in skus):
            async with self._lock:
                if any(sku not in self.ids for sku in skus) and self._may_pass():
                    await self._pass()
        return {sku: self.ids[sku] for sku in skus if sku in self.ids}

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
