"""Ship-by deadlines: when to chase the warehouse, when an order is at risk, when it is late."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel


class DeadlinePolicy(BaseModel):
    """Chase GXO `chase_lead` before the ship-by date; an unshipped order is at risk from then."""

    chase_lead: timedelta = timedelta(hours=6)


class Deadlines(BaseModel):
    chase_at: datetime
    ship_by: datetime


def deadlines_for(ship_by: datetime, policy: DeadlinePolicy, now: datetime) -> Deadlines:
    """A chase time never earlier than now, never later than the ship-by itself."""
    chase_at = min(max(ship_by - policy.chase_lead, now), ship_by)
    return Deadlines(chase_at=chase_at, ship_by=ship_by)
