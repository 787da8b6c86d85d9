"""The file reader (patron.files) one option at a time: the encoding a file is read in,
the delimiter, numbers with a decimal comma, dates and the reasons given for what cannot
be read, and the errors that stop the reading, each naming its line. Expected values are
written out by hand."""

from __future__ import annotations

import gzip
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from patron.domain.errors import InvalidInput
from patron.files import FileFormat, RowError, open_table, parse_date, parse_number
from patron.files.columns import columns_of

SLOVENIAN = "customer_id;date;amount\nŽiga Škrjanc;2025-01-03;3,50\nAna Čeh;2025-01-04;1,00\n"
RUSSIAN = "customer_id;date;amount\nИван Петров;2025-01-03;3,50\nЮлия Ёлкина;2025-01-04;2,00\n"


def _read(path: Path, fmt: FileFormat | None = None) -> tuple[str, str, list[list[str]]]:
    with open_table(path, fmt) as table:
        return table.encoding, table.delimiter, [table.header, *table.rows()]


@pytest.mark.parametrize(
    ("text", "written_in", "read_in"),
    [
        (SLOVENIAN, "cp1250", "cp1250"),
        (RUSSIAN, "cp1251", "cp1251"),
        (RUSSIAN, "koi8_r", "koi8-r"),
        (SLOVENIAN, "utf-8", "utf-8"),
        (SLOVENIAN, "utf-8-sig", "utf-8-sig"),  # the mark is read, not guessed
        (SLOVENIAN, "utf-16", "utf-16"),  # Excel's "Unicode text"
    ],
)
def test_the_encoding_is_read_from_the_file(
    tmp_path: Path, text: str, written_in: str, read_in: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode(written_in))
    encoding, _, rows = _read(path)
    assert encoding == read_in
    assert rows[0] == ["customer_id", "date", "amount"]  # no byte-order mark left
    assert [r[0] for r in rows[1:]] == [line.split(";")[0] for line in text.splitlines()[1:]]


def test_a_file_whose_letters_beyond_ascii_come_late_is_still_read_in_its_encoding(
    tmp_path: Path,
) -> None:
    # the whole file is checked, not its start: 5,000 ASCII lines, then a Slovenian name
    lines = ["customer_id,date,amount", *(["c1,2025-01-01,1"] * 5000), "Čeh,2025-01-02,2"]
    path = tmp_path / "f.csv"
    path.write_bytes("\n".join(lines).encode("cp1250"))
    encoding, _, rows = _read(path)
    assert encoding == "cp1250" and rows[-1][0] == "Čeh"


def test_a_byte_the_given_encoding_cannot_read_is_refused_naming_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(SLOVENIAN.encode("cp1250"))
    with pytest.raises(InvalidInput) as refused:
        _read(path, FileFormat(encoding="utf-8"))
    # Ž is 0x8e in Windows-1250, the first character of line 2
    assert str(refused.value) == (
        f"{path}: line 2: byte 0x8e (character 1) cannot be read as utf-8 (the encoding"
        " given); give the file's encoding with --encoding (e.g. --encoding cp1250 or"
        " --encoding cp1251)"
    )


def test_an_encoding_python_does_not_know_is_refused() -> None:
    with pytest.raises(InvalidInput, match="--encoding 'win-1250' is not an encoding"):
        FileFormat(encoding="win-1250").checked()
    assert FileFormat(encoding="Windows-1250").checked().encoding == "cp1250"


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("customer_id,date,amount", ","),
        ("customer_id;date;amount", ";"),
        ("customer_id\tdate\tamount", "\t"),
        ("customer_id|date|amount", "|"),
        ('"customer;id",date,amount', ","),  # a quoted ; is no delimiter
        ("customer_id", ","),  # one column: nothing to tell
    ],
)
def test_the_delimiter_is_the_one_that_splits_the_header_most(
    tmp_path: Path, header: str, delimiter: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(header + "\n")
    assert _read(path)[1] == delimiter


def test_a_given_delimiter_is_used_as_given(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a;b,c\n1;2,3\n")
    assert _read(path, FileFormat(delimiter=";"))[2] == [["a", "b,c"], ["1", "2,3"]]
    assert _read(path, FileFormat(delimiter="tab"))[1] == "\t"
    with pytest.raises(InvalidInput, match="--delimiter ';;': give one character"):
        FileFormat(delimiter=";;").checked()


def test_old_mac_line_ends_and_gzip_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"customer_id,date,amount\rc1,2025-01-01,1\rc2,2025-01-02,2\r")
    assert _read(path)[2][1:] == [["c1", "2025-01-01", "1"], ["c2", "2025-01-02", "2"]]
    packed = tmp_path / "f.csv.gz"
    packed.write_bytes(gzip.compress(SLOVENIAN.encode("cp1250")))
    assert _read(packed)[:2] == ("cp1250", ";")


def test_a_quote_never_closed_is_refused_naming_the_line_it_opens_on(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('customer_id,date,amount\nc1,2025-01-01,1\nc2,"2025-01-02,2\nc3,x,3\n')
    with pytest.raises(InvalidInput) as refused:
        _read(path)
    assert str(refused.value) == (
        f"{path}: line 3: unexpected end of data (a quote opened on this line is never closed)"
    )


def test_a_header_read_as_one_column_says_which_delimiter_to_give(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        columns_of(tmp_path / "f.csv", ["customer_id;date;amount"], {})
    assert str(refused.value).endswith(
        "The header is one column holding ';': give --delimiter ';'."
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,50", Decimal("12.50")),
        ("1.234,50", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234\u00a0567,5", Decimal("1234567.5")),  # no-break spaces, as Excel writes
        ("1.234.567", Decimal("1234567")),
        ("7", Decimal("7")),
        ("-3,25", Decimal("-3.25")),
    ],
)
def test_numbers_with_a_decimal_comma(text: str, value: Decimal) -> None:
    assert parse_number("amount", text, decimal_comma=True) == value


@pytest.mark.parametrize(
    ("text", "decimal_comma", "reason"),
    [
        ("12.50", True, "amount: '12.50' is not a number (written with a decimal comma)"),
        ("1.23,4", True, "amount: '1.23,4' is not a number (written with a decimal comma)"),
        (
            "1.234 567,8",
            True,
            "amount: '1.234 567,8' is not a number (written with a decimal comma)",
        ),  # two kinds of grouping
        ("12,50", False, "amount: '12,50' is not a number (a decimal comma? use --decimal-comma)"),
        (
            "1.234,50",
            False,
            "amount: '1.234,50' is not a number (a decimal comma? use --decimal-comma)",
        ),
        ("1,234.50", False, "amount: '1,234.50' is not a number"),
        ("1_000", False, "amount: '1_000' is not a number"),
        ("\u0663", False, "amount: '\u0663' is not a number"),  # an Arabic-Indic three
        ("NaN", False, "amount: 'NaN' is not a number"),
    ],
)
def test_a_number_that_cannot_be_read_says_why(text: str, decimal_comma: bool, reason: str) -> None:
    with pytest.raises(RowError) as rejected:
        parse_number("amount", text, decimal_comma)
    assert str(rejected.value) == reason


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("14.03.2026", "%d.%m.%Y", datetime(2026, 3, 14)),
        ("29.02.2024 09:15", "%d.%m.%Y %H:%M", datetime(2024, 2, 29, 9, 15)),
        ("14/03/2026", "%d/%m/%Y", datetime(2026, 3, 14)),
    ],
)
def test_day_first_dates(text: str, fmt: str, expected: datetime) -> None:
    assert parse_date(text, fmt) == expected


@pytest.mark.parametrize(
    ("text", "fmt", "reason"),
    [
        # the format's shape, but no such day: no other format would help
        ("31/02/2026", "%d/%m/%Y", "date: '31/02/2026' is not a day of the calendar"),
        ("31.04.2026", "%d.%m.%Y", "date: '31.04.2026' is not a day of the calendar"),
        ("32.01.2026", "%d.%m.%Y", "date: '32.01.2026' is not a day of the calendar"),
        ("2026-02-30", None, "date: '2026-02-30' is not a day of the calendar"),
        # another shape: the format to try, day and month told apart where one is over 12
        (
            "14.03.2026",
            None,
            "date: '14.03.2026' does not match ISO 8601 (use --date-format '%d.%m.%Y')",
        ),
        (
            "03/14/2026",
            "%d/%m/%Y",
            "date: '03/14/2026' does not match %d/%m/%Y (use --date-format '%m/%d/%Y')",
        ),
        (
            "05/04/2026 10:30",
            None,
            "date: '05/04/2026 10:30' does not match ISO 8601"
            " (use --date-format '%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M')",
        ),
        ("March 3", "%d.%m.%Y", "date: 'March 3' does not match %d.%m.%Y (use --date-format)"),
    ],
)
def test_a_date_that_cannot_be_read_says_what_would_cure_it(
    text: str, fmt: str | None, reason: str
) -> None:
    with pytest.raises(RowError) as rejected:
        parse_date(text, fmt)
    assert str(rejected.value) == reason


def test_an_optional_date_names_its_own_field() -> None:
    with pytest.raises(RowError, match=r"^paid_at: '31/02/2026' is not a day of the calendar$"):
        parse_date("31/02/2026", "%d/%m/%Y", "paid_at")
