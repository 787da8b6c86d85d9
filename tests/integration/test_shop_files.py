"""Files as shops export them (issue 11, section 3) import alike on SQLite and PostgreSQL,
and the analytics read them with the same options.

The files in tests/data/shop_* are small and written the way the shops' software writes
them; every expected number below is worked out by hand from the file's rows:

- shop_cp1250_semicolon.csv: Slovenian and Romanian names in Windows-1250, `;`, CRLF,
  decimal commas with thousands grouped by a point or a space, dd/mm/yyyy dates, the
  header in Slovenian (so --map);
- shop_cp1251.csv: Ukrainian and Russian names in Windows-1251, `;`, decimal commas,
  dd.mm.yyyy dates;
- shop_utf8_bom.csv: Romanian names with ș and ț (comma below, which no code page of the
  region has) in UTF-8 with a byte-order mark, as Excel's "CSV UTF-8" writes it;
- shop_dotted_dates.txt: tab-separated ("Text (Tab delimited)"), dd.mm.yyyy hh:mm;
- shop_overlong_nul.csv: texts one character over their column's length (and exactly
  at it), NUL bytes, a unit price of 10^10 and an amount of 10^11.

The import runs on the `patron` fixture, once per store, with the same expectations:
the same purchases, the same members, the same rows rejected with the same reasons.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from patron.analytics import frames
from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.errors import InvalidInput
from patron.services.importer import ImportOptions, import_purchases
from patron.store.tables import members, purchase_lines, purchases
from tests.integration.helpers import assert_verified

DATA = Path(__file__).resolve().parents[1] / "data"
NUL = "contains a NUL character, which the store cannot keep"
runner = CliRunner()


@dataclass(frozen=True)
class ShopFile:
    name: str
    args: list[str]  # the command-line options that read it
    options: ImportOptions  # the same, for the import service
    encoding: str  # the file's own, in which its rejects file is written too
    delimiter: str
    rows: int
    totals: dict[str, tuple[str, str]]  # order id -> (customer, total)
    rejected: dict[int, str]  # line -> reason
    # what the analytics see: customer -> (purchases, spend); rows they leave out
    customers: dict[str, tuple[int, float]] = field(default_factory=dict)
    left_out: int = 0

    @property
    def members(self) -> int:
        return len({customer for customer, _ in self.totals.values()})


CP1250_MAP = {
    "customer_id": "Kupec",
    "date": "Datum",
    "order_id": "Račun",
    "sku": "Artikel",
    "category": "Kategorija",
    "quantity": "Količina",
    "unit_price": "Cena",
    "channel": "Kanal",
}
CP1251_MAP = {
    "customer_id": "Клиент",
    "date": "Дата",
    "amount": "Сумма",
    "order_id": "Номер заказа",
    "category": "Категория",
}


def _map_args(mapping: dict[str, str]) -> list[str]:
    return [arg for f, c in mapping.items() for arg in ("--map", f"{f}={c}")]


ZIGA, ANA, MIHAELA = "Žiga Škrjanc", "Ana Čeh", "Mihaela Bălan"
OLENA, IVAN = "Олена Шевченко", "Иван Петров"
STEFAN, IOANA = "Ștefan Țurcanu", "Ioana Mureșan"
X129, K128, Q128 = "x" * 129, "k" * 128, "q" * 128

SHOP_FILES = [
    ShopFile(
        "shop_cp1250_semicolon.csv",
        [*_map_args(CP1250_MAP), "--date-format", "%d/%m/%Y", "--decimal-comma"],
        ImportOptions(CP1250_MAP, "%d/%m/%Y", decimal_comma=True),
        "cp1250",
        ";",
        rows=7,
        totals={
            "R-1": (ZIGA, "1241.50"),  # 2 × 3,50 + 1 × 1.234,50
            "R-2": (ANA, "8.97"),  # 3 × 2,99
            "R-4": (MIHAELA, "2500.00"),  # 2 × 1 250,00
            "R-6": (ZIGA, "10.00"),
        },
        rejected={
            5: "date: '31/02/2025' is not a day of the calendar",
            7: "unit_price: '12.50' is not a number (written with a decimal comma)",
        },
        customers={ZIGA: (2, 1251.5), ANA: (1, 8.97), MIHAELA: (1, 2500.0)},
        left_out=2,
    ),
    ShopFile(
        "shop_cp1251.csv",
        [*_map_args(CP1251_MAP), "--date-format", "%d.%m.%Y", "--decimal-comma"],
        ImportOptions(CP1251_MAP, "%d.%m.%Y", decimal_comma=True),
        "cp1251",
        ";",
        rows=6,
        totals={
            "З-1": (OLENA, "1299.00"),  # 1 299,00
            "З-2": (IVAN, "349.90"),
            "З-3": (OLENA, "59.50"),  # 59,5
        },
        rejected={
            5: "date: '2025-02-10' does not match %d.%m.%Y (use --date-format)",
            6: "date: '29.02.2025' is not a day of the calendar",  # 2025 is no leap year
            7: "customer_id: empty",
        },
        customers={OLENA: (2, 1358.5), IVAN: (1, 349.9)},
        left_out=3,
    ),
    ShopFile(
        "shop_utf8_bom.csv",
        [],
        ImportOptions(),
        "utf-8-sig",
        ",",
        rows=4,
        totals={"B-1": (STEFAN, "120.00"), "B-2": (IOANA, "45.50"), "B-3": (STEFAN, "80.25")},
        rejected={5: "amount: '1,234.00' is not a number"},
        customers={STEFAN: (2, 200.25), IOANA: (1, 45.5)},
        left_out=1,
    ),
    ShopFile(
        "shop_dotted_dates.txt",
        ["--date-format", "%d.%m.%Y %H:%M"],
        ImportOptions(date_format="%d.%m.%Y %H:%M"),
        "utf-8",
        "\t",
        rows=5,
        totals={"T-1": ("K-100", "19.99"), "T-2": ("K-101", "5.00"), "T-5": ("K-101", "12.00")},
        rejected={
            4: "date: '31.04.2024 10:00' is not a day of the calendar",
            5: "date: '15.03.2024' does not match %d.%m.%Y %H:%M (use --date-format '%d.%m.%Y')",
        },
        customers={"K-100": (1, 19.99), "K-101": (2, 17.0)},
        left_out=2,
    ),
    ShopFile(
        "shop_overlong_nul.csv",
        [],
        ImportOptions(),
        "utf-8",
        ",",
        rows=14,
        totals={
            "o-1": ("c1", "10.00"),
            "o-10": ("c3", "1000000000.00"),  # the largest unit price, exactly
            "o-11": ("c4", "6.50"),
            "o-12": ("c1", "2.00"),  # a category of 64 and a channel of 50 characters
            Q128: (K128, "1.00"),  # ids of 128 characters
        },
        rejected={
            3: "sku: 65 characters, more than the 64 allowed",
            4: "category: 65 characters, more than the 64 allowed",
            5: "customer_id: 129 characters, more than the 128 allowed",
            6: "order_id: 129 characters, more than the 128 allowed",
            7: f"customer_id: {NUL}",
            8: f"sku: {NUL}",
            9: f"channel: {NUL}",
            10: "unit_price: '10000000000' is more than the 1000000000 allowed",
            15: "amount: '100000000000.00' is more than the 99999999999.99 allowed",
        },
        # the analytics store nothing: every row is a purchase to them
        customers={
            "c1": (2, 12.0),
            "c2": (2, 2.0),
            X129: (1, 1.0),
            "c3": (5, 11_000_000_003.0),  # 1 + 1 + 1 + 10^10 + 10^9
            "c\x00nul": (1, 1.0),
            "c4": (2, 100_000_000_006.5),  # 6.50 + 10^11
            K128: (1, 1.0),
        },
        left_out=0,
    ),
]


def stored(patron: Patron) -> dict[str, tuple[str, str]]:
    """Every purchase in the store: order id -> (customer, total)."""
    query = select(purchases.c.order_id, members.c.external_id, purchases.c.total).join(
        members, members.c.id == purchases.c.member_id
    )
    with patron.engine.connect() as conn:
        return {
            o: (c, str(Decimal(t).quantize(Decimal("0.01")))) for o, c, t in conn.execute(query)
        }


def rejects_of(path: Path, shop: ShopFile) -> dict[int, str]:
    rejects = path.with_name(path.name.removesuffix(".csv") + ".rejects.csv")
    with rejects.open(newline="", encoding=shop.encoding) as f:
        rows = list(csv.reader(f, delimiter=shop.delimiter))
    return {int(row[0]): row[1] for row in rows[1:]}


@pytest.mark.parametrize("shop", SHOP_FILES, ids=lambda s: s.name)
def test_a_shop_file_imports_the_same_purchases_and_rejects_the_same_rows(
    patron: Patron, tmp_path: Path, shop: ShopFile
) -> None:
    # given a file as the shop exported it
    path = tmp_path / shop.name
    shutil.copy(DATA / shop.name, path)
    # when it is imported
    report = import_purchases(patron.new_uow, path, shop.options)
    # then the valid rows are in, the others in the rejects file with their reasons
    expected = (shop.rows, len(shop.totals), shop.members, len(shop.rejected))
    assert (report.rows, report.inserted, report.members_created, report.rejected) == expected
    assert stored(patron) == shop.totals
    assert rejects_of(path, shop) == shop.rejected
    # and a re-run adds nothing
    again = import_purchases(patron.new_uow, path, shop.options)
    assert (again.inserted, again.skipped) == (0, len(shop.totals))
    assert_verified(patron)


def test_the_texts_of_a_windows_1250_file_are_stored_as_written(
    patron: Patron, tmp_path: Path
) -> None:
    path = tmp_path / "shop.csv"
    shutil.copy(DATA / "shop_cp1250_semicolon.csv", path)
    import_purchases(patron.new_uow, path, SHOP_FILES[0].options)
    query = (
        select(purchases.c.channel, purchase_lines.c.sku, purchase_lines.c.category)
        .join(purchases, purchases.c.id == purchase_lines.c.purchase_id)
        .where(purchases.c.order_id == "R-4")
    )
    with patron.engine.connect() as conn:
        assert conn.execute(query).all() == [("magazin", "ÎNG-5", "Îngheţată")]
    # and the rejects file is in Windows-1250 with `;`, for the shop's Excel to open
    rejects = (tmp_path / "shop.rejects.csv").read_bytes().decode("cp1250").splitlines()
    assert rejects[0] == "line;reason;Kupec;Datum;Račun;Artikel;Kategorija;Količina;Cena;Kanal"
    assert rejects[1].startswith("5;date: '31/02/2025' is not a day of the calendar;Ştefan Ţugui")


def test_dates_of_a_day_first_file_are_read_day_first(patron: Patron, tmp_path: Path) -> None:
    path = tmp_path / "shop.txt"
    shutil.copy(DATA / "shop_dotted_dates.txt", path)
    import_purchases(patron.new_uow, path, SHOP_FILES[3].options)
    with patron.uow(readonly=True) as uow:
        first = uow.purchases.by_order_id("T-1")
        assert first is not None and first.occurred_at == datetime(2024, 2, 29, 9, 15)


def test_the_import_command_takes_the_file_options_and_says_what_it_guessed(
    patron: Patron, tmp_path: Path
) -> None:
    shop = SHOP_FILES[0]
    path = tmp_path / shop.name
    shutil.copy(DATA / shop.name, path)
    url = patron.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        app, ["import", "purchases", str(path), *shop.args, "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "7 rows read, 4 purchases imported, 0 already present, 3 new members, 2 rejected" in (
        result.output
    )
    assert "read as cp1250 (detected" in result.output and "separated by ';'" in result.output
    assert stored(patron) == shop.totals


@pytest.mark.parametrize("shop", SHOP_FILES, ids=lambda s: s.name)
def test_the_analytics_read_a_shop_file_with_the_import_options(
    tmp_path: Path, shop: ShopFile
) -> None:
    out = tmp_path / "rfm.csv"
    result = runner.invoke(
        app, ["analytics", "rfm", str(DATA / shop.name), *shop.args, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open(newline="") as f:
        found = {
            r["customer_id"]: (int(r["purchases"]), float(r["total_spend"]))
            for r in csv.DictReader(f)
        }
    assert {c: n for c, (n, _) in found.items()} == {c: n for c, (n, _) in shop.customers.items()}
    spend = {c: m for c, (_, m) in shop.customers.items()}
    assert {c: m for c, (_, m) in found.items()} == pytest.approx(spend)
    if shop.left_out:
        assert f"{shop.left_out} of {shop.rows} rows left out" in result.output
        first_line, first_reason = next(iter(shop.rejected.items()))
        assert f"line {first_line}: {first_reason}" in result.output
    else:
        assert "left out" not in result.output


def _comma_amount(text: str) -> str:
    """12.5 as a Russian Excel writes it: 12,50; 1234.5 as 1.234,50."""
    whole, cents = f"{Decimal(text):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return ".".join([whole, *groups]) + "," + cents


def test_clv_fit_reads_a_shop_export_of_cdnow_as_it_reads_the_original(tmp_path: Path) -> None:
    """The CDNOW sample (2,357 customers) rewritten as a Russian shop's Excel exports it
    (Windows-1251, `;`, CRLF, dd.mm.yyyy, decimal commas grouped by points, Cyrillic
    names and ids) fits the very model the original file fits."""
    original = DATA / "cdnow_sample.csv"
    with original.open(newline="") as f:
        rows = list(csv.DictReader(f))
    lines = ["Клиент;Дата;Количество;Сумма"]
    for r in rows:
        year, month, day = r["date"].split("-")
        when = f"{day}.{month}.{year}"
        lines.append(
            f"Клиент №{r['customer_id']};{when};{r['quantity']};{_comma_amount(r['amount'])}"
        )
    shop = tmp_path / "cdnow_shop.csv"
    shop.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    mapping = {"customer_id": "Клиент", "date": "Дата", "quantity": "Количество", "amount": "Сумма"}
    options = [*_map_args(mapping), "--date-format", "%d.%m.%Y", "--decimal-comma"]
    for model in ("bgnbd", "gamma-gamma"):
        plain = runner.invoke(app, ["clv", "fit", str(original), "--model", model, "--json"])
        exported = runner.invoke(
            app, ["clv", "fit", str(shop), *options, "--model", model, "--json"]
        )
        assert plain.exit_code == 0 and exported.exit_code == 0, exported.output
        expected, found = json.loads(plain.stdout), json.loads(exported.stdout)
        assert found["n_customers"] == expected["n_customers"]
        assert found["params"] == pytest.approx(expected["params"], rel=1e-6)
        assert found["log_likelihood"] == pytest.approx(expected["log_likelihood"], rel=1e-6)
        assert "read as cp1251" in exported.output and "left out" not in exported.output
        if model == "bgnbd":
            assert found["n_customers"] == 2357  # the CDNOW cohort


def test_spark_reads_in_the_encoding_and_delimiter_given_and_refuses_what_it_cannot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: list[dict[str, str]] = []

    def reader(location: str, master: str, **options: str) -> object:
        handed.append(options)
        raise InvalidInput("not started")

    monkeypatch.setattr(frames, "_read_with_spark", reader)
    source = str(DATA / "shop_cp1251.csv")
    spark = ["analytics", "rfm", source, "--engine", "spark"]
    runner.invoke(app, [*spark, "--encoding", "windows-1251", "--delimiter", ";"])
    assert handed == [{"encoding": "windows-1251", "sep": ";"}]  # as Java names it
    refused = runner.invoke(app, [*spark, "--date-format", "%d.%m.%Y", "--decimal-comma"])
    assert refused.exit_code == 2
    assert (
        f"--engine spark reads {source} itself and cannot honour --date-format or"
        " --decimal-comma" in " ".join(refused.output.split())
    )
    assert len(handed) == 1  # refused before Spark is asked to read


def test_a_line_that_cannot_be_decoded_stops_the_import_before_anything_is_written(
    patron: Patron, tmp_path: Path
) -> None:
    # given a file in Windows-1250 whose first non-ASCII letter comes after 60,000 rows
    # (past the first megabyte the reader decodes), read as UTF-8
    (tmp_path / "files").mkdir()
    path = tmp_path / "files" / "history.csv"
    good = "c1,2025-01-01,1.00\n" * 60_000  # 19 bytes a line: 1,140,000 bytes
    path.write_bytes(f"customer_id,date,amount\n{good}Čeh,2025-01-03,3\n".encode("cp1250"))
    # when it is imported, then the line is named: 1 header + 60,000 rows before it
    with pytest.raises(InvalidInput) as refused:
        import_purchases(patron.new_uow, path, ImportOptions(encoding="utf-8"))
    assert str(refused.value).startswith(
        f"{path}: line 60002: byte 0xc8 (character 1) cannot be read as utf-8"  # Č
    )
    # and nothing was written: no purchase, no member, no rejects file
    assert stored(patron) == {}
    with patron.engine.connect() as conn:
        assert conn.execute(select(members.c.id)).all() == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.csv"]


def test_the_analytics_of_a_day_first_file_say_which_date_format_to_give(tmp_path: Path) -> None:
    """Issue 11: `analytics rfm` on dd/mm/yyyy dates ended in DuckDB's ConversionException."""
    path = tmp_path / "history.csv"
    path.write_text("Client,Data,Suma\nc1,14/03/2025,10.00\nc2,15/03/2025,20.00\n")
    mapping = ["--map", "customer_id=Client", "--map", "date=Data", "--map", "amount=Suma"]
    refused = runner.invoke(app, ["analytics", "rfm", str(path), *mapping])
    assert refused.exit_code == 2  # an error message, not a traceback
    assert (
        f"{path}: no row can be read; line 2: date: '14/03/2025' does not match ISO 8601"
        " (use --date-format '%d/%m/%Y')" in " ".join(refused.output.split())
    )
    out = tmp_path / "rfm.csv"
    read = runner.invoke(
        app,
        ["analytics", "rfm", str(path), *mapping, "--date-format", "%d/%m/%Y", "--out", str(out)],
    )
    assert read.exit_code == 0, read.output
    assert out.read_text().count("\n") == 3  # the header and two customers
