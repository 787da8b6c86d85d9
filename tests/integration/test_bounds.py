"""The bounds of accepted input, and the store holding every value and sum they allow.

Patron issue 12, finding 2: the API took unit prices up to 99,999,999,999 that the line
columns (NUMERIC(14,4)) cannot hold, and a member's lifetime spend (NUMERIC(14,2)) past
10^12 made every further purchase of that member a 500 on PostgreSQL, while SQLite took
the same values. The bounds are documented in docs/api.md ("Bounds"); the numbers below
are written out by hand from them.

Not per use case: the bounds are one table (docs/api.md) over the API, the import, the
API keys and acquisition spend, checked together against the store's columns.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.domain.member import NewMember
from patron.services.apikeys import create_key
from patron.services.importer import ImportOptions, import_purchases
from patron.store.tables import members, purchase_lines, purchases
from tests.e2e.conftest import Api
from tests.integration.helpers import assert_verified

MAX_PURCHASE = Decimal("99999999999.99")  # a purchase's total or cost
MAX_PURCHASES = 2_147_483_647  # a member's purchases (2^31 - 1)
# 2147483647 × 99999999999.99 = 2147483647·10^11 − 21474836.47
MAX_LIFETIME = Decimal("214748364699978525163.53")
# 2147483646 × 99999999999.99 = 2147483646·10^11 − 21474836.46
ONE_PURCHASE_BEFORE = Decimal("214748364599978525163.54")

# the largest purchase: 99 × 1,000,000,000 + 999,999,999.9899 = 99,999,999,999.9899,
# which rounds (half up) to 99,999,999,999.99; its cost is the same
LARGEST_LINES = [
    {"sku": "A", "quantity": 99, "unit_price": "1000000000", "unit_cost": "1000000000"},
    {"sku": "B", "quantity": 1, "unit_price": "999999999.9899", "unit_cost": "999999999.9899"},
]


def purchase(order_id: str, lines: list[dict[str, Any]], external_id: str = "c-1") -> dict:  # type: ignore[type-arg]
    return {
        "external_id": external_id,
        "order_id": order_id,
        "occurred_at": "2026-01-01T08:00:00Z",
        "currency": "EUR",
        "lines": lines,
    }


def new_key(patron: Patron, scope: str, name: str) -> str:
    return patron.run(lambda uow, s: create_key(uow, s, name), scope)


def enroll(api: Api, external_id: str = "c-1") -> int:
    answer = api.post("/v1/members", {"external_id": external_id})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def stored_purchases(patron: Patron) -> int:
    with patron.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(purchases)).scalar_one())


def assert_refused(answer: Any, field: str) -> None:
    """A 422 problem+json whose errors name `field`."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in answer.json()["errors"]]
    assert field in fields, answer.json()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"unit_price": "99999999999"}, "body.lines.0.unit_price"),  # the finding's value
        ({"unit_price": "1000000000.0001"}, "body.lines.0.unit_price"),
        ({"unit_price": "10.00", "unit_cost": "99999999999"}, "body.lines.0.unit_cost"),
        ({"unit_price": "10.00", "quantity": 1_000_001}, "body.lines.0.quantity"),
        ({"unit_price": "10.00", "sku": "s" * 65}, "body.lines.0.sku"),
        ({"unit_price": "10.00", "category": "c" * 65}, "body.lines.0.category"),
    ],
)
def test_a_line_beyond_a_bound_is_a_422_naming_the_field(
    pos: Api, patron: Patron, line: dict[str, Any], field: str
) -> None:
    enroll(pos)
    answer = pos.post("/v1/purchases", purchase("o-1", [{"sku": "A", **line}]))
    assert_refused(answer, field)
    assert stored_purchases(patron) == 0


def test_a_purchase_over_the_largest_total_or_cost_is_a_422_naming_the_lines(
    pos: Api, patron: Patron
) -> None:
    enroll(pos)
    # 99,999,999,999.995 rounds up to 100,000,000,000.00: one cent over
    over_total = [LARGEST_LINES[0], {**LARGEST_LINES[1], "unit_price": "999999999.9950"}]
    assert_refused(pos.post("/v1/purchases", purchase("o-1", over_total)), "body.lines")
    # the prices are within bounds, the costs are not: 100 × 1,000,000,000
    over_cost = [{**LARGEST_LINES[0], "unit_price": "1.00", "quantity": 100}]
    assert_refused(pos.post("/v1/purchases", purchase("o-2", over_cost)), "body.lines")
    many = [{"sku": "A", "unit_price": "1.00"}] * 501
    assert_refused(pos.post("/v1/purchases", purchase("o-3", many)), "body.lines")
    assert stored_purchases(patron) == 0


def test_the_largest_purchase_is_stored_and_read_back_exactly(pos: Api, patron: Patron) -> None:
    enroll(pos)
    answer = pos.post("/v1/purchases", purchase("o-1", LARGEST_LINES))
    assert answer.status_code == 201, answer.text
    assert Decimal(answer.json()["total"]) == MAX_PURCHASE
    with patron.engine.connect() as conn:
        row = conn.execute(select(purchases.c.total, purchases.c.cost)).one()
        lines = conn.execute(
            select(purchase_lines.c.unit_price, purchase_lines.c.unit_cost).order_by(
                purchase_lines.c.line_no
            )
        ).all()
    assert (row.total, row.cost) == (MAX_PURCHASE, MAX_PURCHASE)
    assert [tuple(x) for x in lines] == [
        (Decimal("1000000000"), Decimal("1000000000")),
        (Decimal("999999999.9899"), Decimal("999999999.9899")),
    ]
    assert_verified(patron)


def test_a_member_past_a_lifetime_spend_of_10_to_the_12_keeps_earning(
    pos: Api, admin: Api, patron: Patron
) -> None:
    """The finding itself: ten purchases of 99 × 1,000,000,000 come to 990,000,000,000;
    the eleventh takes the lifetime spend past 10^12 (a 500 on PostgreSQL, for ever)."""
    member_id = enroll(pos)
    lines = [{"sku": "A", "quantity": 99, "unit_price": "1000000000"}]
    for n in range(1, 13):
        answer = pos.post("/v1/purchases", purchase(f"o-{n}", lines))
        assert answer.status_code == 201, (n, answer.text)
    member = admin.get(f"/v1/members/{member_id}").json()  # the whole profile
    assert (member["purchase_count"], Decimal(member["lifetime_spend"])) == (
        12,
        Decimal("1188000000000.00"),  # 12 × 99,000,000,000
    )
    assert_verified(patron)


def _set_counters(patron: Patron, member_id: int, count: int, spend: Decimal) -> None:
    with patron.engine.begin() as conn:
        conn.execute(
            update(members)
            .where(members.c.id == member_id)
            .values(purchase_count=count, lifetime_spend=spend)
        )


def test_a_member_at_the_largest_lifetime_spend_is_stored_then_refused_cleanly(
    pos: Api, admin: Api, patron: Patron, store_kind: str
) -> None:
    """The most a member can spend: 2^31 - 1 purchases of the largest total. The store
    holds it; the purchase after it is refused (409), not a server error."""
    # given a member one largest purchase short of the most the bounds allow
    member_id = enroll(pos)
    _set_counters(patron, member_id, MAX_PURCHASES - 1, ONE_PURCHASE_BEFORE)
    # when they make it
    answer = pos.post("/v1/purchases", purchase("o-1", LARGEST_LINES))
    # then it is recorded, and the counters hold the largest values
    assert answer.status_code == 201, answer.text
    member = admin.get(f"/v1/members/{member_id}").json()  # the whole profile
    assert member["purchase_count"] == MAX_PURCHASES
    spend = Decimal(member["lifetime_spend"])
    if store_kind == "postgres":
        assert spend == MAX_LIFETIME
    else:  # SQLite keeps NUMERIC as a double: 15 significant digits (docs/api.md, Bounds)
        assert abs(spend - MAX_LIFETIME) <= MAX_LIFETIME * Decimal("1e-15")
    # and one more purchase is refused with a reason, changing nothing
    more = pos.post("/v1/purchases", purchase("o-2", [{"sku": "A", "unit_price": "1.00"}]))
    assert more.status_code == 409, more.text
    assert more.json()["code"] == "purchase_limit_reached"
    assert "2147483647 purchases" in more.json()["detail"]
    assert stored_purchases(patron) == 1
    after = admin.get(f"/v1/members/{member_id}").json()
    assert (after["purchase_count"], after["lifetime_spend"]) == (
        MAX_PURCHASES,
        member["lifetime_spend"],
    )


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


HEADER = ["customer_id", "date", "order_id", "sku", "quantity", "unit_price", "unit_cost"]
HEADER += ["channel", "amount"]


def _row(customer: str = "c1", order: str = "", **fields: str) -> list[str]:
    values = {"sku": "A", "quantity": "1", "unit_price": "", "unit_cost": "", "channel": ""}
    values.update(fields)
    return (
        [customer, "2025-01-03", order]
        + [values[f] for f in HEADER[3:8]]
        + [fields.get("amount", "")]
    )


def test_the_import_refuses_rows_and_orders_beyond_the_bounds(
    patron: Patron, tmp_path: Path
) -> None:
    # given a file with good rows and rows or orders beyond each bound
    rows = [
        _row(order="o-1", unit_price="10.00", channel="web"),  # line 2: good
        _row(order="o-2", unit_price="99999999999"),  # 3: the finding's unit price
        _row(order="o-3", unit_price="10.00", unit_cost="99999999999"),  # 4
        _row(order="o-4", quantity="1", amount="5000000000"),  # 5: 5e9 for one unit
        _row(order="o-5", quantity="5", amount="5000000000"),  # 6: good, 1e9 a unit
        _row(order="o-6", quantity="101", unit_price="1000000000"),  # 7: the line alone
        _row(order="o-7", sku="s" * 65, unit_price="1.00"),  # 8
        _row("c" * 129, order="o-8", unit_price="1.00"),  # 9
        _row(order="o-9", unit_price="1.00", channel="w" * 51),  # 10
        _row(order="o-10", sku="a\x00b", unit_price="1.00"),  # 11: PostgreSQL has no NUL
        # 12, 13: an order whose two lines come to 100,000,000,000.00
        _row(order="o-11", quantity="99", unit_price="1000000000"),
        _row(order="o-11", sku="B", unit_price="1000000000"),
        # 14, 15: the largest order, exactly
        _row(order="o-12", quantity="99", unit_price="1000000000", unit_cost="1000000000"),
        _row(order="o-12", sku="B", unit_price="999999999.9899", unit_cost="999999999.9899"),
        # 16, 17: an order whose costs come to 100,000,000,000.00
        _row(order="o-13", quantity="99", unit_price="1.00", unit_cost="1000000000"),
        _row(order="o-13", sku="B", unit_price="1.00", unit_cost="1000000000"),
    ]
    rows += [_row(order="o-14", sku=f"s{k}", unit_price="1.00") for k in range(501)]  # 18-518
    rows += [_row(order="o-15", sku=f"s{k}", unit_price="1.00") for k in range(500)]  # 519-1018
    path = tmp_path / "history.csv"
    _write(path, HEADER, rows)
    # when it is imported
    report = import_purchases(patron.new_uow, path, ImportOptions())
    # then the good purchases are in, exactly, and nothing of a refused order
    with patron.uow(readonly=True) as uow:
        found = {o: uow.purchases.by_order_id(o) for o in ["o-1", "o-5", "o-12", "o-15"]}
        assert {o: p.total for o, p in found.items() if p} == {
            "o-1": Decimal("10.00"),
            "o-5": Decimal("5000000000.00"),
            "o-12": MAX_PURCHASE,
            "o-15": Decimal("500.00"),
        }
        assert found["o-12"].cost == MAX_PURCHASE  # type: ignore[union-attr]
    assert stored_purchases(patron) == 4
    assert (report.rows, report.inserted, report.rejected) == (1017, 4, 513)
    # and each refused row names its line and field
    rejects = list(csv.DictReader((tmp_path / "history.rejects.csv").open()))
    reasons = {int(r["line"]): r["reason"] for r in rejects}
    assert {line: why.split(":")[0] for line, why in reasons.items() if line < 18} == {
        3: "unit_price",
        4: "unit_cost",
        5: "amount",
        7: "amount",
        8: "sku",
        9: "customer_id",
        10: "channel",
        11: "sku",
        12: "order_id",
        13: "order_id",
        16: "order_id",
        17: "order_id",
    }
    assert sorted(reasons) == [3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 16, 17, *range(18, 519)]
    assert "501 lines" in reasons[18] and "500" in reasons[18]
    assert "100000000000.00" in reasons[12] and "99999999999.99" in reasons[12]
    assert "cost" in reasons[16]
    assert rejects[0]["order_id"] == "o-2"  # the row as it was in the file
    assert_verified(patron)


def test_the_import_refuses_a_file_that_could_take_a_member_past_the_most_purchases(
    patron: Patron, tmp_path: Path
) -> None:
    # given a member one purchase short of the most a member may have
    with patron.uow() as uow:
        member_id = uow.members.add(NewMember("c1", "Bronze", uow.now, "REF00001")).id
        uow.commit()
    _set_counters(patron, member_id, MAX_PURCHASES - 1, Decimal("10.00"))
    path = tmp_path / "history.csv"
    path.write_text("customer_id,date,amount\nc1,2025-01-03,1.00\nc2,2025-01-04,2.00\n")
    # when a file of two purchases is imported, then it is refused before anything is written
    with pytest.raises(InvalidInput, match="2147483646 purchases .* holds 2"):
        import_purchases(patron.new_uow, path, ImportOptions())
    assert stored_purchases(patron) == 0
    with patron.uow(readonly=True) as uow:
        assert uow.members.by_external_id("c2") is None


def test_an_api_key_name_leaves_room_for_its_actor(patron: Patron, client: Any) -> None:
    """Writes by a key are recorded as "apikey:<name>" in 100-character columns."""
    with pytest.raises(InvalidInput, match="name: 94 characters, more than the 93 allowed"):
        new_key(patron, "admin", "k" * 94)
    admin = Api(client, new_key(patron, "admin", "k" * 93))
    member_id = enroll(admin)
    answer = admin.post(f"/v1/members/{member_id}/adjustments", {"points": 5, "reason": "why"})
    assert answer.status_code == 201, answer.text


def test_the_largest_acquisition_spend_is_stored_exactly(patron: Patron, admin: Api) -> None:
    body = {"month": "2026-01", "channel": "web", "amount": "99999999999.99", "currency": "EUR"}
    answer = admin.post("/v1/acquisition-spend", body)
    assert answer.status_code == 201, answer.text
    listed = admin.get("/v1/acquisition-spend").json()["data"]
    assert [Decimal(x["amount"]) for x in listed] == [MAX_PURCHASE]
