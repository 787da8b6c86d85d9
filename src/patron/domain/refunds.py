"""How much money a return gives back, so that returning everything gives back the total.

Unit prices may carry 4 decimals while a purchase's total is rounded to the cent once:
three lines at 0.005 total 0.02, three units at 3.3333 total 10.00. Rounding each return
on its own would give back 0.03 or 9.99. Instead the total, in cents, is first shared
among the lines by the largest remainder method (each line gets its exact amount rounded
down, and the cents left go to the lines with the largest fractions), and a line's share
is then handed out over its units on cumulative quantities, as points are
(`points_to_take_back`). Whatever the order and the split of the returns, they add up to
each line's share, and the shares to the purchase total.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from patron.domain.errors import InvalidInput
from patron.domain.money import CENT, quantize_money


def line_shares(total: Decimal, amounts: Sequence[Decimal]) -> list[Decimal]:
    """The purchase total shared among its lines (largest remainder), to the cent.

    `amounts` are the lines' exact amounts (unit price × quantity, up to 4 decimals). The
    shares add up to `total` exactly. When `total` is their sum rounded to the cent (as
    every purchase records it), each share is its line's amount rounded down or up to
    the cent: each line gets its amount's whole cents, and the cents left go one each
    to the lines with the largest fractions of a cent (ties: the earlier line). A total
    that is not that sum is shared in proportion to the amounts, by the same method.
    """
    cents = _cents(total)
    if any(a < 0 for a in amounts):
        raise InvalidInput("a line's amount must not be negative")
    if not amounts:
        if cents:
            raise InvalidInput("a purchase with a total needs at least one line")
        return []
    whole = sum(amounts, Decimal(0))
    if quantize_money(whole) == total:
        quotas = [a / CENT for a in amounts]
    elif whole == 0:  # nothing to be proportional to: share evenly by line
        quotas = [Decimal(cents) / len(amounts)] * len(amounts)
    else:
        quotas = [Decimal(cents) * a / whole for a in amounts]
    floors = [int(q) for q in quotas]  # quotas are non-negative: int() rounds down
    left = cents - sum(floors)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


def amount_to_give_back(
    share: Decimal, quantity: int, refunded_before: int, refunding: int
) -> Decimal:
    """Money a return of `refunding` units of a line gives back, given its share.

    Computed on cumulative quantities (rounded down to the cent), so a line returned in
    any number of steps gives back exactly its share, never a cent more.
    """
    if refunding <= 0 or refunded_before < 0 or refunded_before + refunding > quantity:
        raise InvalidInput(
            f"cannot return {refunding} more of a line of {quantity}"
            f" ({refunded_before} already returned)"
        )
    cents = _cents(share)
    after = cents * (refunded_before + refunding) // quantity
    before = cents * refunded_before // quantity
    return Decimal(after - before) * CENT


def _cents(amount: Decimal) -> int:
    cents = amount / CENT
    if cents != cents.to_integral_value() or cents < 0:
        raise InvalidInput(f"amount {amount} must be a non-negative number of cents")
    return int(cents)
