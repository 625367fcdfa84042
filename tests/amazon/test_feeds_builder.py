"""The JSON_LISTINGS_FEED builder: every SKU in one message under its listing's product type,
quantities Amazon would refuse refused before sending, feeds split at Amazon's limit; the
processing-report parser's per-SKU mapping. Checks against Amazon's schemas and example are in
tests/contracts/amazon/test_listings_feed.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory import ListingQuantity
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.feeds import (
    FeedIssue,
    ProcessingReport,
    ProcessingSummary,
    build_listings_feeds,
    parse_processing_report,
)


def quantities(count: int) -> list[ListingQuantity]:
    return [ListingQuantity(sku=f"SKU-{i}", quantity=i % 7) for i in range(count)]


def types(items: list[ListingQuantity]) -> dict[str, str]:
    return {item.sku: "HAT" if int(item.sku.split("-")[1]) % 2 else "SHIRT" for item in items}


def test_each_message_names_its_listings_product_type() -> None:
    items = quantities(3)
    (feed,) = build_listings_feeds("A1SELLER", items, types(items))
    assert [m["productType"] for m in feed.document["messages"]] == ["SHIRT", "HAT", "SHIRT"]
    with pytest.raises(ValueError, match="SKU-2"):
        build_listings_feeds("A1SELLER", items, {"SKU-0": "SHIRT", "SKU-1": "HAT"})


def test_large_pushes_split_at_25000_messages() -> None:
    items = quantities(25_001)
    feeds = build_listings_feeds("A1SELLER", items, types(items))
    assert [len(f.document["messages"]) for f in feeds] == [25_000, 1]
    assert feeds[1].skus == {1: "SKU-25000"}
    with pytest.raises(ValueError):
        build_listings_feeds("A1SELLER", items[:2], types(items), max_messages=25_001)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=25))
def test_every_sku_lands_in_exactly_one_message(count: int, per_feed: int) -> None:
    items = quantities(count)
    feeds = build_listings_feeds("S", items, types(items), max_messages=per_feed)
    skus = [sku for feed in feeds for sku in feed.skus.values()]
    assert skus == [f"SKU-{i}" for i in range(count)]
    assert all(len(f.document["messages"]) <= per_feed for f in feeds)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_negative_or_non_integer_quantities_are_refused(bad: Any) -> None:
    item = ListingQuantity.model_construct(sku="SKU-X", quantity=bad)
    with pytest.raises(AmazonRequestRejected, match="SKU-X"):
        build_listings_feeds(
            "A1SELLER", [ListingQuantity(sku="OK", quantity=1), item], {"OK": "HAT", "SKU-X": "HAT"}
        )


def report(*issues: FeedIssue) -> ProcessingReport:
    summary = ProcessingSummary(
        errors=len(issues), warnings=0, messagesProcessed=3, messagesAccepted=0, messagesInvalid=3
    )
    return ProcessingReport(feed_id="1", summary=summary, issues=list(issues))


def test_an_issue_without_a_message_id_belongs_to_every_sku_of_the_feed() -> None:
    skus = {1: "A", 2: "B", 3: "C"}
    feed_level = FeedIssue(severity="ERROR", message="The feed is malformed.", code="4000001")
    own = FeedIssue(messageId=2, severity="ERROR", message="bad quantity", code="90244")
    by_sku = report(feed_level, own).issues_by_sku(skus)
    assert {sku: [i.code for i in found] for sku, found in by_sku.items()} == {
        "A": ["4000001"],
        "B": ["4000001", "90244"],
        "C": ["4000001"],
    }


def test_an_issue_naming_only_a_sku_belongs_to_that_sku() -> None:
    named = FeedIssue(sku="B", severity="WARNING", message="check the listing")
    assert report(named).issues_by_sku({1: "A", 2: "B"}) == {"B": [named]}


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"issues": []}'])
def test_unreadable_reports_are_bad_responses(body: bytes) -> None:
    with pytest.raises(AmazonBadResponse):
        parse_processing_report(body)
