"""examples/till-export.csv, the README tour's till export, is what its generator makes,
written as a Slovenian till writes it, with no date ahead of the day it was made."""

from __future__ import annotations

from datetime import date, datetime

from tests.support import till_export


def test_the_shipped_file_is_the_generator_s() -> None:
    # regenerate it with `python -m tests.support.till_export` after changing the generator
    assert till_export.PATH.read_bytes() == till_export.text()


def test_it_is_written_as_the_till_writes_it() -> None:
    raw = till_export.PATH.read_bytes()
    text = raw.decode("cp1250")
    lines = text.split("\r\n")
    assert lines[0] == "Datum;Račun;Kartica;Artikel;Naziv;Skupina;Količina;Cena;Znesek"
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    rows = [line.split(";") for line in lines[1:-1]]
    days = {datetime.strptime(r[0], "%d.%m.%Y").date() for r in rows}
    assert min(days) >= date(2025, 1, 1) and max(days) <= date(2026, 10, 31)
    assert {r[8] for r in rows} >= {"1.249,00", "2,20"}  # decimal comma, grouped thousands
    assert sum(r[2] == "" for r in rows) == 4  # the lines of the three cardless receipts
    assert len({r[2] for r in rows} - {""}) == till_export.CUSTOMERS
    assert not raw.isascii()  # Račun, Količina, Štrudelj: Windows-1250 bytes, not UTF-8
