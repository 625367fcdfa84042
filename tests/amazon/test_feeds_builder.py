"""The JSON_LISTINGS_FEED builder writes documents Amazon's published schema accepts, refuses
quantities Amazon would refuse, and the processing-report parser reads Amazon's own example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from domain.inventory import ListingQuantity
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.feeds import build_listings_feeds, parse_processing_report


@pytest.fixture(scope="module")
def feeds_dir(reference_dir: Path) -> Path:
    return reference_dir / "amazon-sp-api" / "schemas" / "feeds"


@pytest.fixture(scope="module")
def feed_schema(feeds_dir: Path) -> Draft7Validator:
    schema = json.loads((feeds_dir / "listings-feed-schema-v2.json").read_text())
    return Draft7Validator(schema)


def quantities(count: int) -> list[ListingQuantity]:
    return [ListingQuantity(sku=f"SKU-{i}", quantity=i % 7) for i in range(count)]


def test_document_validates_against_the_schema_and_merges_default_quantity(
    feed_schema: Draft7Validator,
) -> None:
    (feed,) = build_listings_feeds("A1SELLER", quantities(3))
    feed_schema.validate(feed.document)
    assert feed.document["header"] == {
        "sellerId": "A1SELLER",
        "version": "2.0",
        "issueLocale": "en_US",
    }
    message = feed.document["messages"][2]
    assert message["operationType"] == "PATCH"
    assert message["patches"] == [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 2}],
        }
    ]
    assert feed.skus == {1: "SKU-0", 2: "SKU-1", 3: "SKU-2"}
    assert json.loads(feed.content()) == feed.document


def test_large_pushes_split_at_25000_messages(feed_schema: Draft7Validator) -> None:
    feeds = build_listings_feeds("A1SELLER", quantities(25_001))
    assert [len(f.document["messages"]) for f in feeds] == [25_000, 1]
    assert feeds[1].skus == {1: "SKU-25000"}
    feed_schema.validate(feeds[1].document)
    with pytest.raises(ValueError):
        build_listings_feeds("A1SELLER", quantities(2), max_messages=25_001)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=25))
def test_every_sku_lands_in_exactly_one_message(count: int, per_feed: int) -> None:
    feeds = build_listings_feeds("S", quantities(count), max_messages=per_feed)
    skus = [sku for feed in feeds for sku in feed.skus.values()]
    assert skus == [f"SKU-{i}" for i in range(count)]
    assert all(len(f.document["messages"]) <= per_feed for f in feeds)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_negative_or_non_integer_quantities_are_refused(bad: Any) -> None:
    item = ListingQuantity.model_construct(sku="SKU-X", quantity=bad)
    with pytest.raises(AmazonRequestRejected, match="SKU-X"):
        build_listings_feeds("A1SELLER", [ListingQuantity(sku="OK", quantity=1), item])


def test_amazons_processing_report_example_parses_and_maps_to_skus(feeds_dir: Path) -> None:
    raw = (feeds_dir / "listings-feed-processing-report-schema-v2.example.json").read_bytes()
    report = parse_processing_report(raw)
    assert report.feed_id == "1234567890"
    assert (report.summary.messages_processed, report.summary.messages_invalid) == (4, 2)
    by_sku = report.issues_by_sku({4: "OUR-B", 5: "OUR-C"})
    assert [i.code for i in by_sku["OUR-B"]] == ["90220", "90220"]
    assert by_sku["OUR-C"][0].attribute_name == "purchasable_offer.our_price"
    assert {i.severity for i in report.issues} == {"ERROR"}


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"issues": []}'])
def test_unreadable_reports_are_bad_responses(body: bytes) -> None:
    with pytest.raises(AmazonBadResponse):
        parse_processing_report(body)
