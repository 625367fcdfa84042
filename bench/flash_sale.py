"""Flash sale: how many units do two channels oversell while GXO reports in batch cycles?

A discrete-event simulation with no servers (fast, deterministic per seed). One SKU with S
units at GXO; buyers arrive on Amazon and Centra (Poisson, rate λ each, many per GXO cycle C).
Each channel refuses a sale at 0 and decrements what it shows on each sale (Amazon its listing
quantity; Centra its free-to-allocate, physical less its own open orders). consign learns of an
order some seconds after it is placed and injects it into GXO; GXO allocates only at cycle ends
and reports stock only then. `latency` after each cycle end consign plans with the orders it
knows of, and the channel shows the push `apply` seconds later, using the real domain rules
(`listing_target`, `buffer_units` with a `BufferRule`) and the sync's delta-first rule (push
only what differs from the last push).

Policies: naive (push GXO available, no demand accounting, no buffer) is the baseline; consign
with buffer 0; consign with a buffer covering both channels' sales from a cycle end until the
push shows; consign with a buffer covering one channel's sales over a whole GXO cycle.

Run: .venv/bin/python -m bench.flash_sale [--seeds 400 --stock 300 --rate 0.5 ...]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.inventory import BufferRule, listing_target
from domain.order import Channel

CHANNELS = (Channel.AMAZON, Channel.CENTRA)
SUBTRACTS_OWN_ORDERS = {Channel.AMAZON: False, Channel.CENTRA: True}  # as the stock ports say
SKU = "FLASH-1"

# Event kinds, in the order they run when they fall on the same instant.
CYCLE, PLAN, LAND, KNOWN, ARRIVE = range(5)


@dataclass(frozen=True)
class Params:
    stock: int
    rate: float  # buyers per second per channel
    cycle: float  # GXO batch cycle, seconds
    latency: float  # GXO cycle end -> consign's sync plans (sees the report), seconds
    apply: float  # the sync plans -> the channel shows the figure (push + processing), seconds
    notify: float  # an order reaches consign (and GXO) uniformly within this many seconds
    horizon_cycles: int


@dataclass(frozen=True)
class Policy:
    name: str
    demand_accounting: bool
    rules: list[BufferRule]


@dataclass
class Outcome:
    sold: int
    oversold: int
    unsold: int
    centra_sold: int


@dataclass
class Market:
    """Everything one run tracks: GXO, consign's knowledge, and what each channel shows."""

    stock: int
    allocated: int = 0
    gxo_queue: list[tuple[Channel, int]] = field(default_factory=list)  # injected, unallocated
    known_open: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    allocated_by: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    amazon_shown: int = 0
    centra_physical: int = 0
    centra_open: int = 0  # Centra subtracts its own unshipped orders (none ship in the window)
    sold: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    last_pushed: dict[Channel, int | None] = field(
        default_factory=lambda: dict.fromkeys(CHANNELS, None)
    )

    @property
    def available(self) -> int:
        return max(0, self.stock - self.allocated)

    def target(self, policy: Policy, channel: Channel) -> int:
        if not policy.demand_accounting:
            return self.available
        return listing_target(
            channel,
            SUBTRACTS_OWN_ORDERS[channel],
            SKU,
            self.available,
            policy.rules,
            {c: n for c, n in self.known_open.items() if n},
            self.allocated_by[channel],
        )

    def show(self, channel: Channel, quantity: int) -> None:
        if channel is Channel.AMAZON:
            self.amazon_shown = quantity
        else:
            self.centra_physical = quantity

    def sell(self, channel: Channel) -> bool:
        """A buyer on `channel`: the channel sells if it shows stock, and decrements itself."""
        if channel is Channel.AMAZON:
            if self.amazon_shown <= 0:
                return False
            self.amazon_shown -= 1
        else:
            if self.centra_physical - self.centra_open <= 0:
                return False
            self.centra_open += 1
        self.sold[channel] += 1
        return True

    def allocate(self) -> None:
        """GXO's cycle: allocate injected orders first come first served while stock lasts."""
        waiting: list[tuple[Channel, int]] = []
        for channel, units in self.gxo_queue:
            if self.allocated + units <= self.stock:
                self.allocated += units
                self.allocated_by[channel] += units
                self.known_open[channel] -= units
            else:
                waiting.append((channel, units))  # backordered: this is an oversold unit
        self.gxo_queue = waiting


def simulate(params: Params, policy: Policy, seed: int) -> Outcome:
    rng = random.Random(seed)
    market = Market(stock=params.stock)
    horizon = params.cycle * params.horizon_cycles
    events: list[tuple[float, int, int, Channel | None, int]] = []
    sequence = 0

    def schedule(at: float, kind: int, channel: Channel | None = None, value: int = 0) -> None:
        nonlocal sequence
        sequence += 1
        heapq.heappush(events, (at, kind, sequence, channel, value))

    for opening in CHANNELS:  # the opening push has landed when the sale starts
        quantity = market.target(policy, opening)
        market.show(opening, quantity)
        market.last_pushed[opening] = quantity
        schedule(rng.expovariate(params.rate), ARRIVE, opening)
    for k in range(1, params.horizon_cycles + 1):
        schedule(k * params.cycle, CYCLE)
    while events:
        at, kind, _, channel, value = heapq.heappop(events)
        if at > horizon:
            break
        if kind == ARRIVE and channel is not None:
            if market.sell(channel):
                schedule(at + rng.uniform(0, params.notify), KNOWN, channel)
            schedule(at + rng.expovariate(params.rate), ARRIVE, channel)
        elif kind == KNOWN and channel is not None:
            market.known_open[channel] += 1  # consign has the order and injects it into GXO
            market.gxo_queue.append((channel, 1))
        elif kind == CYCLE:
            market.allocate()
            schedule(at + params.latency, PLAN)
        elif kind == PLAN:
            for target_channel in CHANNELS:  # delta-first: only a changed figure is pushed
                quantity = market.target(policy, target_channel)
                if quantity != market.last_pushed[target_channel]:
                    market.last_pushed[target_channel] = quantity
                    schedule(at + params.apply, LAND, target_channel, quantity)
        elif kind == LAND and channel is not None:
            market.show(channel, value)
    sold = sum(market.sold.values())
    return Outcome(
        sold=sold,
        oversold=max(0, sold - params.stock),
        unsold=max(0, params.stock - sold),
        centra_sold=market.sold[Channel.CENTRA],
    )


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def run(params: Params, seeds: int, latency_buffer: int, cycle_buffer: int) -> None:
    policies = [
        Policy("(a) naive: push GXO available", False, []),
        Policy("(b) consign, buffer 0", True, []),
        Policy(
            f"(c) consign, buffer {latency_buffer} (latency)",
            True,
            [BufferRule(units=latency_buffer)],
        ),
        Policy(
            f"(d) consign, buffer {cycle_buffer} (cycle)", True, [BufferRule(units=cycle_buffer)]
        ),
    ]
    results: dict[str, list[Outcome]] = {
        p.name: [simulate(params, p, seed) for seed in range(seeds)] for p in policies
    }
    baseline = statistics.mean(o.oversold for o in results[policies[0].name])
    per_cycle = params.rate * params.cycle
    print(
        f"flash sale: {params.stock} units, 2 channels x {params.rate:g} buyers/s "
        f"({per_cycle:g} per channel per GXO cycle of {params.cycle:g} s);\n"
        f"sync plans {params.latency:g} s after a cycle end, channel shows it {params.apply:g} s "
        f"later; orders reach consign 0-{params.notify:g} s after the sale; "
        f"{params.horizon_cycles} cycles, {seeds} seeds"
    )
    header = (
        f"{'policy':<36}{'oversold mean':>14}{'p95':>6}{'max':>6}{'runs>0':>8}"
        f"{'unsold mean':>13}{'Centra share':>14}{'vs naive':>10}"
    )
    print(header)
    print("-" * len(header))
    for policy in policies:
        outcomes = results[policy.name]
        oversold = [o.oversold for o in outcomes]
        mean = statistics.mean(oversold)
        share = sum(1 for n in oversold if n) / len(oversold)
        centra_share = sum(o.centra_sold for o in outcomes) / sum(o.sold for o in outcomes)
        ratio = f"{mean / baseline:.2f}" if baseline else "n/a"
        print(
            f"{policy.name:<36}{mean:>14.2f}{percentile(oversold, 0.95):>6}{max(oversold):>6}"
            f"{share:>8.0%}{statistics.mean(o.unsold for o in outcomes):>13.2f}"
            f"{centra_share:>14.0%}{ratio:>10}"
        )
    print(NOTES)


NOTES = """
oversold = units sold beyond the S GXO holds (per run); unsold = units still at GXO when the
horizon ends (what the buffer costs); Centra share = Centra's part of the units sold;
vs naive = mean oversold / naive's mean oversold. Buffers: (c) both channels' expected sales
from a cycle end until the push shows; (d) one channel's expected sales in one GXO cycle.
Naive pushes GXO available to Centra as physical stock, and Centra subtracts its own open
orders again (GXO's available already excludes the allocated ones): Centra under-sells, which
leaves fewer units offered twice, so naive can beat consign without a buffer on oversells.
consign's sync runs only when GXO's stock moves (cycle ends), not when an order arrives, so
between two cycles both channels sell from the same remaining units.
Modelled: Poisson buyers of one unit each on both channels; each channel's own decrement is
immediate and it refuses at 0 (Centra: physical less its own open orders); consign learns of an
order uniformly within the notification delay and injects it into GXO at once; GXO allocates
first come first served and reports only at cycle ends; consign plans with the
orders it knows of `latency` after the cycle end and the channel shows the figure `apply`
later, overwriting Amazon's own decrements made meanwhile; a push is sent only when the figure
changed.
Not modelled: shipments during the sale (allocated stock stays allocated; Centra keeps its
orders open), cancellations and payment failures, push failures, retries and throttling (an
Amazon feed takes minutes, a patch seconds: set --apply), the reconcile, several SKUs or
facilities, buyers who come back after a refusal. Both channels are shown the whole remaining
pool (listing_target does not split stock between channels), so near sell-out the last units
are offered twice; only a buffer covers that and the sales consign cannot know about yet.
"""


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be positive")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=400)
    parser.add_argument("--stock", type=int, default=300)
    parser.add_argument("--rate", type=positive(float), default=0.5, help="buyers/s/channel")
    parser.add_argument("--cycle", type=positive(float), default=60.0, help="GXO cycle, s")
    parser.add_argument("--latency", type=float, default=15.0, help="cycle end -> plan, s")
    parser.add_argument("--apply", type=float, default=5.0, help="plan -> channel shows, s")
    parser.add_argument("--notify", type=float, default=20.0, help="max order notify delay, s")
    parser.add_argument("--cycles", type=int, default=15, help="horizon in GXO cycles")
    parser.add_argument(
        "--buffer",
        type=int,
        default=None,
        help="(c)'s buffer units (default: both channels' expected sales from a cycle end "
        "until the channel shows the push)",
    )
    args = parser.parse_args()
    params = Params(
        stock=max(1, args.stock),
        rate=args.rate,
        cycle=args.cycle,
        latency=max(0.0, args.latency),
        apply=max(0.0, args.apply),
        notify=max(0.0, args.notify),
        horizon_cycles=max(1, args.cycles),
    )
    buffer = args.buffer
    if buffer is None:
        buffer = math.ceil(len(CHANNELS) * params.rate * (params.latency + params.apply))
    cycle_buffer = math.ceil(params.rate * params.cycle)
    run(params, max(1, args.seeds), max(0, buffer), cycle_buffer)


if __name__ == "__main__":
    main()
