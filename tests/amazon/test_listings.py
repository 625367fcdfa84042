"""Listings patches name the listing's own product type, read from its summary for the
marketplace and cached; a listing with no summary there is not patched at all."""

from __future__ import annotations

from integrations.amazon.factory import AmazonClient
from tests.amazon.fakes import MARKETPLACE, SELLER, FakeAmazon, json_response

ITEM = f"/listings/2021-08-01/items/{SELLER}/CAP-01"
ACCEPTED = {"sku": "CAP-01", "status": "ACCEPTED", "submissionId": "s1", "issues": []}


def summary(marketplace_id: str, product_type: str) -> dict[str, object]:
    return {
        "marketplaceId": marketplace_id,
        "productType": product_type,
        "status": ["BUYABLE"],
        "createdDate": "2026-01-01T00:00:00Z",
        "lastUpdatedDate": "2026-01-01T00:00:00Z",
    }


async def test_the_patch_names_the_summarys_product_type_read_once(
    fake: FakeAmazon, amazon: AmazonClient
) -> None:
    item = {"sku": "CAP-01", "summaries": [summary(MARKETPLACE, "HAT")]}
    fake.on("GET", ITEM, json_response(200, item))
    fake.on("PATCH", ITEM, json_response(200, ACCEPTED), json_response(200, ACCEPTED))
    for quantity in (3, 4):
        result = await amazon.listings.set_quantity("CAP-01", quantity, MARKETPLACE)
        assert result.accepted
    gets = [s for s in fake.seen if s.method == "GET"]
    patches = [s for s in fake.seen if s.method == "PATCH"]
    assert [g.query["includedData"] for g in gets] == ["summaries"]
    assert [p.body["productType"] for p in patches] == ["HAT", "HAT"]


async def test_no_summary_for_the_marketplace_means_not_listed_and_nothing_sent(
    fake: FakeAmazon, amazon: AmazonClient
) -> None:
    elsewhere = {"sku": "CAP-01", "summaries": [summary("A1PA6795UKMFR9", "HAT")]}
    fake.on("GET", ITEM, json_response(200, elsewhere))
    result = await amazon.listings.set_quantity("CAP-01", 3, MARKETPLACE)
    assert not result.accepted and result.errors[0].code == "NOT_LISTED"
    assert [s.method for s in fake.seen] == ["GET"]
