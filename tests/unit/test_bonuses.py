"""The rules of bonuses without a store (issue 15 §4): a burning bonus's expiry and its
place in the spending order, the program's `valid_days`, milestone vouchers and
`[birthday]` checked with the field named, the burning part of a purchase's score, and the
birthday window (across the new year, 29 February).

Expected dates are counted by hand on a calendar.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from patron.domain.birthdays import Birthday, birthday_due, birthday_in, parse_birthday
from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.errors import InvalidInput, InvalidProgram
from patron.domain.lots import Burning, Lot, allocate_spend, burning_expiry
from patron.domain.program import parse_program

NOW = datetime(2026, 3, 1, 10, 0)
HEAD = 'name = "Bonuses"\ncurrency = "EUR"\n'
DISCOUNT = '[[rewards]]\nid = "five-off"\nname = "5 off"\nkind = "discount"\npoints = 500\n'


def test_a_burning_bonus_expires_its_days_after_it_is_spendable() -> None:
    # 1 March 10:00 + 14 days = 15 March 10:00
    assert burning_expiry(NOW, 14, None) == datetime(2026, 3, 15, 10, 0)
    assert burning_expiry(NOW, 14, datetime(2028, 3, 1, 10, 0)) == datetime(2026, 3, 15, 10, 0)


def test_a_burning_bonus_never_outlives_the_programs_expiry() -> None:
    assert burning_expiry(NOW, 60, datetime(2026, 3, 20)) == datetime(2026, 3, 20)


def test_a_burning_bonus_is_spent_before_older_points() -> None:
    older = Lot(1, 500, datetime(2025, 6, 1), datetime(2025, 6, 1), datetime(2027, 6, 1))
    bonus = Lot(2, 200, NOW, NOW, burning_expiry(NOW, 14, datetime(2028, 3, 1)))
    # 300 points: the 200 of the bonus, then 100 of the older lot
    assert allocate_spend([older, bonus], 300, NOW) == [(2, 200), (1, 100)]


def test_valid_days_belongs_to_a_bonus_not_a_multiplier() -> None:
    text = HEAD + (
        '[[promotions]]\nname = "x2"\nstarts = 2026-01-01\nends = 2026-01-31\n'
        "multiplier = 2\nvalid_days = 14\n"
    )
    with pytest.raises(InvalidProgram, match=r"promotions\.0.*valid_days is for a bonus"):
        parse_program(text)


def test_valid_days_is_bounded() -> None:
    text = HEAD + (
        '[[promotions]]\nname = "b"\nstarts = 2026-01-01\nends = 2026-01-31\n'
        "bonus = 20\nvalid_days = 0\n"
    )
    with pytest.raises(InvalidProgram, match=r"promotions\.0\.valid_days"):
        parse_program(text)


def test_a_milestone_pays_a_bonus_or_a_voucher_not_both() -> None:
    both = HEAD + (
        '[[milestones]]\nname = "Tenth"\nkind = "purchase_count"\nthreshold = 10\n'
        'bonus = 100\nvoucher = "five-off"\n' + DISCOUNT
    )
    with pytest.raises(InvalidProgram, match="exactly one of bonus or voucher"):
        parse_program(both)


def test_a_milestone_voucher_names_a_discount_reward() -> None:
    gift = HEAD + (
        '[[milestones]]\nname = "Tenth"\nkind = "purchase_count"\nthreshold = 10\n'
        'voucher = "mug"\n[[rewards]]\nid = "mug"\nname = "Mug"\nkind = "gift"\npoints = 9\n'
    )
    with pytest.raises(InvalidProgram, match=r"milestone 'Tenth': voucher 'mug' is not a disc"):
        parse_program(gift)
    ok = HEAD + (
        '[[milestones]]\nname = "Tenth"\nkind = "purchase_count"\nthreshold = 10\n'
        'voucher = "five-off"\n' + DISCOUNT
    )
    assert parse_program(ok).milestones[0].voucher == "five-off"


def test_the_birthday_section_gives_points_or_a_voucher() -> None:
    with pytest.raises(InvalidProgram, match="birthday needs exactly one of points or voucher"):
        parse_program(HEAD + "[birthday]\ndays_after = 3\n")
    with pytest.raises(InvalidProgram, match=r"birthday: voucher 'none' is not a discount"):
        parse_program(HEAD + '[birthday]\nvoucher = "none"\n')
    with pytest.raises(InvalidProgram, match=r"birthday\.days_before"):
        parse_program(HEAD + "[birthday]\npoints = 10\ndays_before = 91\n")
    program = parse_program(HEAD + "[birthday]\npoints = 200\nvalid_days = 30\n")
    assert program.birthday is not None
    assert (program.birthday.points, program.birthday.valid_days) == (200, 30)
    assert (program.birthday.days_before, program.birthday.days_after) == (0, 7)


SCORED = parse_program(
    HEAD
    + (
        '[[promotions]]\nname = "Spring"\nstarts = 2026-03-01\nends = 2026-03-31\n'
        "bonus = 30\nvalid_days = 10\n"
        '[[promotions]]\nname = "Plain"\nstarts = 2026-03-01\nends = 2026-03-31\nbonus = 5\n'
        '[[milestones]]\nname = "First"\nkind = "purchase_count"\nthreshold = 1\n'
        "bonus = 40\nvalid_days = 20\n"
        '[[milestones]]\nname = "Second"\nkind = "purchase_count"\nthreshold = 2\n'
        'voucher = "five-off"\n' + DISCOUNT
    )
)


def test_a_purchase_score_names_the_bonuses_that_burn() -> None:
    facts = PurchaseFacts(NOW, "EUR", (Line("A", None, 1, Decimal("50.00")),))
    earned = score(SCORED, MemberState("Member"), facts)
    # 50 + 30 (burns in 10 days) + 5 + 40 (the first purchase's milestone, 20 days)
    assert (earned.points, earned.bonus_points) == (125, 75)
    assert earned.burning == (Burning(30, 10), Burning(40, 20))


def test_a_voucher_milestone_adds_no_points() -> None:
    facts = PurchaseFacts(NOW, "EUR", (Line("A", None, 1, Decimal("50.00")),))
    earned = score(SCORED, MemberState("Member", purchase_count=1), facts)
    assert (earned.points, earned.burning) == (85, (Burning(30, 10),))
    assert [item.rule for item in earned.breakdown] == [
        "base",
        "promotion Spring +30",
        "promotion Plain +5",
    ]


@pytest.mark.parametrize(
    ("on", "year"),
    [
        (date(2026, 4, 14), None),  # 3 days before 17 April, with 2 days before allowed
        (date(2026, 4, 15), 2026),
        (date(2026, 4, 17), 2026),
        (date(2026, 4, 22), 2026),  # 5 days after
        (date(2026, 4, 23), None),
    ],
)
def test_the_birthday_window(on: date, year: int | None) -> None:
    assert birthday_due(Birthday(4, 17), on, 2, 5) == year


def test_a_window_across_the_new_year_counts_for_the_birthdays_year() -> None:
    # born 2 January, 5 days before: due from 28 December 2026 for the 2027 birthday
    assert birthday_due(Birthday(1, 2), date(2026, 12, 28), 5, 0) == 2027
    assert birthday_due(Birthday(1, 2), date(2026, 12, 27), 5, 0) is None
    # born 30 December, 5 days after: 4 January 2027 is still the 2026 birthday's
    assert birthday_due(Birthday(12, 30), date(2027, 1, 4), 0, 5) == 2026


def test_29_february_is_kept_on_the_28th_in_other_years() -> None:
    assert birthday_in(Birthday(2, 29), 2027) == date(2027, 2, 28)
    assert birthday_in(Birthday(2, 29), 2028) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-04-17", Birthday(4, 17, 1990)),
        ("04-17", Birthday(4, 17)),
        ("--04-17", Birthday(4, 17)),
        ("02-29", Birthday(2, 29)),
    ],
)
def test_a_birthday_is_written_with_or_without_its_year(text: str, expected: Birthday) -> None:
    assert parse_birthday(text, today=date(2026, 11, 26)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1990-02-29", "day must be from 1 to 28 in month 2"),
        ("13-01", "month must be from 1 to 12"),
        ("04-31", "day must be from 1 to 30 in month 4"),
        ("2027-01-01", "year must be from 1900 to 2026"),
        ("2026-12-01", "the date is in the future"),
        ("17 April", "write YYYY-MM-DD or MM-DD"),
    ],
)
def test_a_birthday_that_does_not_exist_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_birthday(text, today=date(2026, 11, 26))
