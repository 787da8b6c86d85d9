"""The purchase file's parsers, one field at a time: what a row's date, amounts, quantity
and header are read as, and the reason a bad one is rejected with (the reason goes to
FILE.rejects.csv, where a shop's clerk reads it). Expected values are worked by hand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from patron.domain.errors import InvalidInput
from patron.services.purchase_file import RowError, _parse_line, columns_of, parse_date
from patron.store import tables as t


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2026-03-14", None, datetime(2026, 3, 14)),
        ("2026-03-14T18:30:00", None, datetime(2026, 3, 14, 18, 30)),
        # an offset is converted: 18:30 in Bucharest (UTC+2 in March) is 16:30 UTC
        ("2026-03-14T18:30:00+02:00", None, datetime(2026, 3, 14, 16, 30)),
        ("14/03/2026", "%d/%m/%Y", datetime(2026, 3, 14)),
        ("20260314", "%Y%m%d", datetime(2026, 3, 14)),
        ("1970-01-01", None, datetime(1970, 1, 1)),
        ("2200-12-31", None, datetime(2200, 12, 31)),
    ],
)
def test_dates_are_read_as_naive_utc(text: str, fmt: str | None, expected: datetime) -> None:
    assert parse_date(text, fmt) == expected


@pytest.mark.parametrize(
    ("text", "fmt", "reason"),
    [
        ("", None, "date: empty"),
        # a common shape gets the format to try; day first, since 14 is no month
        (
            "14/03/2026",
            None,
            "date: '14/03/2026' does not match ISO 8601 (use --date-format '%d/%m/%Y')",
        ),
        (
            "2026-03-14",
            "%d/%m/%Y",
            "date: '2026-03-14' does not match %d/%m/%Y (use --date-format)",
        ),
        # the format matched; the day does not exist: no point in changing the format
        ("31/02/2026", "%d/%m/%Y", "date: '31/02/2026' is not a day of the calendar"),
        ("2026-02-29", None, "date: '2026-02-29' is not a day of the calendar"),
        ("1969-12-31", None, "date: '1969-12-31' is out of range"),
        ("2201-01-01", None, "date: '2201-01-01' is out of range"),
    ],
)
def test_a_date_that_cannot_be_read_is_rejected_with_its_reason(
    text: str, fmt: str | None, reason: str
) -> None:
    with pytest.raises(RowError) as rejected:
        parse_date(text, fmt)
    assert str(rejected.value) == reason


def _line(quantity: str = "", unit: str = "", amount: str = "", cost: str = "", sku: str = ""):  # type: ignore[no-untyped-def]
    return _parse_line((sku, "", quantity, unit, amount, cost))


def test_a_line_given_by_unit_price_and_quantity() -> None:
    facts = _line(quantity="3", unit="2.50", cost="1.10", sku="A-1")
    assert (facts.line.sku, facts.line.quantity, facts.line.unit_price) == (
        "A-1",
        3,
        Decimal("2.5"),
    )
    assert facts.total == Decimal("7.50")  # 3 × 2.50
    assert facts.cost == Decimal("3.30")  # 3 × 1.10


def test_a_line_given_by_its_amount_gets_the_unit_price_to_four_decimals() -> None:
    facts = _line(quantity="3", amount="10.00")
    assert facts.line.unit_price == Decimal("3.3333")  # 10 / 3, 4 decimals
    assert facts.total == Decimal("10.00")  # 3 × 3.3333 = 9.9999, to the cent
    assert facts.cost is None


def test_an_empty_quantity_is_one_unit_and_an_empty_sku_is_no_sku() -> None:
    facts = _line(amount="4.20")
    assert facts.line.quantity == 1 and facts.line.unit_price == Decimal("4.2")
    assert facts.line.sku != "" and facts.total == Decimal("4.20")


def test_unit_amounts_are_kept_to_four_decimals() -> None:
    assert _line(unit="1.23456").line.unit_price == Decimal("1.2346")
    assert _line(unit="1", cost="0.123449").line.unit_cost == Decimal("0.1234")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"quantity": "0", "unit": "1"}, "quantity: '0' is not a whole number from 1 to 1000000"),
        ({"quantity": "-2", "unit": "1"}, "quantity: '-2' is not a whole number from 1 to 1000000"),
        ({"quantity": "1.5", "unit": "1"}, "quantity: '1.5' is not a whole number"),
        ({"quantity": "1_000", "unit": "1"}, "quantity: '1_000' is not a whole number"),
        # Arabic-Indic three: a digit to str.isdigit, not a quantity on a till's export
        ({"quantity": "\u0663", "unit": "1"}, "quantity: '\u0663' is not a whole number"),
        ({"quantity": "1000001", "unit": "1"}, "quantity: '1000001' is not a whole number"),
        ({}, "amount: empty"),
        ({"unit": "12,50"}, "unit_price: '12,50' is not a number (a decimal comma? use --decimal"),
        ({"unit": "-1"}, "unit_price: '-1' must be a non-negative amount"),
        ({"unit": "NaN"}, "unit_price: 'NaN' is not a number"),
        ({"unit": "Infinity"}, "unit_price: 'Infinity' is not a number"),
        ({"unit": "1000000000.01"}, "unit_price: '1000000000.01' is more than the 1000000000"),
        ({"amount": "x"}, "amount: 'x' is not a number"),
        ({"unit": "1", "cost": "-0.01"}, "unit_cost: '-0.01' must be a non-negative amount"),
        ({"unit": "1", "sku": "S" * 65}, "sku:"),
    ],
)
def test_a_line_that_cannot_be_read_is_rejected_naming_the_field(
    fields: dict[str, str], reason: str
) -> None:
    with pytest.raises(RowError) as rejected:
        _line(**fields)
    assert str(rejected.value).startswith(reason)


def test_the_header_names_where_each_field_is() -> None:
    header = ["Client", "Data", "Suma", "Comanda"]
    mapping = {"customer_id": "Client", "date": "Data", "amount": "Suma", "order_id": "Comanda"}
    assert columns_of(Path("f.csv"), header, mapping) == {
        "customer_id": 0,
        "date": 1,
        "amount": 2,
        "order_id": 3,
    }


def test_unit_price_may_stand_in_for_the_amount_column() -> None:
    found = columns_of(Path("f.csv"), ["customer_id", "date", "unit_price", "quantity"], {})
    assert found == {"customer_id": 0, "date": 1, "unit_price": 2, "quantity": 3}


def test_a_header_without_a_required_column_refuses_the_file_naming_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        columns_of(Path("f.csv"), ["customer_id", "when", "amount"], {})
    message = str(refused.value)
    assert "missing required columns date (column 'date')" in message
    assert "--map field=Column" in message and "customer_id" not in message.split(";")[0]


def test_a_mapping_of_an_unknown_field_refuses_the_file() -> None:
    with pytest.raises(InvalidInput, match=r"--map names unknown fields \['client'\]"):
        columns_of(Path("f.csv"), ["customer_id", "date", "amount"], {"client": "customer_id"})


def test_a_line_written_with_decimal_commas() -> None:
    # sku, category, quantity, unit price, amount, unit cost
    facts = _parse_line(("A-1", "", "2", "1.234,50", "", "0,5"), decimal_comma=True)
    assert (facts.line.unit_price, facts.line.unit_cost) == (Decimal("1234.5"), Decimal("0.5"))
    assert (facts.total, facts.cost) == (Decimal("2469.00"), Decimal("1.00"))  # 2 × each
    by_amount = _parse_line(("", "", "3", "", "10,00", ""), decimal_comma=True)
    assert by_amount.line.unit_price == Decimal("3.3333")  # 10,00 / 3


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (("", "", "1", "-1,00", "", ""), "unit_price: '-1,00' must be a non-negative amount"),
        (
            ("", "", "1", "12.50", "", ""),
            "unit_price: '12.50' is not a number (written with a decimal comma)",
        ),
        (
            ("", "", "1", "", "1.000.000.000,01", ""),
            "amount: '1.000.000.000,01' for 1 unit(s) is 1000000000.0100 a unit, more than the"
            " 1000000000 a unit may cost (give the quantity)",
        ),
    ],
)
def test_a_line_with_decimal_commas_that_cannot_be_read_names_the_field(
    key: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(RowError) as rejected:
        _parse_line(key, decimal_comma=True)
    assert str(rejected.value) == reason


def test_a_text_may_be_as_long_as_its_column_and_no_longer() -> None:
    longest = t.purchase_lines.c.sku.type.length  # type: ignore[attr-defined]
    assert _parse_line(("S" * longest, "", "1", "1", "", "")).line.sku == "S" * longest
    with pytest.raises(RowError, match=f"sku: {longest + 1} characters, more than the"):
        _parse_line(("S" * (longest + 1), "", "1", "1", "", ""))
