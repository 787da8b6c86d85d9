"""Invoice due and paid dates reach the store, through the API and the import, and give
the A/B/C payment-speed criterion (minus the mean days from purchase day to payment day).

The same history arrives both ways (tests' clock: 2026-01-01 09:00 UTC):

    b1  2025-11-03 100, due 12-03, paid 11-13 16:00   10 days (paid before due: fine)
        2025-11-20 100, due 12-20, paid 12-10         20 days
        2025-12-01 100, paid at the till               -       -> payment_speed -15
    b2  2025-11-05 500, due 12-05, paid 12-15 09:00   40 days
        2025-12-10 500, due 2026-01-09, unpaid         -       -> payment_speed -40
    b3  2025-11-06 10:00 50, paid "2025-11-06"          0 days (same day, no hour)
                                                               -> payment_speed 0
    b4  2025-11-07 10:00 200, due "2025-11-07" (the same day: fine), unpaid
                                                               -> payment_speed null

Ranked on payment speed among the customers with a value: b2 0, b1 0.5, b3 1; b4 gets
the middle, 0.5. With payment speed the only weight and classes A = 0.25, B = 0.5 of the
four customers: b3 A (score 1), then b1 and b4 B (0.5, by customer id), b2 C (0).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from tests.e2e.conftest import Api

runner = CliRunner()

PAYMENT_SPEED = {"b1": -15.0, "b2": -40.0, "b3": 0.0, "b4": None}
VOLUME = {"b1": "300.00", "b2": "1000.00", "b3": "50.00", "b4": "200.00"}  # money: text
CLASSES = [("b3", "A", 1.0), ("b1", "B", 0.5), ("b4", "B", 0.5), ("b2", "C", 0.0)]

# (customer, order, occurred_at, amount, invoice_due_at, paid_at)
HISTORY = [
    ("b1", "o-1", "2025-11-03T10:00:00", "100.00", "2025-12-03", "2025-11-13T16:00:00"),
    ("b1", "o-2", "2025-11-20T10:00:00", "100.00", "2025-12-20", "2025-12-10"),
    ("b1", "o-3", "2025-12-01T10:00:00", "100.00", None, None),
    ("b2", "o-4", "2025-11-05T10:00:00", "500.00", "2025-12-05", "2025-12-15T09:00:00"),
    ("b2", "o-5", "2025-12-10T10:00:00", "500.00", "2026-01-09", None),
    ("b3", "o-6", "2025-11-06T10:00:00", "50.00", None, "2025-11-06"),
    ("b4", "o-7", "2025-11-07T10:00:00", "200.00", "2025-11-07", None),
]


def store_url(patron: Patron) -> str:
    return patron.engine.url.render_as_string(hide_password=False)


def abc_of_store(
    patron: Patron, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """`patron analytics abc store` weighted on payment speed only, as rows of its CSV."""
    config = tmp_path / "abc.toml"
    config.write_text("[weights]\nvolume = 0\npayment_speed = 1\n[classes]\nA = 0.25\nB = 0.5\n")
    out = tmp_path / "abc.csv"
    monkeypatch.setenv("PATRON_DATABASE_URL", store_url(patron))
    get_settings.cache_clear()
    try:
        result = runner.invoke(
            app, ["analytics", "abc", "store", "--config", str(config), "--out", str(out)]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    with out.open() as f:
        return list(csv.DictReader(f))


def assert_payment_classes(rows: list[dict[str, Any]]) -> None:
    speed = {
        r["customer_id"]: (float(r["payment_speed"]) if r["payment_speed"] else None) for r in rows
    }
    assert speed == PAYMENT_SPEED
    assert [(r["customer_id"], r["abc"], float(r["score"])) for r in rows] == CLASSES


def test_a_posted_purchase_carries_its_invoice_dates_to_the_abc_classes(
    pos: Api, admin: Api, patron: Patron, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the history posted through the API, invoice dates and all
    for who in ("b1", "b2", "b3", "b4"):
        assert pos.post("/v1/members", {"external_id": who}).status_code == 201
    for who, order, at, amount, due, paid in HISTORY:
        body: dict[str, Any] = {
            "external_id": who,
            "order_id": order,
            "occurred_at": at + "Z",
            "currency": "EUR",
            "lines": [{"sku": "A", "unit_price": amount}],
        }
        # the file's times are UTC; over the API a time says its zone, a day stands alone
        zoned = {
            k: v if len(v) == 10 else v + "Z"
            for k, v in (("invoice_due_at", due), ("paid_at", paid))
            if v
        }
        body |= zoned
        response = pos.post("/v1/purchases", body)
        assert response.status_code == 201, response.text
    # when the A/B/C table is asked of the API (default weights: volume)
    table = admin.get("/v1/analytics/abc").json()
    # then each customer's payment-speed criterion is minus their mean days to pay
    criteria = {r["customer_id"]: (r["payment_speed"], r["volume"]) for r in table["data"]}
    assert criteria == {c: (PAYMENT_SPEED[c], VOLUME[c]) for c in VOLUME}
    assert [r["customer_id"] for r in table["data"]] == ["b2", "b1", "b4", "b3"]
    # and weighted on payment speed alone, the CLI ranks the fastest payer first
    assert_payment_classes(abc_of_store(patron, tmp_path, monkeypatch))


@pytest.mark.parametrize(
    ("dates", "detail"),
    [
        (
            {"invoice_due_at": "2025-11-02T23:00:00Z"},
            "invoice_due_at 2025-11-02T23:00:00 is before the purchase date 2025-11-03:"
            " an invoice falls due on or after the day of the purchase",
        ),
        (
            {"paid_at": "2025-11-02"},
            "paid_at 2025-11-02T00:00:00 is before the purchase date 2025-11-03:"
            " record a payment in advance as paid on the purchase date",
        ),
        (
            # the tests' clock: 2026-01-01 09:00; a purchase may be a day ahead, no more
            {"paid_at": "2026-01-02T09:00:01Z"},
            "paid_at 2026-01-02T09:00:01 is more than a day ahead of the server's clock",
        ),
    ],
)
def test_impossible_invoice_dates_are_refused_naming_the_field(
    pos: Api, patron: Patron, dates: dict[str, str], detail: str
) -> None:
    assert pos.post("/v1/members", {"external_id": "b1"}).status_code == 201
    body = {
        "external_id": "b1",
        "order_id": "o-1",
        "occurred_at": "2025-11-03T10:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "A", "unit_price": "100.00"}],
        **dates,
    }
    refused = pos.post("/v1/purchases", body)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["code"], refused.json()["detail"]) == ("invalid_input", detail)
    with patron.uow(readonly=True) as uow:
        assert uow.purchases.by_order_id("o-1") is None
        assert uow.members.by_external_id("b1").purchase_count == 0  # type: ignore[union-attr]


def test_an_imported_file_carries_its_invoice_dates_to_the_abc_classes(
    patron: Patron, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the same history as a file whose date columns are named otherwise, the first
    # order in two lines, and three rows with impossible or unreadable dates
    rows = [
        ["b1", "o-1", "2025-11-03T10:00:00", "60.00", "2025-12-03", "2025-11-13T16:00:00"],
        ["b1", "o-1", "2025-11-03T10:00:00", "40.00", "2025-12-03", "2025-11-13T16:00:00"],
        *([w, o, at, amount, due or "", paid or ""] for w, o, at, amount, due, paid in HISTORY[1:]),
        ["b4", "o-8", "2025-11-08T10:00:00", "70.00", "2025-11-07", ""],
        ["b4", "o-9", "2025-11-08T10:00:00", "70.00", "2025-12-08", "2025-11-01"],
        ["b4", "o-10", "2025-11-08T10:00:00", "70.00", "2025-12-08", "soon"],
    ]
    path = tmp_path / "invoices.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["customer_id", "order_id", "date", "amount", "Due", "Paid"])
        writer.writerows(rows)
    # when it is imported with the date columns mapped
    result = runner.invoke(
        app,
        [
            "import",
            "purchases",
            str(path),
            "--map",
            "due_at=Due",
            "--map",
            "paid_at=Paid",
            "--database-url",
            store_url(patron),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "11 rows read, 7 purchases imported" in result.output
    # then the bad rows are rejected naming their line and field
    with (tmp_path / "invoices.rejects.csv").open() as f:
        rejects = [(r["line"], r["reason"]) for r in csv.DictReader(f)]
    assert rejects == [
        (
            "10",
            "due_at: 2025-11-07T00:00:00 is before the purchase date 2025-11-08:"
            " an invoice falls due on or after the day of the purchase",
        ),
        (
            "11",
            "paid_at: 2025-11-01T00:00:00 is before the purchase date 2025-11-08:"
            " record a payment in advance as paid on the purchase date",
        ),
        ("12", "paid_at: 'soon' does not match ISO 8601 (use --date-format)"),
    ]
    # and the dates are stored, in UTC, on the purchase
    with patron.uow(readonly=True) as uow:
        first = uow.purchases.by_order_id("o-1")
        assert first is not None and str(first.total) == "100.00"
        assert (first.invoice_due_at.isoformat(), first.paid_at.isoformat()) == (  # type: ignore[attr-defined]
            "2025-12-03T00:00:00",
            "2025-11-13T16:00:00",
        )
    # and the payment-speed criterion is the one the API's purchases gave
    assert_payment_classes(abc_of_store(patron, tmp_path, monkeypatch))
