"""The README tour's sample till export, `examples/till-export.csv`, made reproducibly.

A small Ljubljana bookshop-café exports its loyalty-card receipts from the till as
Slovenian Excel writes them: Windows-1250, `;` between fields, a decimal comma with a
point grouping thousands, `dd.mm.yyyy` dates, CRLF line ends, one row per receipt line.
Three receipts have an empty card column (the card reader failed): the import rejects
them and the analytics leave them out, as they would in a real file. Every date lies
between 6 January 2025 and 31 October 2026, so the file never holds a date ahead of the
clock and analytics over fixed periods print the same numbers on any day.

`python -m tests.support.till_export` rewrites the file; a test checks that the shipped
file is what this module makes (a fixed seed, no clock, no platform-dependent formatting).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "examples" / "till-export.csv"
HEADER = ("Datum", "Račun", "Kartica", "Artikel", "Naziv", "Skupina", "Količina", "Cena", "Znesek")
FIRST_DAY, LAST_DAY = date(2025, 1, 6), date(2026, 10, 31)
CUSTOMERS = 120
ANONYMOUS_RECEIPTS = (17, 233, 402)  # the 17th, ... receipt: its card column is empty

# (sku, name, group, unit price): what the shop sells
CATALOG = (
    ("K-001", "Kava z mlekom", "kavarna", "2,20"),
    ("K-002", "Čaj, zeliščni", "kavarna", "1,90"),
    ("K-003", "Štrudelj", "kavarna", "3,50"),
    ("K-004", "Čokoladna torta", "kavarna", "4,20"),
    ("B-101", "Cankar: Na klancu", "knjige", "18,90"),
    ("B-102", "Prešeren: Poezije", "knjige", "24,50"),
    ("B-103", "Kuharska knjiga, Ščurek", "knjige", "32,00"),
    ("B-104", "Vodnik po Julijskih Alpah", "knjige", "27,90"),
    ("B-105", "Otroška slikanica", "knjige", "14,99"),
    ("P-201", "Zvezek A5, črtni", "papirnica", "3,40"),
    ("P-202", "Nalivno pero", "papirnica", "29,00"),
    ("P-203", "Škatla barvic", "papirnica", "8,75"),
    ("D-301", "Darilni bon 50 EUR", "darilni boni", "50,00"),
    ("E-401", "Enciklopedija, komplet 12 knjig", "knjige", "1.249,00"),
)
WEIGHTS = (30, 12, 10, 8, 6, 5, 3, 4, 5, 8, 2, 4, 2)  # the encyclopaedia is drawn apart


def rows(seed: int = 2026) -> list[tuple[str, ...]]:
    """The file's data rows, receipt by receipt in date order."""
    rng = random.Random(seed)
    cards = [f"{2400001 + i}" for i in range(CUSTOMERS)]
    receipts: list[tuple[date, str]] = []
    span = (LAST_DAY - FIRST_DAY).days
    for card in cards:
        # a few regulars and many occasional customers: the 80/20 shape of a real shop
        visits = 1 + int(rng.paretovariate(1.3)) if rng.random() < 0.85 else rng.randint(15, 40)
        start = rng.randint(0, span)
        for _ in range(min(visits, 60)):
            receipts.append((FIRST_DAY + timedelta(days=rng.randint(start, span)), card))
    receipts.sort()
    out: list[tuple[str, ...]] = []
    per_year: dict[int, int] = {}
    for number, (day, card) in enumerate(receipts, start=1):
        per_year[day.year] = per_year.get(day.year, 0) + 1  # the till counts by year
        receipt = f"{day.year}-{per_year[day.year]:05d}"
        who = "" if number in ANONYMOUS_RECEIPTS else card
        for item in _basket(rng, number):
            sku, name, group, price = item
            quantity = rng.choice((1, 1, 1, 2)) if group != "knjige" else 1
            out.append(
                (day.strftime("%d.%m.%Y"), receipt, who, sku, name, group, str(quantity),
                 price, _amount(price, quantity))
            )  # fmt: skip
    return out


def _basket(rng: random.Random, number: int) -> list[tuple[str, str, str, str]]:
    """One to three different items; receipts 150 and 610 sell the encyclopaedia."""
    items = rng.sample(CATALOG[:-1], k=rng.choice((1, 1, 2, 2, 3)), counts=WEIGHTS)
    unique = list(dict.fromkeys(items))
    return [CATALOG[-1], *unique] if number in (150, 610) else unique


def _amount(price: str, quantity: int) -> str:
    """quantity × price written as the till writes it: 1.249,00."""
    value = Decimal(price.replace(".", "").replace(",", ".")) * quantity
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


def text(seed: int = 2026) -> bytes:
    """The whole file, as the till writes it."""
    lines = [";".join(HEADER), *(";".join(r) for r in rows(seed))]
    return ("\r\n".join(lines) + "\r\n").encode("cp1250")


if __name__ == "__main__":
    PATH.write_bytes(text())
    print(f"wrote {PATH}")
