"""Facility routing: which GXO Facility ID ships an order."""

from __future__ import annotations

from collections.abc import Collection

from domain.exceptions import ConsignError, ExceptionKind
from domain.mapping import FacilityRule
from domain.order import ChannelOrder


def _matches(rule: FacilityRule, order: ChannelOrder, skus: set[str]) -> bool:
    return (
        (rule.channel is None or rule.channel == order.ref.channel)
        and (rule.marketplace_id is None or rule.marketplace_id == order.marketplace_id)
        and (
            rule.destination_country is None
            or rule.destination_country == order.destination_country
        )
        and (rule.sku is None or rule.sku in skus)
    )


def _specificity(rule: FacilityRule) -> tuple[int, int, int, int]:
    # Higher tuples win: a SKU override beats a destination rule beats a marketplace rule.
    return (
        rule.sku is not None,
        rule.destination_country is not None,
        rule.marketplace_id is not None,
        -rule.priority,
    )


def within(rules: list[FacilityRule], facilities: Collection[str]) -> list[FacilityRule]:
    """The rules that route to one of `facilities` (an account's, from the accounts file);
    every rule when it names none."""
    if not facilities:
        return rules
    return [rule for rule in rules if rule.facility_id in facilities]


def route_facility(order: ChannelOrder, rules: list[FacilityRule]) -> FacilityRule:
    """The most specific matching rule; NO_FACILITY when none matches."""
    skus = {line.sku for line in order.lines}
    candidates = [rule for rule in rules if _matches(rule, order, skus)]
    if not candidates:
        raise ConsignError(
            ExceptionKind.NO_FACILITY,
            f"no facility rule matches marketplace {order.marketplace_id} "
            f"and destination {order.destination_country}",
        )
    return max(candidates, key=_specificity)


def is_international(order: ChannelOrder, facility: FacilityRule) -> bool:
    """International means customs data is needed: the destination is not a domestic country."""
    domestic = set(facility.domestic_countries.split())
    return order.destination_country not in domestic
