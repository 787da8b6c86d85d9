"""Money and points, with every rounding rule explicit.

Money is a Decimal with a currency, never a float; points are whole integers. Converting
money to points is the only place fractions appear, and the program says how they round.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from patron.domain.errors import InvalidInput

Points = int

CENT = Decimal("0.01")


class Rounding(StrEnum):
    """How fractional points become whole points."""

    DOWN = "down"
    UP = "up"
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"


_DECIMAL_MODES = {
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.UP: ROUND_CEILING,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.HALF_EVEN: ROUND_HALF_EVEN,
}


def to_points(value: Decimal, rounding: Rounding) -> Points:
    """Round a fractional number of points to a whole one with the program's rule."""
    return int(value.quantize(Decimal(1), rounding=_DECIMAL_MODES[rounding]))


def quantize_money(value: Decimal) -> Decimal:
    """Round an amount to cents, half up, as receipts do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency; adding two currencies is an error, not a silent sum."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise InvalidInput(f"currency {self.currency!r} is not a 3-letter ISO 4217 code")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(f"cannot combine {self.currency} and {other.currency}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)
