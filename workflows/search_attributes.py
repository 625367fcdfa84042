"""The search attributes that make every order findable in the Web UI. No personal data."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

CHANNEL = SearchAttributeKey.for_keyword("Channel")
CHANNEL_ACCOUNT = SearchAttributeKey.for_keyword("ChannelAccount")
CHANNEL_ORDER_ID = SearchAttributeKey.for_keyword("ChannelOrderId")
ORDER_STAGE = SearchAttributeKey.for_keyword("OrderStage")
EXCEPTION_KIND = SearchAttributeKey.for_keyword("ExceptionKind")
FACILITY_ID = SearchAttributeKey.for_keyword("FacilityId")
SHIP_BY = SearchAttributeKey.for_datetime("ShipBy")

ALL: list[SearchAttributeKey[Any]] = [
    CHANNEL,
    CHANNEL_ACCOUNT,
    CHANNEL_ORDER_ID,
    ORDER_STAGE,
    EXCEPTION_KIND,
    FACILITY_ID,
    SHIP_BY,
]
