"""The rules of business customers (domain/business.py): a VAT number's shape, the
calendar periods entitlements are counted in, and the program's entitlements."""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.domain.business import checked_vat, period_bounds
from patron.domain.errors import InvalidProgram, VatNumberInvalid
from patron.domain.program import EntitlementPeriod, parse_program


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("RO18547290", "RO18547290"),
        ("ro 185 472 90", "RO18547290"),
        ("DE-123.456.789", "DE123456789"),
        ("ATU12345678", "ATU12345678"),  # letters after the prefix are allowed
        ("FR12", "FR12"),  # the shortest: 2 after the prefix
        ("NL" + "1" * 13, "NL" + "1" * 13),  # the longest: 13 after the prefix
    ],
)
def test_a_vat_number_is_two_letters_then_2_to_13_letters_and_digits(typed: str, kept: str) -> None:
    assert checked_vat(typed) == kept


@pytest.mark.parametrize(
    "typed", ["", "RO", "RO1", "18547290", "R018547290", "NL" + "1" * 14, "RO12_45"]
)
def test_any_other_shape_is_refused_with_its_own_code(typed: str) -> None:
    with pytest.raises(VatNumberInvalid) as refused:
        checked_vat(typed)
    assert refused.value.code == "vat_number_invalid"
    assert refused.value.message.startswith("vat_number: ")


@pytest.mark.parametrize(
    ("per", "now", "start", "end"),
    [
        ("month", datetime(2026, 2, 15, 10), datetime(2026, 2, 1), datetime(2026, 3, 1)),
        ("month", datetime(2026, 12, 31, 23, 59), datetime(2026, 12, 1), datetime(2027, 1, 1)),
        ("quarter", datetime(2026, 1, 1), datetime(2026, 1, 1), datetime(2026, 4, 1)),
        ("quarter", datetime(2026, 6, 30, 23), datetime(2026, 4, 1), datetime(2026, 7, 1)),
        ("quarter", datetime(2026, 11, 26), datetime(2026, 10, 1), datetime(2027, 1, 1)),
        ("year", datetime(2026, 7, 4), datetime(2026, 1, 1), datetime(2027, 1, 1)),
    ],
)
def test_periods_are_calendar_months_quarters_and_years(
    per: str, now: datetime, start: datetime, end: datetime
) -> None:
    assert period_bounds(EntitlementPeriod(per), now) == (start, end)


TIERS = """
name = "B2B"
currency = "EUR"
[[tiers.levels]]
name = "Bronze"
entitlements = [{ id = "visits", name = "Visits", quantity = 2 }, %s]
"""


def test_an_entitlement_without_quantity_is_unlimited_and_the_default_period_a_quarter() -> None:
    program = parse_program(TIERS % '{ id = "hotline", name = "Hotline" }')
    visits, hotline = program.tiers.levels[0].entitlements
    assert (visits.quantity, visits.per, hotline.quantity) == (2, EntitlementPeriod.QUARTER, None)


def test_an_entitlement_id_given_twice_in_a_tier_is_refused_naming_the_tier() -> None:
    with pytest.raises(
        InvalidProgram, match="tier 'Bronze': entitlement id 'visits' is given twice"
    ):
        parse_program(TIERS % '{ id = "visits", name = "Again" }')
