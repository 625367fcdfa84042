"""The search attributes that make every order, return and intake findable in the Web UI: the
visibility schema shared by workflows, activities, reports and the CLI. No personal data; no
workflow API here (workflows.search_attributes.Published upserts them)."""

from __future__ import annotations

from typing import Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)

from domain.lifecycle import OrderStage
from domain.order import OrderRef

CHANNEL = SearchAttributeKey.for_keyword("Channel")
CHANNEL_ACCOUNT = SearchAttributeKey.for_keyword("ChannelAccount")
CHANNEL_ORDER_ID = SearchAttributeKey.for_keyword("ChannelOrderId")
ORDER_STAGE = SearchAttributeKey.for_keyword("OrderStage")
EXCEPTION_KIND = SearchAttributeKey.for_keyword("ExceptionKind")
FACILITY_ID = SearchAttributeKey.for_keyword("FacilityId")
SHIP_BY = SearchAttributeKey.for_datetime("ShipBy")
# The intakes: PAUSED after a failure retrying cannot cure, RETRYING while a call keeps
# failing, unset while they poll (a column for the Web UI's workflow list).
INTAKE_STATE = SearchAttributeKey.for_keyword("IntakeState")
# ReturnFulfillment: where a return is (domain.returns.ReturnStage).
RETURN_STAGE = SearchAttributeKey.for_keyword("ReturnStage")
# ReturnFulfillment: the refund decided from the dispositions (domain.returns.RefundDecision);
# OPERATOR and CREDIT_DUE are refunds left to a person (`consign returns --refund-due`).
REFUND_DECISION = SearchAttributeKey.for_keyword("RefundDecision")

ALL: list[SearchAttributeKey[Any]] = [
    CHANNEL,
    CHANNEL_ACCOUNT,
    CHANNEL_ORDER_ID,
    ORDER_STAGE,
    EXCEPTION_KIND,
    FACILITY_ID,
    SHIP_BY,
    INTAKE_STATE,
    RETURN_STAGE,
    REFUND_DECISION,
]


def of_account(channel: str, account: str) -> TypedSearchAttributes:
    """What a workflow of one channel account is started with, so that each account's intakes
    and syncs are found by ChannelAccount (continue-as-new keeps them)."""
    return TypedSearchAttributes(
        [SearchAttributePair(CHANNEL, channel), SearchAttributePair(CHANNEL_ACCOUNT, account)]
    )


def of_new_order(ref: OrderRef) -> TypedSearchAttributes:
    """What an order's workflow is started with: the run shows them from its first event and
    upserts none of them again (Published skips a value the workflow already shows), which
    saves an order the two upserts its first workflow task made."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(CHANNEL, ref.channel),
            SearchAttributePair(CHANNEL_ACCOUNT, ref.account),
            SearchAttributePair(CHANNEL_ORDER_ID, ref.order_id),
            SearchAttributePair(ORDER_STAGE, OrderStage.RECEIVED.value),
        ]
    )
