"""Amazon listings the product sync cannot read (integrations/amazon/products.py), through the
real read activity against the sandbox: a verified attribute (weight, dimensions) in a unit or
shape consign does not know sets that listing aside, stored as received, and the listing read
beside it still flows; an unverified one (EAN, origin) that is malformed is ignored, never an
error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from activities.models import ProductReadRequest
from activities.products import ProductActivities
from domain.products import ProductPage
from domain.setaside import SetAsideReason
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.products import AmazonProducts
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import UK
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from store.migrate import open_store
from store.set_aside import list_set_aside
from tests.activities.test_products_amazon import Items
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings
from tests.corpus.activity import attempt
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, rows

SURFACE = "Amazon listing: product sync"
GOOD = "GOOD-LISTING"
BAD = "BAD-LISTING"
SIDE = {"unit": "inches", "value": 4}


def case(kind: str, bad_input: str, outcome: str, says: str) -> Case:
    return Case(kind, SURFACE, bad_input, Outcome(outcome, says))


ROWS: list[tuple[Case, dict[str, Any]]] = [
    (
        case(
            "listing-weight-unknown-unit",
            "item_package_weight in stones",
            "set aside MALFORMED",
            "item_package_weight.unit",
        ),
        {"item_package_weight": [{"unit": "stones", "value": 2}]},
    ),
    (
        case(
            "listing-weight-not-a-number",
            "item_package_weight value 'heavy'",
            "set aside MALFORMED",
            "item_package_weight.value",
        ),
        {"item_package_weight": [{"unit": "grams", "value": "heavy"}]},
    ),
    (
        case(
            "listing-dimensions-missing-side",
            "item_package_dimensions without height",
            "set aside MALFORMED",
            "item_package_dimensions.height",
        ),
        {"item_package_dimensions": [{"length": SIDE, "width": SIDE}]},
    ),
    (
        case(
            "listing-weight-not-a-list",
            "item_package_weight an object, not a list",
            "set aside MALFORMED",
            "item_package_weight is not a list",
        ),
        {"item_package_weight": {"unit": "grams", "value": 5}},
    ),
    (
        case(
            "listing-ean-malformed",
            "externally_assigned_product_identifier EAN '12AB' (unverified attribute)",
            "read without it",
            "ean",
        ),
        {"externally_assigned_product_identifier": [{"type": "ean", "value": "12AB"}]},
    ),
]


@pytest.fixture
async def world(tmp_path: Any) -> AsyncIterator[tuple[AmazonSandbox, ManualClock, Any, Engine]]:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock)
    engine = open_store(f"sqlite:///{tmp_path}/s.db")
    async with httpx.AsyncClient(transport=CheckedTransport(create_app(sandbox))) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        port = AmazonProducts(client.api, DEFAULT_SELLER_ID, UK.marketplace_id)
        yield (
            sandbox,
            clock,
            ProductActivities({("amazon", DEFAULT_SELLER_ID): port}, Items(), engine, []),
            engine,
        )
    engine.dispose()


@rows("attributes", ROWS)
async def test_an_amazon_listing_the_product_sync_cannot_read(
    case: Case,
    attributes: dict[str, Any],
    world: tuple[AmazonSandbox, ManualClock, ProductActivities, Engine],
    corpus: Corpus,
) -> None:
    sandbox, clock, acts, engine = world
    clock.advance(300)
    since = clock.now
    good = {"item_package_weight": [{"unit": "grams", "value": 300}]}
    for sku, given in ((GOOD, good), (BAD, attributes)):
        sandbox.listings.add(sku, "HAT", details=stamped(given), title=sku)
    request = ProductReadRequest(channel="amazon", account=DEFAULT_SELLER_ID, since=since)
    page = await attempt(acts.read, request)
    if isinstance(page, Observed):
        corpus.check(case, page)
        return
    assert isinstance(page, ProductPage)
    read = {p.sku: p for p in page.products}
    if BAD in read:
        observed = Observed("read without it", "ean" if read[BAD].ean is None else "")
    elif len(page.unreadable) == 1:
        observed = Observed("set aside MALFORMED", page.unreadable[0])
        observed.lost += kept_as_received(engine, attributes)
    else:
        observed = Observed(f"{len(page.unreadable)} records set aside", "; ".join(page.unreadable))
    observed.lost += missing("the good listing beside it", True, GOOD in read)
    corpus.check(case, observed)


def stamped(attributes: dict[str, Any]) -> Callable[[str, str], Any]:
    """The listing's attributes as the admin API lists them: each entry in a list gets the
    marketplace's id; anything else is served as given (the bad shapes)."""

    def details(sku: str, marketplace_id: str) -> Any:
        return {
            name: [{**entry, "marketplace_id": marketplace_id} for entry in value]
            if isinstance(value, list)
            else value
            for name, value in attributes.items()
        }

    return details


def kept_as_received(engine: Engine, attributes: dict[str, Any]) -> list[str]:
    """One set-aside record of the bad listing, holding its attributes as Amazon sent them."""
    found = [
        entry
        for entry in list_set_aside(engine)
        if entry.reason is SetAsideReason.MALFORMED and entry.record_id.startswith(f"{BAD}@")
    ]
    if len(found) != 1:
        return [f"one MALFORMED set-aside record of {BAD}, found {len(found)}"]
    raw = json.loads(found[0].raw)
    held = {name: raw.get("attributes", {}).get(name) for name in attributes}
    sent = stamped(attributes)(BAD, UK.marketplace_id)
    return missing("the listing as received", sent, held)
