"""consign's JSON_LISTINGS_FEED against Amazon's published feed schemas: the documents it builds
validate against listings-feed-schema-v2, and its processing-report parser reads Amazon's own
example report and a feed-level report that the report schema allows (an issue without a
messageId), turning the latter into a rejection of every SKU."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from domain.inventory import ListingQuantity
from integrations.amazon.feeds import build_listings_feeds, parse_processing_report


@pytest.fixture(scope="module")
def feeds_dir(reference_dir: Path) -> Path:
    return reference_dir / "amazon-sp-api" / "schemas" / "feeds"


def _validator(feeds_dir: Path, name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((feeds_dir / name).read_text()))


def test_built_documents_validate_and_merge_the_default_quantity(feeds_dir: Path) -> None:
    items = [ListingQuantity(sku=f"SKU-{i}", quantity=i) for i in range(3)]
    (feed,) = build_listings_feeds("A1SELLER", items, {i.sku: "SHIRT" for i in items})
    _validator(feeds_dir, "listings-feed-schema-v2.json").validate(feed.document)
    assert feed.document["header"] == {
        "sellerId": "A1SELLER",
        "version": "2.0",
        "issueLocale": "en_US",
    }
    message = feed.document["messages"][2]
    assert (message["operationType"], message["productType"]) == ("PATCH", "SHIRT")
    assert message["patches"] == [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 2}],
        }
    ]
    assert feed.skus == {1: "SKU-0", 2: "SKU-1", 3: "SKU-2"}
    assert json.loads(feed.content()) == feed.document


def test_amazons_example_report_validates_parses_and_maps_to_skus(feeds_dir: Path) -> None:
    raw = (feeds_dir / "listings-feed-processing-report-schema-v2.example.json").read_bytes()
    _validator(feeds_dir, "listings-feed-processing-report-schema-v2.json").validate(
        json.loads(raw)
    )
    report = parse_processing_report(raw)
    assert report.feed_id == "1234567890"
    assert (report.summary.messages_processed, report.summary.messages_invalid) == (4, 2)
    by_sku = report.issues_by_sku({4: "OUR-B", 5: "OUR-C", 6: "OUR-D"})
    assert [i.code for i in by_sku["OUR-B"]] == ["90220", "90220"]
    assert by_sku["OUR-C"][0].attribute_name == "purchasable_offer.our_price"
    assert "OUR-D" not in by_sku  # accepted: no issue names it
    assert {i.severity for i in report.issues} == {"ERROR"}


def test_a_feed_level_issue_is_schema_valid_and_rejects_every_sku(feeds_dir: Path) -> None:
    report: dict[str, Any] = {
        "header": {"sellerId": "A1SELLER", "version": "2.0", "feedId": "50001"},
        "issues": [{"code": "4000001", "severity": "ERROR", "message": "Feed malformed."}],
        "summary": {
            "errors": 1,
            "warnings": 0,
            "messagesProcessed": 2,
            "messagesAccepted": 0,
            "messagesInvalid": 2,
        },
    }
    _validator(feeds_dir, "listings-feed-processing-report-schema-v2.json").validate(report)
    by_sku = parse_processing_report(json.dumps(report)).issues_by_sku({1: "A", 2: "B"})
    assert {sku: [i.code for i in found] for sku, found in by_sku.items()} == {
        "A": ["4000001"],
        "B": ["4000001"],
    }
