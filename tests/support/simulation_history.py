"""A deterministic purchase history for the simulation's tests: members who buy often,
seldom and in bursts (so tiers go up and come down across the window), lines in
categories with multipliers, unit prices with up to four decimals, promotion codes, and
dates over fourteen months (so lots expire inside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from patron.domain.earning import Line
from patron.domain.lots import add_months

START = datetime(2025, 1, 1)
DAYS = 424  # to 2026-02-28
CATEGORIES = (None, "books", "toys", "gift-cards", "food")
CODES = (None, None, None, "SPRING", "VIP")


@dataclass(frozen=True)
class Bought:
    customer: str
    at: datetime
    lines: tuple[Line, ...]
    code: str | None


def history(purchases: int, members: int, seed: int = 14) -> list[Bought]:
    """`purchases` purchases of `members` customers, in no particular order."""
    rng = np.random.default_rng(seed)
    # a few heavy buyers, many light ones; some buy only in one season (bursts)
    weight = rng.pareto(1.2, members) + 0.2
    who = rng.choice(members, purchases, p=weight / weight.sum())
    season = rng.integers(0, DAYS - 90, members)
    bursty = rng.random(members) < 0.3
    day = np.where(
        bursty[who], season[who] + rng.integers(0, 90, purchases), rng.integers(0, DAYS, purchases)
    )
    seconds = rng.integers(1, 86_400, purchases)  # never exactly midnight
    out = []
    for k in range(purchases):
        count = int(rng.integers(1, 4))
        lines = tuple(
            Line(
                f"sku-{int(rng.integers(0, 50))}",
                CATEGORIES[int(rng.integers(0, len(CATEGORIES)))],
                int(rng.integers(1, 4)),
                _price(rng),
            )
            for _ in range(count)
        )
        at = START + timedelta(days=int(day[k]), seconds=int(seconds[k]))
        out.append(Bought(f"c-{int(who[k]):03d}", at, lines, CODES[int(rng.integers(0, 5))]))
    return out + _on_the_edges(out, rng)


def _on_the_edges(bought: list[Bought], rng: np.random.Generator) -> list[Bought]:
    """Purchases on the rules' boundaries: one in twenty purchases again exactly three
    months later to the microsecond (the window's first moment, 31st clamped to 30th),
    and some at midnight on the first of a month (the moment of the month-start jobs)."""
    last = START + timedelta(days=DAYS)
    more = []
    for b in bought[::20]:
        again = add_months(b.at, 3)
        if again < last:
            more.append(Bought(b.customer, again, b.lines, None))
    for b in bought[7::40]:
        first = datetime(b.at.year, b.at.month, 1)
        more.append(Bought(b.customer, first, b.lines[:1], None))
    return more


def _price(rng: np.random.Generator) -> Decimal:
    """Mostly cents; one price in five with four decimals (half-way fractions occur)."""
    cents = int(rng.integers(50, 6_000))
    if rng.random() < 0.2:
        return Decimal(cents * 100 + int(rng.integers(0, 100))).scaleb(-4)
    return Decimal(cents).scaleb(-2)
