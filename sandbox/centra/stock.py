"""Stock per warehouse and size. Physical = free-to-allocate + allocated: Centra allocates for
its own orders at creation, releases on cancellation, and a completed shipment leaves the
building (physical and allocated both drop). Allocation happens in the default warehouse."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.centra.catalogue import WAREHOUSE, Catalogue


@dataclass
class SizeStock:
    physical: int
    allocated: int = 0

    @property
    def free_to_allocate(self) -> int:
        return self.physical - self.allocated


class StockLedger:
    def __init__(self, catalogue: Catalogue) -> None:
        self.levels: dict[tuple[int, str], SizeStock] = {
            (WAREHOUSE.id, s.sku): SizeStock(s.initial_stock) for s in catalogue.sizes.values()
        }

    def get(self, sku: str, warehouse_id: int = WAREHOUSE.id) -> SizeStock:
        return self.levels.setdefault((warehouse_id, sku), SizeStock(0))

    def free(self, warehouse_id: int = WAREHOUSE.id) -> dict[str, int]:
        return {
            sku: level.free_to_allocate
            for (wid, sku), level in self.levels.items()
            if wid == warehouse_id
        }

    def allocate(self, sku: str, quantity: int) -> None:
        self.get(sku).allocated += quantity

    def release(self, sku: str, quantity: int) -> None:
        level = self.get(sku)
        level.allocated = max(0, level.allocated - quantity)

    def ship(self, sku: str, quantity: int) -> None:
        level = self.get(sku)
        level.physical -= quantity
        level.allocated = max(0, level.allocated - quantity)

    def rows(self, sku: str) -> list[tuple[int, SizeStock]]:
        """The size's stock per warehouse, by warehouse id."""
        return sorted((wid, level) for (wid, s), level in self.levels.items() if s == sku)

    def dump(self) -> list[dict[str, object]]:
        return [
            {
                "warehouse_id": wid,
                "SKU": sku,
                "physical": level.physical,
                "allocated": level.allocated,
                "free_to_allocate": level.free_to_allocate,
            }
            for (wid, sku), level in sorted(self.levels.items())
        ]
