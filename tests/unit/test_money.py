from decimal import Decimal

import pytest

from patron.domain.errors import InvalidInput
from patron.domain.money import Money, Rounding, quantize_money, to_points


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("12.5", Rounding.DOWN, 12),
        ("12.5", Rounding.UP, 13),
        ("12.5", Rounding.HALF_UP, 13),
        ("12.5", Rounding.HALF_EVEN, 12),
        ("13.5", Rounding.HALF_EVEN, 14),
        ("12.01", Rounding.UP, 13),
        ("12.99", Rounding.DOWN, 12),
    ],
)
def test_points_round_by_the_programs_rule(value: str, rounding: Rounding, expected: int) -> None:
    assert to_points(Decimal(value), rounding) == expected


def test_money_of_two_currencies_cannot_be_added() -> None:
    with pytest.raises(InvalidInput, match="EUR and USD"):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "USD")


def test_money_adds_within_a_currency() -> None:
    assert Money(Decimal("1.10"), "EUR") + Money(Decimal("2.20"), "EUR") == Money(
        Decimal("3.30"), "EUR"
    )


def test_money_refuses_floats_and_bad_codes() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Money(Decimal(1), "EURO")


def test_amounts_are_quantized_half_up_to_cents() -> None:
    assert quantize_money(Decimal("2.345")) == Decimal("2.35")


def test_money_subtracts_in_one_currency_and_refuses_two() -> None:
    left = Money(Decimal("5.00"), "EUR") - Money(Decimal("1.25"), "EUR")
    assert left == Money(Decimal("3.75"), "EUR")
    with pytest.raises(InvalidInput, match="cannot combine EUR and RON"):
        _ = Money(Decimal("5.00"), "EUR") - Money(Decimal("1.00"), "RON")


def test_zero_is_nothing_in_the_currency_given() -> None:
    nothing = Money.zero("RON")
    assert (nothing.amount, nothing.currency) == (Decimal(0), "RON")
    assert Money(Decimal("2.50"), "RON") + nothing == Money(Decimal("2.50"), "RON")
