"""Exact rounding of fixed-point numbers, vectorised: the domain's `to_points`.

A value is a numerator array over one denominator (a power of ten times the line's
scale). `round_points` gives the integers `Decimal.quantize(1, rounding=...)` gives for
the program's rule (down = floor, up = ceiling, half up, half even); values are never
negative (unit prices and multipliers are not). The numerators are int64 when the largest
product of the history provably fits, Python integers otherwise (`number_type`): never a
float, so the vectorised points equal the domain's to the point.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from patron.domain.money import Rounding

Array = np.ndarray[Any, np.dtype[Any]]
INT64_ROOM = 2**62  # below this a product and its doubled remainder stay inside int64


def fraction(value: Decimal) -> tuple[int, int]:
    """`value` as (numerator, 10^places), exactly."""
    exponent = value.as_tuple().exponent
    places = max(0, -int(exponent))
    return int(value.scaleb(places)), 10**places


def round_points(numerator: Array, denominator: int | Array, rounding: Rounding) -> Array:
    """Whole points of numerator / denominator (one, or one per value) by the program's
    rule."""
    quotient = numerator // denominator
    if rounding is Rounding.DOWN:
        return quotient
    remainder = numerator - quotient * denominator
    if rounding is Rounding.UP:
        up: Array = quotient + (remainder > 0)
        return up
    twice = 2 * remainder
    if rounding is Rounding.HALF_UP:
        half_up: Array = quotient + (twice >= denominator)
        return half_up
    odd = (quotient % 2) == 1
    half_even: Array = quotient + ((twice > denominator) | ((twice == denominator) & odd))
    return half_even


def number_type(largest: int) -> Any:
    """int64 when every numerator stays below INT64_ROOM, Python integers otherwise."""
    return np.int64 if largest < INT64_ROOM else object
