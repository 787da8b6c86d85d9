"""The program's budget: what is planned per month and category, and what was spent.

A plan line is one amount for one category and month; setting it again replaces it (the
audit log keeps what it was). Spend entries are only added, for the categories whose
actual spend Patron does not know itself (a correction is a further entry, as for the
acquisition spend). Which categories Patron knows, and from where, is decided in
analytics/budget.py (`ACTUAL_SOURCES`); the categories and the bounds of an amount are
here, so every adapter refuses the same input with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from patron.domain import limits
from patron.domain.errors import InvalidInput


class BudgetCategory(StrEnum):
    """What a budget line is for (docs/budget.md says what each holds)."""

    REWARDS = "rewards"  # rewards redeemed at their cost, and discounts granted through points
    POINTS_LIABILITY = "points_liability"  # the change of the points liability over the month
    LOGISTICS = "logistics"  # cards, card readers, the database
    COMMUNICATION = "communication"
    STAFF = "staff"  # staff and training
    PLATFORM = "platform"
    OTHER = "other"


def category_of(text: str) -> BudgetCategory:
    """The category a word names, or InvalidInput listing the words that do."""
    try:
        return BudgetCategory(text.strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in BudgetCategory)
        raise InvalidInput(f"category: {text!r} is not a budget category ({known})") from None


def checked_amount(amount: Decimal) -> Decimal:
    """An amount in cents from 0 to `limits.MAX_AMOUNT`, or InvalidInput saying why not."""
    if not amount.is_finite() or amount < 0 or amount > limits.MAX_AMOUNT:
        raise InvalidInput(f"amount: {amount} must be a number from 0 to {limits.MAX_AMOUNT}")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"amount: {amount} has more than 2 decimals (cents)")
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class PlanLine:
    """The amount planned for a category in a month."""

    month: date
    category: BudgetCategory
    amount: Decimal
    currency: str
    note: str | None
    set_at: datetime
    set_by: str


@dataclass(frozen=True, slots=True)
class BudgetSpend:
    """An amount spent in a month on a category, as entered."""

    id: int
    month: date
    category: BudgetCategory
    amount: Decimal
    currency: str
    note: str | None
    recorded_at: datetime
    recorded_by: str
