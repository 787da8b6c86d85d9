"""A purchase history as the simulation reads it: columns of exact integers.

Money is held in fixed point, never in floats, so that every rounding the domain makes
on `Decimal` amounts is made on the same numbers: a line's amount (quantity × unit
price) in ten-thousandths of the currency unit (unit prices have at most
`limits.UNIT_PLACES` = 4 decimals, as the store and the import keep them), a purchase's
total in cents, rounded half up from its lines as `quantize_money` rounds it.

Purchases may come in any order; lines refer to their purchase by position. Texts
(customers, categories, promotion codes) are codes into a table of their values, as the
engine compares numbers only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np

from patron.domain.earning import Line
from patron.domain.limits import UNIT_PLACES

Array = np.ndarray[Any, np.dtype[Any]]
UNIT_SCALE = 10**UNIT_PLACES  # a line amount's fixed point: ten-thousandths
NO_CODE = -1


@dataclass(frozen=True)
class History:
    """Purchases (one entry per purchase) and their lines (one entry per line)."""

    customer: Array  # int64: index into customer_ids
    customer_ids: Array  # object: each customer's id as the source names it
    occurred_at: Array  # datetime64[us], naive UTC
    code: Array  # int64: index into codes, NO_CODE without a promotion code
    codes: tuple[str, ...]
    line_purchase: Array  # int64: the purchase of each line
    line_amount: Array  # int64: quantity × unit price, in 1/10,000 of the currency
    line_cost: Array  # int64: quantity × unit cost in 1/10,000; -1 when unknown
    line_category: Array  # int64: index into categories, NO_CODE without one
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.customer)

    @property
    def customers(self) -> int:
        return len(self.customer_ids)

    @cached_property
    def _runs(self) -> tuple[Array | None, Array, Array]:
        """How lines group into purchases, found once: the order that groups them (None
        when they come grouped, as from every source), each run's purchase and start."""
        groups = self.line_purchase
        order = None
        if not bool((groups[1:] >= groups[:-1]).all()):
            order = np.argsort(groups, kind="stable")
            groups = groups[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else groups
        return order, groups[starts], starts

    def sums(self, values: Array) -> Array:
        """Per purchase, the exact integer sum of its lines' `values` (0 without lines);
        when most values are 0 (a promotion's lines), over the others only."""
        order, purchase, starts = self._runs
        sums = np.zeros(len(self), dtype=np.int64)
        if len(starts) == 0:
            return sums
        values = values if order is None else values[order]
        if 4 * np.count_nonzero(values) < len(values):
            some = np.flatnonzero(values)
            groups = self.line_purchase if order is None else self.line_purchase[order]
            own = groups[some]
            if len(own):
                first = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
                sums[own[first]] = np.add.reduceat(values[some], first)
            return sums
        sums[purchase] = np.add.reduceat(values, starts)
        return sums

    def purchase_amounts(self) -> Array:
        """Each purchase's exact total, in 1/10,000 (the sum of its lines' amounts)."""
        return self.amounts

    @cached_property
    def days(self) -> Array:
        """Each purchase's day (datetime64[D]), for the rules that go by days."""
        return self.occurred_at.astype("datetime64[D]")

    @cached_property
    def amounts(self) -> Array:
        return self.sums(self.line_amount)

    def totals(self) -> Array:
        """Each purchase's total in cents, half up, as the store records it."""
        return to_cents(self.amounts)

    def costs(self) -> Array:
        """Each purchase's cost of goods in cents, -1 unless every line's cost is known
        (domain.earning.cost_of: a partial cost would overstate the margin)."""
        unknown = self.line_cost < 0
        if not bool(unknown.any()):
            return to_cents(self.sums(self.line_cost))
        cents = to_cents(self.sums(np.where(unknown, 0, self.line_cost)))
        return np.where(self.sums(unknown.astype(np.int64)) > 0, -1, cents)

    def select(self, keep: Array) -> History:
        """The purchases where `keep` is true, with their lines (itself when all are)."""
        if bool(keep.all()):
            return self
        position = np.cumsum(keep) - 1
        line_keep = keep[self.line_purchase]
        return History(
            self.customer[keep],
            self.customer_ids,
            self.occurred_at[keep],
            self.code[keep],
            self.codes,
            position[self.line_purchase[line_keep]],
            self.line_amount[line_keep],
            self.line_cost[line_keep],
            self.line_category[line_keep],
            self.categories,
        )


def to_cents(ten_thousandths: Array) -> Array:
    """Half up to the cent (amounts are never negative)."""
    return (ten_thousandths + 50) // 100


def scaled(value: Decimal | None) -> int:
    """A unit amount in ten-thousandths (-1 for None): exact for the store's 4 places."""
    if value is None:
        return -1
    return int(value.scaleb(UNIT_PLACES).to_integral_value())


def _codes(values: Sequence[str | None]) -> tuple[Array, tuple[str, ...]]:
    names = sorted({v for v in values if v is not None})
    index = {name: i for i, name in enumerate(names)}
    return np.array(
        [index.get(v, NO_CODE) if v is not None else NO_CODE for v in values], dtype=np.int64
    ), tuple(names)


def history_of(
    customers: Sequence[str],
    occurred_at: Array,
    promotion_codes: Sequence[str | None],
    lines: Sequence[Sequence[Line]],
) -> History:
    """A history from purchases given one by one with the domain's `Line`s (a purchase
    file read by the import's reader, or a test's purchases)."""
    customer_ids, customer = np.unique(np.asarray(customers, dtype=object), return_inverse=True)
    code, codes = _codes(promotion_codes)
    counts = np.fromiter((len(ls) for ls in lines), dtype=np.int64, count=len(lines))
    flat = [line for ls in lines for line in ls]
    category, categories = _codes([line.category for line in flat])
    return History(
        customer=customer.astype(np.int64),
        customer_ids=customer_ids,
        occurred_at=np.asarray(occurred_at, dtype="datetime64[us]"),
        code=code,
        codes=codes,
        line_purchase=np.repeat(np.arange(len(lines), dtype=np.int64), counts),
        line_amount=np.fromiter(
            (scaled(x.unit_price) * x.quantity for x in flat), dtype=np.int64, count=len(flat)
        ),
        line_cost=np.fromiter(
            (-1 if x.unit_cost is None else scaled(x.unit_cost) * x.quantity for x in flat),
            dtype=np.int64,
            count=len(flat),
        ),
        line_category=category,
        categories=categories,
    )
