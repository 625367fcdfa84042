"""Listings in the sandbox: each catalogue SKU's attributes per marketplace, changed by JSON
Patch exactly as patchListingsItem and JSON_LISTINGS_FEED PATCH messages change them.

Only `fulfillment_availability` is checked in depth (the quantity is what consign sets): merge
updates the entry of the same fulfillment_channel_code and keeps its other keys, replace swaps
the whole attribute (so a lead time is lost), delete removes it. A patch with any ERROR issue is
not applied at all, as Amazon does. Every listing has an Amazon product type (getListingsItem's
summaries show it); a patch naming another product type is INVALID, since Amazon validates the
patch against the product type's schema. The issue's code and wording are the sandbox's own: the
models say only that a rejected submission is INVALID with ERROR issues.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.records import Clock

FULFILLMENT = "fulfillment_availability"
OPS = ("add", "replace", "merge", "delete")
DEFAULT_LEAD_TIME = 2

Attributes = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Problem:
    """One ERROR issue; rendered per API (listings issue or feed processing-report issue)."""

    code: str
    message: str
    attribute: str | None = None


def structural_patches(body: object) -> list[dict[str, Any]]:
    """The body's shape per the model (productType, patches[op, path, value]); a request
    that breaks it is a 400, not an INVALID submission."""
    if not isinstance(body, dict):
        raise SpApiError(400, "The request body must be a JSON object")
    if not isinstance(body.get("productType"), str) or not body["productType"]:
        raise SpApiError(400, "productType is required")
    patches = body.get("patches")
    if not isinstance(patches, list) or not patches:
        raise SpApiError(400, "patches must be a non-empty array")
    for patch in patches:
        if not isinstance(patch, dict) or patch.get("op") not in OPS:
            raise SpApiError(400, f"patch op must be one of {list(OPS)}")
        if not isinstance(patch.get("path"), str):
            raise SpApiError(400, "patch path is required")
        value = patch.get("value")
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, dict) for v in value)
        ):
            raise SpApiError(400, "patch value must be an array of objects")
    return patches


def _fulfillment_problems(value: list[dict[str, Any]]) -> list[Problem]:
    problems = []
    for entry in value:
        code = entry.get("fulfillment_channel_code")
        quantity = entry.get("quantity")
        lead = entry.get("lead_time_to_ship_max_days")
        if not isinstance(code, str) or not code:
            problems.append(
                Problem(
                    "90220", "'fulfillment_channel_code' is required but not supplied.", FULFILLMENT
                )
            )
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0
        ):
            problems.append(
                Problem(
                    "90244",
                    f"The value '{quantity}' for 'quantity' must be a non-negative integer.",
                    FULFILLMENT,
                )
            )
        if lead is not None and (isinstance(lead, bool) or not isinstance(lead, int) or lead < 0):
            problems.append(
                Problem(
                    "90244",
                    "'lead_time_to_ship_max_days' must be a non-negative integer.",
                    FULFILLMENT,
                )
            )
    return problems


def patch_problems(patches: Iterable[dict[str, Any]]) -> list[Problem]:
    """Semantic checks Amazon reports as ERROR issues rather than refusing the request."""
    problems: list[Problem] = []
    for patch in patches:
        path = patch["path"]
        parts = path.split("/")
        if len(parts) != 3 or parts[:2] != ["", "attributes"] or not parts[2]:
            problems.append(Problem("4000001", f"The patch path '{path}' is not an attribute."))
            continue
        value = patch.get("value")
        if patch["op"] != "delete" and not value:
            problems.append(Problem("4000002", f"A value is required to {patch['op']} '{path}'."))
            continue
        if parts[2] == FULFILLMENT and value:
            problems.extend(_fulfillment_problems(value))
    return problems


def apply_patch(attributes: Attributes, patch: dict[str, Any]) -> None:
    name = patch["path"].split("/")[2]
    op = patch["op"]
    value = copy.deepcopy(patch.get("value") or [])
    if op == "delete":
        attributes.pop(name, None)
    elif op in ("add", "replace") or name not in attributes:
        attributes[name] = value
    elif name == FULFILLMENT:
        current = attributes[name]
        for entry in value:
            code = entry.get("fulfillment_channel_code")
            match = next((c for c in current if c.get("fulfillment_channel_code") == code), None)
            if match is None:
                current.append(entry)
            else:
                match.update(entry)
    else:
        attributes[name] = value


@dataclass
class Listing:
    """What Amazon knows of one listing beyond its attributes: its summary."""

    product_type: str
    created: datetime
    updated: datetime
    title: str | None = None  # itemName of a listing outside the catalogue


def physical_attributes(
    weight: tuple[str, float] | None,
    dimensions: tuple[str, float, float, float] | None,
    ean: str | None,
    origin: str | None,
    marketplace_id: str,
) -> Attributes:
    """A listing's package attributes shaped as the listings model's own example shapes them:
    `item_package_weight` `[{unit, value, marketplace_id}]`, `item_package_dimensions`
    `[{length, width, height: {unit, value}, marketplace_id}]`. The identifier and origin are
    Product Type Definitions attributes (not in the vendored model), shaped as Amazon's
    definitions name them: `externally_assigned_product_identifier` `[{type, value}]`,
    `country_of_origin` `[{value}]`."""
    found: Attributes = {}
    if weight is not None:
        unit, value = weight
        found["item_package_weight"] = [
            {"unit": unit, "value": value, "marketplace_id": marketplace_id}
        ]
    if dimensions is not None:
        unit, length, width, height = dimensions
        found["item_package_dimensions"] = [
            {
                "length": {"unit": unit, "value": length},
                "width": {"unit": unit, "value": width},
                "height": {"unit": unit, "value": height},
                "marketplace_id": marketplace_id,
            }
        ]
    if ean is not None:
        found["externally_assigned_product_identifier"] = [
            {"type": "ean", "value": ean, "marketplace_id": marketplace_id}
        ]
    if origin is not None:
        found["country_of_origin"] = [{"value": origin, "marketplace_id": marketplace_id}]
    return found


class ListingsBook:
    """Attributes per (sku, marketplace). Every catalogue SKU starts listed in every
    marketplace with its product type, DEFAULT quantity `quantity` and a lead time, so
    merge-vs-replace shows."""

    def __init__(
        self,
        product_types: Mapping[str, str],
        marketplace_ids: Iterable[str],
        clock: Clock,
        quantity: int = 0,
        details: Callable[[str, str], Attributes] | None = None,
    ) -> None:
        self.clock = clock
        self.items: dict[tuple[str, str], Attributes] = {}
        self.listings: dict[tuple[str, str], Listing] = {}
        self.marketplace_ids = list(marketplace_ids)
        for sku, product_type in product_types.items():
            self.add(sku, product_type, quantity, details)

    def add(
        self,
        sku: str,
        product_type: str,
        quantity: int = 0,
        details: Callable[[str, str], Attributes] | None = None,
        title: str | None = None,
    ) -> None:
        """List a SKU in every marketplace (the catalogue's at start; more for a large
        catalogue, or one the admin API lists); `details(sku, marketplace_id)` gives its
        attributes beside the quantity. Listing a listed SKU again replaces it (updated now)."""
        now = self.clock()
        for marketplace_id in self.marketplace_ids:
            known = self.listings.get((sku, marketplace_id))
            created = known.created if known else now
            self.listings[(sku, marketplace_id)] = Listing(product_type, created, now, title)
            self.items[(sku, marketplace_id)] = {
                FULFILLMENT: [
                    {
                        "fulfillment_channel_code": "DEFAULT",
                        "quantity": quantity,
                        "lead_time_to_ship_max_days": DEFAULT_LEAD_TIME,
                    }
                ],
                **(details(sku, marketplace_id) if details else {}),
            }

    def knows(self, sku: str, marketplace_ids: Iterable[str]) -> bool:
        return all((sku, m) in self.items for m in marketplace_ids)

    def attributes(self, sku: str, marketplace_id: str) -> Attributes | None:
        return self.items.get((sku, marketplace_id))

    def quantity(self, sku: str, marketplace_id: str) -> int | None:
        for entry in (self.items.get((sku, marketplace_id)) or {}).get(FULFILLMENT, []):
            if entry.get("fulfillment_channel_code") == "DEFAULT":
                quantity = entry.get("quantity")
                return quantity if isinstance(quantity, int) else None
        return None

    def listing(self, sku: str, marketplace_id: str) -> Listing | None:
        return self.listings.get((sku, marketplace_id))

    def patch(
        self,
        sku: str,
        marketplace_ids: list[str],
        product_type: str,
        patches: list[dict[str, Any]],
    ) -> list[Problem]:
        """Apply every patch to every marketplace, or nothing when any problem is found."""
        if not self.knows(sku, marketplace_ids):
            return [Problem("4000010", f"The SKU '{sku}' is not listed in this marketplace.")]
        actual = {self.listings[(sku, m)].product_type for m in marketplace_ids}
        if actual != {product_type}:
            listed = ", ".join(sorted(actual))
            return [
                Problem(
                    "4000003",
                    f"The product type '{product_type}' does not match the product type "
                    f"'{listed}' of the listing.",
                )
            ]
        problems = patch_problems(patches)
        if problems:
            return problems
        now = self.clock()
        for marketplace_id in marketplace_ids:
            attributes = self.items[(sku, marketplace_id)]
            for patch in patches:
                apply_patch(attributes, patch)
            self.listings[(sku, marketplace_id)].updated = now
        return []

    def quantities(self, marketplace_id: str) -> dict[str, int | None]:
        return {
            sku: self.quantity(sku, market)
            for (sku, market) in self.items
            if market == marketplace_id
        }
