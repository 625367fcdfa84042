"""Picking and packing rules of one cycle, kept pure so they can be tested on their own."""

from __future__ import annotations

import random
from datetime import datetime

from sandbox.gxo.models import LineProgress, ShortPick
from sandbox.gxo.wire import Carton, CartonLine


def pick(
    lines: list[LineProgress],
    stock: dict[str, int],
    short_pick: ShortPick | None,
    short_pick_rate: float,
    rng: random.Random,
) -> tuple[dict[int, int], bool]:
    """Units picked per line number, taking them from `stock`, and whether a pick came up
    short for a reason other than stock (so the remainder waits for a backorder release)."""
    picked: dict[int, int] = {}
    short = False
    for line in lines:
        take = min(line.remaining, stock.get(line.item_code, 0))
        if short_pick is not None and short_pick.line == line.line_number:
            limited = min(take, short_pick.ship)
            short = short or limited < line.remaining
            take = limited
        elif take > 0 and short_pick_rate > 0 and rng.random() < short_pick_rate:
            take = rng.randint(0, take - 1)
            short = True
        if take > 0:
            picked[line.line_number] = take
            stock[line.item_code] -= take
    return picked, short


SSCC_COMPANY_PREFIX = "05012345"  # extension digit 0 and a made-up GS1 company prefix


def sscc(serial: int) -> str:
    """An SSCC-18 carton label (945 MAN*GM): 17 digits and the GS1 mod-10 check digit."""
    body = f"{SSCC_COMPANY_PREFIX}{serial:09d}"
    weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str(-weighted % 10)


def pack(
    lines: list[LineProgress],
    picked: dict[int, int],
    max_units: int,
    first_parcel: int,
    id_prefix: str,
    carrier_service_code: str,
    tracking_numbers: list[str],
    ssccs: list[str],
    shipped_at: datetime,
) -> list[Carton]:
    """Fill parcels in line order with at most `max_units` units each; `tracking_numbers`
    and `ssccs` hold one per parcel (len == parcel_count(picked, max_units))."""
    by_number = {line.line_number: line for line in lines}
    units = [number for number in sorted(picked) for _ in range(picked[number])]
    parcels: list[Carton] = []
    for index, start in enumerate(range(0, len(units), max_units)):
        chunk = units[start : start + max_units]
        counts = {number: chunk.count(number) for number in dict.fromkeys(chunk)}
        parcels.append(
            Carton(
                parcel_id=f"{id_prefix}-P{first_parcel + index:02d}",
                tracking_number=tracking_numbers[index],
                sscc=ssccs[index],
                carrier_service_code=carrier_service_code,
                shipped_at=shipped_at,
                lines=[
                    CartonLine(
                        line_number=number,
                        item_code=by_number[number].item_code,
                        channel_line_id=by_number[number].channel_line_id,
                        quantity=count,
                    )
                    for number, count in counts.items()
                ],
            )
        )
    return parcels


def parcel_count(picked: dict[int, int], max_units: int) -> int:
    units = sum(picked.values())
    return -(-units // max_units)
