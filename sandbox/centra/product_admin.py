"""Product master changes a brand makes in the Centra admin (the PIM side), for tests and the
demo: a new product with variants, sizes and opening stock, or a change to one. Each bumps the
product's updatedAt and records a Product event for the events queue (Centra's webhook plugin
sends no product pushes, so there is none here)."""

from __future__ import annotations

import dataclasses

from pydantic import BaseModel, Field

from sandbox.centra.catalogue import Product, Size, Variant, ean13
from sandbox.centra.state import CentraSandbox


class NewSize(BaseModel):
    size_number: str = Field(min_length=1)  # the SKU suffix, e.g. "M"
    ean: str | None = None  # a valid EAN-13 is made up when absent
    stock: int = Field(default=0, ge=0)  # physical units in Centra's warehouse


class NewVariant(BaseModel):
    number: str = Field(min_length=1)  # the SKU's middle part, e.g. "BLK"
    name: str
    unit_cost_eur: float = Field(default=50.0, ge=0)
    sizes: list[NewSize] = Field(min_length=1)


class NewProduct(BaseModel):
    number: str = Field(min_length=1)  # the SKU's first part, e.g. "JKT900"
    name: str
    hs_code: str | None = None
    hs_description: str | None = None
    country_of_origin: str | None = None
    weight_kg: float | None = None
    status: str = Field(default="ACTIVE", pattern="^(ACTIVE|INACTIVE)$")
    variants: list[NewVariant] = Field(min_length=1)


class ProductChange(BaseModel):
    """Fields to change; absent ones stay."""

    name: str | None = None
    hs_code: str | None = None
    country_of_origin: str | None = None
    weight_kg: float | None = None
    status: str | None = Field(default=None, pattern="^(ACTIVE|INACTIVE)$")


def add_product(sandbox: CentraSandbox, body: NewProduct) -> tuple[int, list[str]]:
    """Create the product; its id and SKUs. ValueError when a SKU already exists."""
    with sandbox.lock:
        catalogue = sandbox.catalogue
        skus = [body.number + v.number + s.size_number for v in body.variants for s in v.sizes]
        taken = sorted(set(skus) & set(catalogue.by_sku))
        if taken or len(set(skus)) != len(skus):
            raise ValueError(f"SKUs already exist or repeat: {taken or skus}")
        now = sandbox.clock()
        product = catalogue.add_product(
            Product(
                id=max(catalogue.products, default=0) + 1,
                number=body.number,
                name=body.name,
                status=body.status,
                hs_code=body.hs_code,
                hs_description=body.hs_description,
                country_of_origin=body.country_of_origin,
                weight_kg=body.weight_kg,
                updated_at=now,
            )
        )
        for new_variant in body.variants:
            variant = catalogue.add_variant(
                Variant(
                    id=max(catalogue.variants, default=0) + 1,
                    product_id=product.id,
                    number=new_variant.number,
                    name=new_variant.name,
                    unit_cost_eur=new_variant.unit_cost_eur,
                )
            )
            for new_size in new_variant.sizes:
                size_id = max(catalogue.sizes, default=0) + 1
                ean = new_size.ean or ean13(f"735001{size_id:06d}")
                size: Size = catalogue.add_size(
                    variant.id, size_id, new_size.size_number, new_size.size_number, ean
                )
                sandbox.stock.get(size.sku).physical = new_size.stock
        sandbox.events.record("Product", "CREATED", product.id, now)
        return product.id, skus


def change_product(sandbox: CentraSandbox, product_id: int, change: ProductChange) -> None:
    """Apply the change and bump updatedAt. KeyError for an unknown product."""
    with sandbox.lock:
        catalogue = sandbox.catalogue
        product = catalogue.products[product_id]
        now = sandbox.clock()
        changes = change.model_dump(exclude_none=True)
        catalogue.products[product_id] = dataclasses.replace(product, **changes, updated_at=now)
        sandbox.events.record("Product", "UPDATED", product_id, now)
