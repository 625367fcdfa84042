"""What a closing ReturnFulfillment leaves for others to find, on the time-skipping server with
the stand-in activities of test_return_fulfillment: the refund decision as the RefundDecision
search attribute (a refund left to a person, OPERATOR or CREDIT_DUE, is found by it once the
return is DONE), and the units GXO received back per SKU sent to close_return, which records
them for month-end (NOT_RECEIVED lines and item codes not on the RMA are not returned units)."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from domain import search_attributes as sa
from domain.returns import (
    DEFAULT_POLICY,
    RETURN_RECEIVED_SIGNAL,
    DispositionRule,
    RefundAction,
    RefundDecision,
    ReturnStage,
)
from tests.workflows.test_return_fulfillment import Returnside, receipt, running, status
from workflows.return_fulfillment import ReturnStatus

CREDIT_ONLY = [
    DispositionRule(disposition="SELLABLE", action=RefundAction.CREDIT, restock=True),
    *DEFAULT_POLICY[1:],
]


@pytest.mark.parametrize(
    ("lines", "rules", "decision", "returned"),
    [
        (
            (("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE")),
            list(DEFAULT_POLICY),
            RefundDecision.REFUND,
            {"JKT": 2, "TEE": 1},
        ),
        (
            (("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "NOT_RECEIVED")),
            list(DEFAULT_POLICY),
            RefundDecision.OPERATOR,
            {"JKT": 2},
        ),
        (
            (("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE")),
            CREDIT_ONLY,
            RefundDecision.CREDIT_DUE,
            {"JKT": 2, "TEE": 1},
        ),
    ],
    ids=["refund", "operator", "credit-due"],
)
async def test_the_decision_is_searchable_and_the_returned_units_reach_close(
    time_env: WorkflowEnvironment,
    lines: tuple[tuple[str, int, str], ...],
    rules: list[DispositionRule],
    decision: RefundDecision,
    returned: dict[str, int],
) -> None:
    side = Returnside(rules=rules)
    async with running(time_env, side, "401") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("401", "RC1", *lines))
        done: ReturnStatus = await handle.result()
        assert done.stage is ReturnStage.DONE and done.decision is not None
        assert done.decision.refund is decision
        attrs = (await handle.describe()).typed_search_attributes
        assert attrs.get(sa.REFUND_DECISION) == decision.value
        assert attrs.get(sa.RETURN_STAGE) == ReturnStage.DONE.value
        [closed] = side.closed
        assert closed.refund is (decision is RefundDecision.REFUND)
        assert closed.returned == returned


async def test_no_decision_is_shown_before_the_return_closes(
    time_env: WorkflowEnvironment,
) -> None:
    """A receipt with an item not on the RMA parks before any decision: nothing to show."""
    side = Returnside()
    async with running(time_env, side, "402") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        wrong = receipt("402", "RC1", ("GXO-9", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, wrong)
        await status(handle, ReturnStage.EXCEPTION)
        attrs = (await handle.describe()).typed_search_attributes
        assert attrs.get(sa.REFUND_DECISION) is None
        assert attrs.get(sa.EXCEPTION_KIND) == "RETURN_MISMATCH"
