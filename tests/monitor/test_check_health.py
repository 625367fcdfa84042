"""check_health against a real visibility store (the dev server, a namespace of its own with
stand-in orders, a return, intakes and a settlement schedule; a store with unmatched events):
at-risk orders, orders awaiting payment, a paused intake, a silent one, one never started,
unmatched events, and the returns, product sync and settlements the Monitor watches too. The
daily report and the metrics read the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import generate_latest
from sqlalchemy import Engine
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import ActivityEnvironment

from activities.monitor import MonitorActivities
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage
from domain.monitor import Finding, Thresholds
from domain.owners import (
    DEFAULT_CHECK_OWNERS,
    DEFAULT_OWNERS,
    Check,
    OwnerRole,
    Severity,
    parse_check_overrides,
)
from reporting.daily_report import gather_report
from starter.metrics_exporter import registry_of
from store.migrate import open_store
from store.unmatched import record_unmatched_event
from tests.starter.conftest import OrderServer, make_status, start_fake_order
from tests.starter.report_world import OPEN_QUEUE, report_world

NOW = datetime.now(UTC)  # the seeds' clock and the monitor's (a full suite imports this early)
ACCOUNT = "A1HEALTH"
PAUSED = "intake:centra:health"
SILENT = "warehouse:GXO-HEALTH"
NEVER = "intake:amazon:A1NEVER"
PRODUCTS = "products:centra:health"
SETTLEMENTS = "settlements:amazon:A1HEALTH"
RETURN = "return:amazon:A1HEALTH:RMA-1"
EXPECTED = {
    PAUSED: "ChannelIntake",
    SILENT: "WarehouseIntake",
    NEVER: "ChannelIntake",
    PRODUCTS: "ProductSync",
    SETTLEMENTS: "SettlementIntake",
}
# Orders started after NOW count as awaiting payment "for over" a threshold in the past.
THRESHOLDS = Thresholds(awaiting_payment_hours=-24)


@dataclass
class Health:
    client: Client
    engine: Engine


async def _seed_orders(client: Client) -> None:
    soon = make_status(ACCOUNT, "SOON").model_copy(update={"ship_by": NOW + timedelta(hours=2)})
    late = make_status(ACCOUNT, "LATE", OrderStage.LATE).model_copy(
        update={"ship_by": NOW - timedelta(hours=1)}
    )
    waiting = make_status(ACCOUNT, "WAIT", OrderStage.AWAITING_PAYMENT).model_copy(
        update={"ship_by": NOW + timedelta(days=5)}
    )
    for status in (soon, late, waiting):
        await start_fake_order(client, status, OPEN_QUEUE)
    exception = {
        "kind": "RETURN_MISMATCH",
        "message": "2 of 3 received",
        "raised_at": (NOW - timedelta(hours=3)).isoformat(),
    }
    await client.start_workflow(
        "ReturnFulfillment",
        {"exception": exception},
        id=RETURN,
        task_queue=OPEN_QUEUE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CHANNEL, "amazon"),
                SearchAttributePair(sa.CHANNEL_ORDER_ID, "111-RETURNED"),
                SearchAttributePair(sa.RETURN_STAGE, "EXCEPTION"),
                SearchAttributePair(sa.EXCEPTION_KIND, "RETURN_MISMATCH"),
            ]
        ),
    )


async def _seed_intakes(client: Client) -> None:
    answers = {
        PAUSED: (
            "ChannelIntake",
            {"last_error": "the token is not valid", "last_error_kind": "CHANNEL_AUTH_FAILED"},
        ),
        SILENT: (
            "WarehouseIntake",
            {"last_success_at": (NOW - timedelta(minutes=40)).isoformat()},
        ),
        PRODUCTS: (
            "ProductSync",
            {"last_error": "GXO refused", "last_error_kind": "INVALID_WAREHOUSE_DATA"},
        ),
    }
    for workflow_id, (kind, answer) in answers.items():
        await client.start_workflow(kind, answer, id=workflow_id, task_queue=OPEN_QUEUE)
    refused = {"last_error": "rows do not add up", "last_error_kind": "SETTLEMENT_UNBALANCED"}
    schedule = await client.create_schedule(
        SETTLEMENTS,
        Schedule(
            action=ScheduleActionStartWorkflow(
                "SettlementIntake", refused, id=SETTLEMENTS, task_queue=OPEN_QUEUE
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1))]),
        ),
    )
    await schedule.trigger()
    for _ in range(200):  # the triggered run shows in the schedule's recent actions
        if (await schedule.describe()).info.recent_actions:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the settlement schedule never ran")


@pytest.fixture(scope="module")
async def health(
    order_server: OrderServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Health]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('health') / 'store.db'}")
    record_unmatched_event(engine, "GXO-HEALTH", "REF-1", {"event_id": "E-1"}, "NO_ORDER")
    record_unmatched_event(engine, "GXO-HEALTH", "REF-2", {"event_id": "E-2"}, "QUANTITY")
    async with report_world(order_server) as world:
        await _seed_orders(world.client)
        await _seed_intakes(world.client)
        for _ in range(200):  # visibility is eventually consistent
            running = await world.client.count_workflows("ExecutionStatus = 'Running'")
            if running.count >= 8:
                break
            await asyncio.sleep(0.05)
        yield Health(world.client, engine)


@pytest.fixture(scope="module")
async def findings(health: Health) -> dict[str, Finding]:
    monitor = MonitorActivities(
        health.client, health.engine, DEFAULT_OWNERS, EXPECTED, [], alert_urls=[], clock=lambda: NOW
    )
    found = await ActivityEnvironment().run(monitor.check_health, THRESHOLDS)
    return {finding.key: finding for finding in found.findings}


async def test_every_check_finds_what_it_should(findings: dict[str, Finding]) -> None:
    assert set(findings) == {
        "at-risk",
        "awaiting-payment",
        "unmatched",
        "exceptions:RETURN_MISMATCH",
        *(f"intake:{wid}" for wid in EXPECTED),
    }


async def test_at_risk_and_awaiting_payment(findings: dict[str, Finding]) -> None:
    at_risk = findings["at-risk"]
    assert at_risk.severity is Severity.HIGH  # one ship-by has passed
    assert at_risk.summary.startswith("2 order(s) not dispatched with the ship-by within 12h")
    assert "(1 passed)" in at_risk.summary and at_risk.role is OwnerRole.OPERATIONS
    waiting = findings["awaiting-payment"]
    assert waiting.summary.startswith("1 order(s) awaiting payment")


async def test_intakes_paused_silent_and_not_started(findings: dict[str, Finding]) -> None:
    assert findings[f"intake:{PAUSED}"].summary == f"{PAUSED} paused: CHANNEL_AUTH_FAILED"
    silent = findings[f"intake:{SILENT}"]
    assert silent.summary == f"{SILENT} has not polled successfully for 40m"
    assert findings[f"intake:{NEVER}"].summary.endswith("is not running (never started)")


async def test_unmatched_events(findings: dict[str, Finding]) -> None:
    unmatched = findings["unmatched"]
    assert unmatched.summary == "2 unmatched warehouse event(s): 1 NO_ORDER, 1 QUANTITY"


async def test_every_finding_carries_its_owner_and_first_step(
    findings: dict[str, Finding],
) -> None:
    owners = {
        "at-risk": DEFAULT_OWNERS[ExceptionKind.SHIP_BY_MISSED],  # a ship-by has passed
        "awaiting-payment": DEFAULT_CHECK_OWNERS[Check.AWAITING_PAYMENT],
        "unmatched": DEFAULT_CHECK_OWNERS[Check.UNMATCHED],
        f"intake:{PAUSED}": DEFAULT_OWNERS[ExceptionKind.CHANNEL_AUTH_FAILED],
        f"intake:{SILENT}": DEFAULT_CHECK_OWNERS[Check.INTAKE_SILENT],
        f"intake:{NEVER}": DEFAULT_CHECK_OWNERS[Check.INTAKE_STOPPED],
        f"intake:{SETTLEMENTS}": DEFAULT_OWNERS[ExceptionKind.SETTLEMENT_UNBALANCED],
    }
    for key, owner in owners.items():
        finding = findings[key]
        assert (finding.role, finding.severity, finding.first_step) == (
            owner.role,
            owner.severity,
            owner.first_step,
        ), key


async def test_the_site_table_routes_the_checks(health: Health) -> None:
    checks = parse_check_overrides("kind,role,first_step\nunmatched,finance,ask GXO for credit\n")
    monitor = MonitorActivities(
        health.client,
        health.engine,
        DEFAULT_OWNERS,
        {},
        [],
        alert_urls=[],
        check_owners=checks,
        clock=lambda: NOW,
    )
    found = await ActivityEnvironment().run(monitor.check_health, THRESHOLDS)
    [unmatched] = [f for f in found.findings if f.key == "unmatched"]
    assert (unmatched.role, unmatched.first_step) == (OwnerRole.FINANCE, "ask GXO for credit")


async def test_returns_product_sync_and_settlements_are_watched(
    findings: dict[str, Finding],
) -> None:
    returned = findings["exceptions:RETURN_MISMATCH"]
    assert returned.summary == f"1 return(s) with RETURN_MISMATCH, oldest {RETURN} (3h 0m)"
    assert findings[f"intake:{PRODUCTS}"].summary == f"{PRODUCTS} paused: INVALID_WAREHOUSE_DATA"
    assert findings[f"intake:{SETTLEMENTS}"].summary == (
        f"{SETTLEMENTS} paused: SETTLEMENT_UNBALANCED"
    )


async def test_the_report_and_the_metrics_show_them_too(health: Health) -> None:
    report = await gather_report(
        health.client,
        health.engine,
        day=NOW.date(),
        now=NOW,
        at_risk_hours=24,
        owners=DEFAULT_OWNERS,
        expected_intakes=EXPECTED,
        expected_syncs=[],
    )
    [returned] = report.exceptions
    assert (returned.workflow_id, returned.stage, returned.message) == (
        RETURN,
        "EXCEPTION",
        "2 of 3 received",
    )
    intakes = {row.workflow_id: row for row in report.intakes}
    assert intakes[SETTLEMENTS].state == "scheduled" and intakes[SETTLEMENTS].paused
    assert intakes[PRODUCTS].paused
    text = generate_latest(registry_of(report)).decode()
    assert (
        'consign_exceptions_open{kind="RETURN_MISMATCH",owner="operations",severity="medium"} 1.0'
        in text
    )
    assert f'consign_intake_paused{{id="{SETTLEMENTS}"}} 1.0' in text
    assert f'consign_intake_paused{{id="{PRODUCTS}"}} 1.0' in text
