"""The demo's operations scene: the health monitor raising an alert while orders are parked and
resolving it once operations fixed and retried them (the local receiver shows both), each retry
answered with the stage its order reached, and the daily report written."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import Engine
from temporalio.client import Client

from domain.lifecycle import OrderStage
from domain.monitor import FINDING_LINE, DailyReportRequest
from integrations.registry import get_settings
from monitoring import monitor_activities
from starter.demo_parts import Answered, ChannelPart
from starter.devstack import DevStack
from workflows.monitor import monitor_id

PATIENCE = 120  # seconds for the Monitor to see a change: a bound, not a timing assertion
# Where a retried order must be when its answer comes: at GXO or further (not re-parked,
# not still planning).
AT_GXO = {
    OrderStage.INJECTED,
    OrderStage.PARTIALLY_SHIPPED,
    OrderStage.AT_RISK,
    OrderStage.LATE,
    OrderStage.SHIPPED,
}
FINDING_KEY = re.compile(rf"{re.escape(FINDING_LINE)}([^\s)]+)")


@dataclass
class OperationsOutcome:
    alerts: list[dict[str, Any]] = field(default_factory=list)  # as the receiver got them
    answers: dict[str, list[Answered]] = field(default_factory=dict)  # per channel label
    report: tuple[Path, Path] | None = None

    def raised(self) -> list[str]:
        return [str(a.get("title")) for a in self.alerts if _counts(a)[0]]

    def resolved(self) -> list[str]:
        return [str(a.get("title")) for a in self.alerts if _counts(a)[1]]

    def raised_then_resolved(self) -> list[str]:
        """Keys of the findings alerted as raised and, in a later alert, as resolved."""
        raised_at: dict[str, int] = {}
        found = []
        for index, alert in enumerate(self.alerts):
            raised, resolved = _keys(alert)
            for key in raised:
                raised_at.setdefault(key, index)
            found += [k for k in resolved if k in raised_at and raised_at[k] < index]
        return sorted(set(found))

    def checks(self) -> dict[str, bool]:
        answers = [a for found in self.answers.values() for a in found]
        return {
            "a parked orders' alert raised, and the same finding resolved after the retry": any(
                key.startswith("exceptions:") for key in self.raised_then_resolved()
            ),
            "every retry answered: its order reached GXO (INJECTED or later)": bool(answers)
            and all(a.answer.stage in AT_GXO for a in answers),
            "daily report written (Markdown and HTML)": self.report is not None
            and all(path.is_file() and path.stat().st_size for path in self.report),
        }


def _counts(alert: dict[str, Any]) -> tuple[int, int]:
    """(raised, resolved) in one alert: a digest's title counts both (domain/monitor.py)."""
    title = str(alert.get("title", ""))
    digest = re.fullmatch(r"(\d+) raised, (\d+) resolved", title)
    if digest:
        return int(digest.group(1)), int(digest.group(2))
    return (0, 1) if title.startswith("resolved:") else (1, 0)


def _keys(alert: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(raised, resolved) finding keys one alert names (domain/monitor.py's body lines; a
    digest lists its raised findings before the line "resolved (n):")."""
    title, body = str(alert.get("title", "")), str(alert.get("message", ""))
    if re.fullmatch(r"\d+ raised, \d+ resolved", title):
        raised, _, resolved = body.partition("\nresolved (")
        return FINDING_KEY.findall(raised), FINDING_KEY.findall(resolved)
    keys = FINDING_KEY.findall(body)
    return ([], keys) if title.startswith("resolved:") else (keys, [])


async def alerts(http: httpx.AsyncClient, stack: DevStack) -> list[dict[str, Any]]:
    answer = await http.get(stack.alerts_url)
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


async def until_alerted(
    http: httpx.AsyncClient, stack: DevStack, client: Client, resolved: bool
) -> list[dict[str, Any]]:
    """Trigger the Monitor's schedule (again every few seconds; a trigger while a check runs
    is skipped) until the receiver holds an alert raised (or, with `resolved`, one resolved)."""
    monitor = client.get_schedule_handle(monitor_id())
    for turn in range(PATIENCE * 2):
        if turn % 6 == 0:
            await monitor.trigger()
        found = await alerts(http, stack)
        if any(_counts(a)[1 if resolved else 0] for a in found):
            return found
        await asyncio.sleep(0.5)
    return await alerts(http, stack)


async def write_daily_report(client: Client, engine: Engine, out: Path) -> tuple[Path, Path]:
    """As the Monitor writes it each morning (its activity, called directly)."""
    settings = get_settings().model_copy(update={"reports_dir": str(out)})
    request = DailyReportRequest(day=datetime.now(UTC).date())
    written = await monitor_activities(client, engine, settings).write_daily_report(request)
    return Path(written.markdown), Path(written.html)


def collect_answers(parts: list[ChannelPart]) -> dict[str, list[Answered]]:
    return {part.label: part.answers for part in parts}


def render(console: Console, outcome: OperationsOutcome) -> None:
    console.print(
        f"alerts: {len(outcome.raised())} raised, {len(outcome.resolved())} resolved "
        "(the local receiver; CONSIGN_ALERT_URLS reaches Slack, Teams, e-mail in production)"
    )
    for title in [*outcome.raised()[:3], *outcome.resolved()[:3]]:
        console.print(f"  {title}", highlight=False)
    both = ", ".join(outcome.raised_then_resolved()) or "none"
    console.print(f"  raised, then resolved: {both}", highlight=False)
    for label, answers in outcome.answers.items():
        if answers:
            first = answers[0]
            console.print(
                f"retry answered ({label}, {len(answers)} orders): {first.order_id} reached "
                f"{first.answer.stage.value}"
                + ("" if first.answer.settled else " (still at work)"),
                highlight=False,
            )
    if outcome.report is not None:
        markdown, page = outcome.report
        console.print(f"daily report: {markdown} and {page}", highlight=False)
