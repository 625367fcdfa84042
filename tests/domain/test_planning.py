"""plan_warehouse_order and carrier_for_confirm: the fulfilment plan and its exceptions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.exceptions import ConsignError, ExceptionKind
from domain.limits import IntakeLimits
from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule
from domain.planning import (
    carrier_for_confirm,
    plan_warehouse_order,
)
from domain.warehouse import CustomsInfo, warehouse_reference
from integrations.registry import Channel
from tests.domain.builders import line, mappings, order, sku

UK = FacilityRule(facility_id="GXO-UK1", domestic_countries="GB")


def _kind(excinfo: pytest.ExceptionInfo[ConsignError]) -> ExceptionKind:
    return excinfo.value.kind


# --- SKU mapping, line numbering, open quantities ---------------------------------------------


def test_maps_skus_to_item_codes_and_numbers_lines_from_one() -> None:
    o = order([line("L1", "SKU-A", 2), line("L2", "SKU-B", 3)])
    m = mappings([sku("SKU-A", "GXO-100"), sku("SKU-B", "GXO-200")])
    plan = plan_warehouse_order(o, m)
    assert [(w.line_number, w.item_code, w.quantity, w.channel_line_id) for w in plan.lines] == [
        (1, "GXO-100", 2, "L1"),
        (2, "GXO-200", 3, "L2"),
    ]


def test_open_quantity_is_ordered_less_cancelled_less_shipped() -> None:
    o = order([line("L1", "SKU-A", quantity=10, shipped=3, cancelled=2)])
    plan = plan_warehouse_order(o, mappings())
    assert plan.lines[0].quantity == 5


def test_fully_shipped_and_cancelled_lines_are_omitted_and_numbering_stays_dense() -> None:
    o = order(
        [
            line("L1", "SKU-A", quantity=2, shipped=2),
            line("L2", "SKU-B", quantity=3, cancelled=3),
            line("L3", "SKU-C", quantity=4, shipped=1, cancelled=1),
            line("L4", "SKU-A", quantity=0),
            line("L5", "SKU-B", quantity=5, shipped=2, cancelled=3),
            line("L6", "SKU-B", quantity=1),
        ]
    )
    plan = plan_warehouse_order(o, mappings())
    assert [(w.line_number, w.channel_line_id, w.quantity) for w in plan.lines] == [
        (1, "L3", 2),
        (2, "L6", 1),
    ]


def test_same_sku_on_two_lines_gives_two_warehouse_lines() -> None:
    o = order([line("L1", "SKU-A", 1), line("L2", "SKU-A", 4)])
    plan = plan_warehouse_order(o, mappings())
    assert [(w.item_code, w.quantity) for w in plan.lines] == [("ITEM-SKU-A", 1), ("ITEM-SKU-A", 4)]


def test_order_with_no_open_lines_is_refused() -> None:
    o = order([line("L1", "SKU-A", quantity=1, shipped=1)])
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(o, mappings())
    assert _kind(err) is ExceptionKind.UNKNOWN_ORDER_LINE


# --- header fields ------------------------------------------------------------------------


def test_header_carries_reference_ship_by_account_and_address() -> None:
    ship_by = datetime(2024, 5, 6, 23, 59, 59, tzinfo=UTC)
    o = order(ship_by=ship_by)
    plan = plan_warehouse_order(o, mappings())
    assert plan.reference == warehouse_reference(o.ref)
    assert plan.channel_order_id == o.ref.order_id
    assert plan.order_ref == o.ref
    assert plan.ship_by == ship_by
    assert plan.channel == Channel.AMAZON
    assert plan.account == o.ref.account
    assert plan.ship_to == o.ship_to
    assert plan.facility_id == "GXO-UK1"
    assert plan.carrier_service_code == "RM48"


def test_ship_by_none_is_carried() -> None:
    assert plan_warehouse_order(order(ship_by=None), mappings()).ship_by is None


def test_facility_comes_from_routing() -> None:
    rules = [
        FacilityRule(facility_id="GXO-UK1", domestic_countries="GB"),
        FacilityRule(facility_id="GXO-SKU", sku="SKU-A", domestic_countries="GB"),
    ]
    plan = plan_warehouse_order(order(), mappings(rules=rules))
    assert plan.facility_id == "GXO-SKU"


def test_no_facility_propagates() -> None:
    rules = [FacilityRule(facility_id="DE", destination_country="DE")]
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(order(country="GB"), mappings(rules=rules))
    assert _kind(err) is ExceptionKind.NO_FACILITY


# --- customs ------------------------------------------------------------------------------


def test_domestic_order_has_no_customs_even_with_customs_data() -> None:
    plan = plan_warehouse_order(order(country="GB"), mappings())
    assert plan.is_international is False
    assert all(w.customs is None for w in plan.lines)


def test_domestic_order_does_not_need_customs_data() -> None:
    m = mappings([sku("SKU-A", customs=False)])
    plan = plan_warehouse_order(order(country="GB"), m)
    assert plan.lines[0].customs is None


def test_international_order_attaches_customs_to_every_line() -> None:
    o = order([line("L1", "SKU-A"), line("L2", "SKU-B")], country="US")
    m = mappings([sku("SKU-A"), sku("SKU-B", hs_code="4202920000", customs_value=Decimal("0"))])
    plan = plan_warehouse_order(o, m)
    assert plan.is_international is True
    assert plan.lines[0].customs == CustomsInfo(
        hs_code="6109100010",
        country_of_origin="PT",
        description="Cotton T-shirt",
        unit_value=Decimal("12.50"),
        currency="GBP",
    )
    customs_b = plan.lines[1].customs
    assert customs_b is not None
    assert customs_b.hs_code == "4202920000"
    assert customs_b.unit_value == Decimal("0")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hs_code", None),
        ("hs_code", ""),
        ("country_of_origin", None),
        ("customs_description", None),
        ("customs_description", ""),
        ("customs_value", None),
        ("customs_currency", None),
    ],
)
def test_international_order_missing_any_customs_field(field: str, value: Any) -> None:
    o = order([line("L1", "SKU-A"), line("L2", "SKU-B")], country="US")
    m = mappings([sku("SKU-A"), sku("SKU-B", **{field: value})])
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(o, m)
    assert _kind(err) is ExceptionKind.MISSING_CUSTOMS_DATA
    assert "SKU-B" in err.value.message


def test_missing_customs_on_a_closed_line_does_not_matter() -> None:
    o = order([line("L1", "SKU-A"), line("L2", "SKU-B", quantity=1, cancelled=1)], country="US")
    m = mappings([sku("SKU-A"), sku("SKU-B", customs=False)])
    plan = plan_warehouse_order(o, m)
    assert [w.channel_line_id for w in plan.lines] == ["L1"]


# --- unmapped SKUs --------------------------------------------------------------------------


def test_unmapped_sku_lists_every_unmapped_sku_sorted_and_deduplicated() -> None:
    o = order(
        [
            line("L1", "ZED"),
            line("L2", "SKU-A"),
            line("L3", "ALPHA"),
            line("L4", "ZED"),
            line("L5", "MID"),
        ]
    )
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(o, mappings([sku("SKU-A")]))
    assert _kind(err) is ExceptionKind.UNMAPPED_SKU
    assert err.value.message.endswith("ALPHA, MID, ZED")
    assert err.value.message.count("ZED") == 1
    assert "SKU-A" not in err.value.message


def test_sku_mapped_only_for_another_channel_is_unmapped() -> None:
    m = mappings([sku("SKU-A", channel=Channel.CENTRA)])
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(order(channel=Channel.AMAZON), m)
    assert _kind(err) is ExceptionKind.UNMAPPED_SKU
    assert "SKU-A" in err.value.message


def test_sku_mapping_of_the_orders_channel_is_used() -> None:
    m = mappings([sku("SKU-A", "CENTRA-ITEM", channel=Channel.CENTRA), sku("SKU-A", "AMAZON-ITEM")])
    plan = plan_warehouse_order(order(channel=Channel.AMAZON), m)
    assert plan.lines[0].item_code == "AMAZON-ITEM"


def test_unmapped_sku_on_a_closed_line_is_not_an_exception() -> None:
    o = order([line("L1", "SKU-A"), line("L2", "GONE", quantity=2, shipped=1, cancelled=1)])
    plan = plan_warehouse_order(o, mappings())
    assert [w.channel_line_id for w in plan.lines] == ["L1"]


# --- missing address ------------------------------------------------------------------------


def test_missing_address() -> None:
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(order(country=None), mappings())
    assert _kind(err) is ExceptionKind.MISSING_ADDRESS


def test_missing_address_is_reported_before_unmapped_skus() -> None:
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(order([line("L1", "NOPE")], country=None), mappings())
    assert _kind(err) is ExceptionKind.MISSING_ADDRESS


# --- carrier service selection ------------------------------------------------------------


def _svc(
    level: str,
    code: str,
    destination: str = "any",
    channel: Channel = Channel.AMAZON,
) -> CarrierServiceMapping:
    return CarrierServiceMapping.model_validate(
        {
            "channel": channel,
            "ship_service_level": level,
            "carrier_service_code": code,
            "destination": destination,
        }
    )


def _plan_service(country: str, services: list[CarrierServiceMapping], **kw: object) -> str:
    o = order(country=country, **kw)  # type: ignore[arg-type]
    return plan_warehouse_order(o, mappings(rules=[UK], services=services)).carrier_service_code


def test_carrier_service_selected_by_ship_service_level() -> None:
    services = [_svc("EXPEDITED", "DPD-NEXT"), _svc("STANDARD", "RM48")]
    assert _plan_service("GB", services, ship_service_level="EXPEDITED") == "DPD-NEXT"
    assert _plan_service("GB", services, ship_service_level="STANDARD") == "RM48"


def test_carrier_service_filtered_by_channel() -> None:
    services = [
        _svc("STANDARD", "CENTRA-STD", channel=Channel.CENTRA),
        _svc("STANDARD", "AMZ-STD", channel=Channel.AMAZON),
    ]
    assert _plan_service("GB", services) == "AMZ-STD"


def test_carrier_service_for_other_channel_only_is_unmapped() -> None:
    services = [_svc("STANDARD", "CENTRA-STD", channel=Channel.CENTRA)]
    with pytest.raises(ConsignError) as err:
        _plan_service("GB", services)
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER


@pytest.mark.parametrize("any_first", [True, False])
def test_domestic_row_beats_any_row(any_first: bool) -> None:
    rows = [_svc("STANDARD", "ANY-SVC"), _svc("STANDARD", "DOM-SVC", "domestic")]
    services = rows if any_first else rows[::-1]
    assert _plan_service("GB", services) == "DOM-SVC"


@pytest.mark.parametrize("any_first", [True, False])
def test_international_row_beats_any_row(any_first: bool) -> None:
    rows = [
        _svc("STANDARD", "ANY-SVC"),
        _svc("STANDARD", "DOM-SVC", "domestic"),
        _svc("STANDARD", "INTL-SVC", "international"),
    ]
    services = rows if any_first else rows[::-1]
    assert _plan_service("US", services) == "INTL-SVC"


def test_any_row_used_when_no_specific_row_for_destination() -> None:
    services = [_svc("STANDARD", "DOM-SVC", "domestic"), _svc("STANDARD", "ANY-SVC")]
    assert _plan_service("US", services) == "ANY-SVC"


def test_domestic_and_international_rows_pick_by_destination() -> None:
    services = [
        _svc("STANDARD", "DOM-SVC", "domestic"),
        _svc("STANDARD", "INTL-SVC", "international"),
    ]
    assert _plan_service("GB", services) == "DOM-SVC"
    assert _plan_service("US", services) == "INTL-SVC"


def test_no_row_for_international_destination_is_unmapped_carrier() -> None:
    services = [_svc("STANDARD", "DOM-SVC", "domestic")]
    with pytest.raises(ConsignError) as err:
        _plan_service("US", services)
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER


def test_no_row_for_domestic_destination_is_unmapped_carrier() -> None:
    services = [_svc("STANDARD", "INTL-SVC", "international")]
    with pytest.raises(ConsignError) as err:
        _plan_service("GB", services)
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER


def test_unknown_ship_service_level_is_unmapped_carrier() -> None:
    with pytest.raises(ConsignError) as err:
        _plan_service("GB", [_svc("STANDARD", "RM48")], ship_service_level="NEXT_DAY")
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER
    assert "NEXT_DAY" in err.value.message


def test_missing_ship_service_level_is_unmapped_carrier() -> None:
    with pytest.raises(ConsignError) as err:
        _plan_service("GB", [_svc("STANDARD", "RM48")], ship_service_level=None)
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER


def test_carrier_destination_rejects_unknown_values() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        _svc("STANDARD", "X", "overseas")


# --- carrier_for_confirm ----------------------------------------------------------------------

CODES = [
    CarrierCodeMapping(
        channel=Channel.CENTRA, carrier_service_code="RM48", carrier_code="centra-royal-mail"
    ),
    CarrierCodeMapping(
        channel=Channel.AMAZON,
        carrier_service_code="RM48",
        carrier_code="Royal Mail",
        shipping_method="Tracked 48",
    ),
    CarrierCodeMapping(
        channel=Channel.AMAZON,
        carrier_service_code="EVRI",
        carrier_code="Other",
        carrier_name="Evri",
    ),
]


def test_carrier_for_confirm_matches_channel_and_service() -> None:
    m = carrier_for_confirm(Channel.AMAZON, "RM48", CODES)
    assert (m.carrier_code, m.shipping_method) == ("Royal Mail", "Tracked 48")
    assert carrier_for_confirm(Channel.CENTRA, "RM48", CODES).carrier_code == "centra-royal-mail"


def test_carrier_for_confirm_other_carrier_keeps_name() -> None:
    m = carrier_for_confirm(Channel.AMAZON, "EVRI", CODES)
    assert (m.carrier_code, m.carrier_name) == ("Other", "Evri")


@pytest.mark.parametrize(
    ("channel", "code"),
    [(Channel.AMAZON, "DPD"), (Channel.CENTRA, "EVRI"), (Channel.AMAZON, "rm48")],
)
def test_carrier_for_confirm_unmapped(channel: Channel, code: str) -> None:
    with pytest.raises(ConsignError) as err:
        carrier_for_confirm(channel, code, CODES)
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER
    assert code in err.value.message


def test_carrier_for_confirm_with_no_mappings() -> None:
    with pytest.raises(ConsignError) as err:
        carrier_for_confirm(Channel.AMAZON, "RM48", [])
    assert _kind(err) is ExceptionKind.UNMAPPED_CARRIER


def test_a_line_without_a_sku_mapping_is_matched_on_its_gtin() -> None:
    by_ean = sku("SKU-OTHER").model_copy(update={"gtin": "7350000000016", "item_code": "GXO-EAN"})
    gtin_line = line("1", "NEW-SKU").model_copy(update={"gtin": "7350000000016"})
    plan = plan_warehouse_order(order([gtin_line]), mappings([by_ean]))
    assert [wl.item_code for wl in plan.lines] == ["GXO-EAN"]


def test_a_sku_mapping_wins_over_a_gtin_mapping() -> None:
    by_sku = sku("SKU-A").model_copy(update={"item_code": "GXO-SKU"})
    by_ean = sku("SKU-B").model_copy(update={"gtin": "7350000000016", "item_code": "GXO-EAN"})
    both = line("1", "SKU-A").model_copy(update={"gtin": "7350000000016"})
    plan = plan_warehouse_order(order([both]), mappings([by_sku, by_ean]))
    assert [wl.item_code for wl in plan.lines] == ["GXO-SKU"]


def test_an_unknown_gtin_is_still_unmapped() -> None:
    stray = line("1", "NEW-SKU").model_copy(update={"gtin": "0000000000000"})
    with pytest.raises(ConsignError) as err:
        plan_warehouse_order(order([stray]), mappings())
    assert err.value.kind is ExceptionKind.UNMAPPED_SKU


# --- refused at planning: repeated line ids, outsized lines ------------------------------------


def test_one_channel_line_id_twice_is_refused() -> None:
    o = order([line("L1", "SKU-A", 1), line("L2", "SKU-B", 1), line("L1", "SKU-A", 1)])
    with pytest.raises(ConsignError) as excinfo:
        plan_warehouse_order(o, mappings())
    assert _kind(excinfo) is ExceptionKind.DUPLICATE_ORDER_LINE
    assert "L1" in excinfo.value.message and "L2" not in excinfo.value.message


def test_a_line_of_a_million_units_is_refused_by_default() -> None:
    o = order([line("L1", "SKU-A", 1_000_000)])
    with pytest.raises(ConsignError) as excinfo:
        plan_warehouse_order(o, mappings())
    assert _kind(excinfo) is ExceptionKind.QUANTITY_OUT_OF_RANGE
    assert "L1: 1000000" in excinfo.value.message
    assert f"limit of {IntakeLimits().max_units_per_line} per line" in excinfo.value.message


def test_the_per_line_limit_is_configurable_and_counts_open_units() -> None:
    o = order([line("L1", "SKU-A", quantity=60, shipped=15)])  # 45 open
    assert plan_warehouse_order(o, mappings(), IntakeLimits(max_units_per_line=45)).lines
    with pytest.raises(ConsignError) as excinfo:
        plan_warehouse_order(o, mappings(), IntakeLimits(max_units_per_line=44))
    assert _kind(excinfo) is ExceptionKind.QUANTITY_OUT_OF_RANGE


# --- orders the channel will not let consign confirm ------------------------------------------


def test_an_order_shipped_only_on_the_channels_label_never_reaches_the_warehouse() -> None:
    with pytest.raises(ConsignError) as excinfo:
        plan_warehouse_order(order(channel_label_required=True), mappings())
    assert _kind(excinfo) is ExceptionKind.CHANNEL_LABEL_REQUIRED
    assert "only on a shipping label bought from it" in excinfo.value.message


def test_open_transparency_lines_are_refused_naming_their_skus() -> None:
    coded = line("L2", "SKU-B").model_copy(update={"transparency_codes_required": True})
    shipped = line("L3", "SKU-C", quantity=1, shipped=1).model_copy(
        update={"transparency_codes_required": True}
    )
    with pytest.raises(ConsignError) as excinfo:
        plan_warehouse_order(order([line("L1", "SKU-A"), coded, shipped]), mappings())
    assert _kind(excinfo) is ExceptionKind.TRANSPARENCY_CODES_REQUIRED
    assert "SKU-B" in excinfo.value.message and "SKU-C" not in excinfo.value.message
    # Once the coded line is no longer open (shipped by hand), the rest plans normally.
    done = coded.model_copy(update={"quantity_shipped": 1})
    plan = plan_warehouse_order(order([line("L1", "SKU-A"), done]), mappings())
    assert [w.channel_line_id for w in plan.lines] == ["L1"]
