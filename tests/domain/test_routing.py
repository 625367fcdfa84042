"""Facility routing: most specific rule wins, then lowest priority."""

from __future__ import annotations

import pytest

from domain.exceptions import ConsignError, ExceptionKind
from domain.mapping import FacilityRule
from domain.routing import is_international, route_facility
from integrations.registry import Channel
from tests.domain.builders import line, order

UK_MKT = "A1F83G8C2ARO7P"
DE_MKT = "A1PA6795UKMFR9"


def test_catch_all_rule_matches_anything() -> None:
    rules = [FacilityRule(facility_id="ANY")]
    assert route_facility(order(), rules).facility_id == "ANY"


def test_marketplace_rule_beats_catch_all() -> None:
    rules = [
        FacilityRule(facility_id="ANY", priority=1),
        FacilityRule(facility_id="MKT", marketplace_id=UK_MKT, priority=999),
    ]
    assert route_facility(order(marketplace_id=UK_MKT), rules).facility_id == "MKT"


def test_destination_rule_beats_marketplace_rule_regardless_of_priority() -> None:
    rules = [
        FacilityRule(facility_id="MKT", marketplace_id=UK_MKT, priority=1),
        FacilityRule(facility_id="DEST", destination_country="GB", priority=999),
    ]
    assert route_facility(order(marketplace_id=UK_MKT, country="GB"), rules).facility_id == "DEST"


def test_sku_override_beats_destination_and_marketplace() -> None:
    rules = [
        FacilityRule(
            facility_id="DEST+MKT", destination_country="GB", marketplace_id=UK_MKT, priority=1
        ),
        FacilityRule(facility_id="SKU", sku="SKU-B", priority=999),
    ]
    o = order([line("L1", "SKU-A"), line("L2", "SKU-B")], marketplace_id=UK_MKT, country="GB")
    assert route_facility(o, rules).facility_id == "SKU"


def test_destination_plus_marketplace_beats_destination_alone() -> None:
    rules = [
        FacilityRule(facility_id="DEST", destination_country="GB", priority=1),
        FacilityRule(
            facility_id="DEST+MKT", destination_country="GB", marketplace_id=UK_MKT, priority=50
        ),
    ]
    assert route_facility(order(marketplace_id=UK_MKT), rules).facility_id == "DEST+MKT"


def test_sku_override_only_applies_when_the_order_has_that_sku() -> None:
    rules = [
        FacilityRule(facility_id="DEST", destination_country="GB"),
        FacilityRule(facility_id="SKU", sku="SKU-Z"),
    ]
    assert route_facility(order([line("L1", "SKU-A")]), rules).facility_id == "DEST"


def test_equal_specificity_lowest_priority_wins() -> None:
    rules = [
        FacilityRule(facility_id="P50", destination_country="GB", priority=50),
        FacilityRule(facility_id="P10", destination_country="GB", priority=10),
        FacilityRule(facility_id="P30", destination_country="GB", priority=30),
    ]
    assert route_facility(order(), rules).facility_id == "P10"
    assert route_facility(order(), list(reversed(rules))).facility_id == "P10"


def test_negative_priority_beats_default() -> None:
    rules = [FacilityRule(facility_id="DEFAULT"), FacilityRule(facility_id="NEG", priority=-5)]
    assert route_facility(order(), rules).facility_id == "NEG"


def test_non_matching_specific_rules_are_ignored() -> None:
    rules = [
        FacilityRule(facility_id="DE-DEST", destination_country="DE", priority=1),
        FacilityRule(facility_id="DE-MKT", marketplace_id=DE_MKT, priority=1),
        FacilityRule(facility_id="FALLBACK", priority=500),
    ]
    o = order(marketplace_id=UK_MKT, country="GB")
    assert route_facility(o, rules).facility_id == "FALLBACK"


def test_marketplace_rule_does_not_match_an_order_without_marketplace() -> None:
    rules = [FacilityRule(facility_id="MKT", marketplace_id=UK_MKT)]
    with pytest.raises(ConsignError) as err:
        route_facility(order(marketplace_id=None), rules)
    assert err.value.kind is ExceptionKind.NO_FACILITY


def test_destination_rule_does_not_match_an_order_without_address() -> None:
    rules = [FacilityRule(facility_id="DEST", destination_country="GB")]
    with pytest.raises(ConsignError) as err:
        route_facility(order(country=None), rules)
    assert err.value.kind is ExceptionKind.NO_FACILITY


def test_channel_filter_excludes_other_channels() -> None:
    rules = [
        FacilityRule(facility_id="CENTRA", channel=Channel.CENTRA, priority=1),
        FacilityRule(facility_id="AMAZON", channel=Channel.AMAZON, priority=2),
    ]
    assert route_facility(order(channel=Channel.AMAZON), rules).facility_id == "AMAZON"
    assert route_facility(order(channel=Channel.CENTRA), rules).facility_id == "CENTRA"


def test_channel_filter_applies_to_specific_rules_too() -> None:
    rules = [
        FacilityRule(facility_id="CENTRA-SKU", channel=Channel.CENTRA, sku="SKU-A"),
        FacilityRule(facility_id="ANY"),
    ]
    assert route_facility(order(channel=Channel.AMAZON), rules).facility_id == "ANY"


def test_no_rule_matches_raises_no_facility() -> None:
    rules = [
        FacilityRule(facility_id="CENTRA", channel=Channel.CENTRA),
        FacilityRule(facility_id="DE", destination_country="DE"),
    ]
    with pytest.raises(ConsignError) as err:
        route_facility(order(channel=Channel.AMAZON, country="GB"), rules)
    assert err.value.kind is ExceptionKind.NO_FACILITY


def test_no_rules_at_all_raises_no_facility() -> None:
    with pytest.raises(ConsignError) as err:
        route_facility(order(), [])
    assert err.value.kind is ExceptionKind.NO_FACILITY


@pytest.mark.parametrize(
    ("domestic", "country", "expected"),
    [
        ("GB", "GB", False),
        ("GB", "DE", True),
        ("GB IE", "IE", False),
        ("GB  IE ", "IE", False),
        ("GB\tIE\n", "IE", False),
        ("DE FR NL", "GB", True),
        ("", "GB", True),
        ("GBR", "GB", True),
    ],
)
def test_is_international(domestic: str, country: str, expected: bool) -> None:
    facility = FacilityRule(facility_id="F", domestic_countries=domestic)
    assert is_international(order(country=country), facility) is expected
