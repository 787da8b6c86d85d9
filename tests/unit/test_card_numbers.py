"""Card numbers: the Luhn check digit on published examples, the program's format, and
what a mistyped number is refused for (domain/cards.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from patron.domain.cards import CardMistyped, checked_number, luhn_digit, luhn_valid, new_number
from patron.domain.program import CardPolicy

FORMAT = CardPolicy(prefix="2900", length=16)


@pytest.mark.parametrize(
    "number",
    [
        "79927398713",  # the example of ISO/IEC 7812-1 annex B as commonly cited
        "4111111111111111",  # Visa's published test number
        "5555555555554444",  # Mastercard's
        "378282246310005",  # American Express'
    ],
)
def test_published_numbers_pass_the_luhn_test(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["79927398710", "79927398714", "4111111111111112"])
def test_a_changed_last_digit_fails_the_luhn_test(number: str) -> None:
    assert not luhn_valid(number)


def test_the_check_digit_of_7992739871_is_3() -> None:
    assert luhn_digit("7992739871") == "3"


def test_every_single_digit_typo_is_caught() -> None:
    good = "2900481722960530"
    for i in range(len(good)):
        for d in "0123456789":
            typo = good[:i] + d + good[i + 1 :]
            if typo != good:  # in the prefix: not the prefix; elsewhere: the check digit
                with pytest.raises(CardMistyped, match="starts with 2900|check digit"):
                    checked_number(typo, FORMAT)


def test_a_number_is_kept_without_spaces_and_dashes() -> None:
    assert checked_number("2900 4817-2296 0530", FORMAT) == "2900481722960530"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("2900481722960531", "check digit"),
        ("3900481722960530", "starts with 2900"),  # a typo in the prefix
        ("290048172296053", "16 digits"),  # one digit left out
        ("29004817229605300", "16 digits"),
        ("2900AB1722960530", "16 digits"),
        ("", "not a card number"),
        ("12-!", "not a card number"),
    ],
)
def test_a_mistyped_number_is_refused_with_its_reason(typed: str, why: str) -> None:
    with pytest.raises(CardMistyped, match=why) as refused:
        checked_number(typed, FORMAT)
    assert refused.value.code == "card_mistyped"


def test_other_numbers_are_external_cards_unless_the_program_refuses_them() -> None:
    assert checked_number("ab-1234", FORMAT) == "AB1234"
    assert checked_number("ab-1234", None) == "AB1234"  # a program that prints no cards
    strict = CardPolicy(prefix="2900", length=16, accept_external=False)
    with pytest.raises(CardMistyped, match="starts with 2900"):
        checked_number("1234567812345670", strict)


def test_new_numbers_have_the_format_and_pass_their_own_check() -> None:
    numbers = [new_number(FORMAT) for _ in range(500)]
    assert all(len(n) == 16 and n.startswith("2900") and luhn_valid(n) for n in numbers)
    assert all(checked_number(n, FORMAT) == n for n in numbers)
    assert len(set(numbers)) == 500


@pytest.mark.parametrize(
    ("prefix", "length", "said"),
    [("29a", 16, "prefix"), ("2900", 20, "length"), ("2900123450", 16, "leaves 5 random")],
)
def test_a_card_format_without_room_for_random_digits_is_refused(
    prefix: str, length: int, said: str
) -> None:
    with pytest.raises(ValidationError, match=said):
        CardPolicy(prefix=prefix, length=length)
    # 16 digits = 9 of prefix + 1 check digit + 6 random: allowed
    assert CardPolicy(prefix="290012345", length=16).length == 16
