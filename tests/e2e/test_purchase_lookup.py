"""A till finds a purchase by its own order id: read it, and refund it by it (issue 11:
refunds needed Patron's purchase id, which a till does not keep)."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll
from tests.e2e.test_key_scopes import till


def _buy(api: Api, order_id: str, lines: list[dict]) -> dict:  # type: ignore[type-arg]
    body = {**PURCHASE, "external_id": "c-1", "order_id": order_id, "lines": lines}
    answer = api.post("/v1/purchases", body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


TWO_LINES = [
    {"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"},
    {"sku": "B2", "quantity": 1, "unit_price": "5.50"},
]


def test_a_purchase_is_read_by_its_order_id_with_its_lines(pos: Api) -> None:
    enroll(pos)
    bought = _buy(pos, "T-1001", TWO_LINES)
    by_order = pos.get("/v1/purchases/T-1001?by=order_id")
    assert by_order.status_code == 200, by_order.text
    detail = by_order.json()
    assert detail == pos.get(f"/v1/purchases/{bought['id']}?by=id").json()
    assert (detail["id"], detail["order_id"], detail["external_id"]) == (
        bought["id"],
        "T-1001",
        "c-1",
    )
    assert Decimal(detail["total"]) == Decimal("25.50")  # 2 x 10.00 + 5.50
    assert detail["points_earned"] == bought["points_earned"]
    assert [
        (x["line_no"], x["sku"], x["quantity"], x["refunded_quantity"]) for x in detail["lines"]
    ] == [
        (1, "A1", 2, 0),
        (2, "B2", 1, 0),
    ]
    assert pos.get("/v1/purchases/T-9999?by=order_id").status_code == 404


def test_a_refund_names_the_purchase_by_its_order_id(pos: Api) -> None:
    enroll(pos)
    bought = _buy(pos, "T-1002", TWO_LINES)
    refund = pos.post(
        "/v1/purchases/T-1002/refunds?by=order_id", {"lines": [{"line_no": 2, "quantity": 1}]}
    )
    assert refund.status_code == 201, refund.text
    assert refund.json()["purchase_id"] == bought["id"]
    assert Decimal(refund.json()["amount"]) == Decimal("5.50")
    detail = pos.get("/v1/purchases/T-1002?by=order_id").json()
    assert Decimal(detail["refunded_total"]) == Decimal("5.50")
    assert [x["refunded_quantity"] for x in detail["lines"]] == [0, 1]


def test_a_retried_refund_through_the_other_id_is_one_refund(pos: Api) -> None:
    enroll(pos)
    bought = _buy(pos, "T-1003", TWO_LINES)
    first = pos.post("/v1/purchases/T-1003/refunds?by=order_id", {}, idem="r-1")
    again = pos.post(f"/v1/purchases/{bought['id']}/refunds", {}, idem="r-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_a_numeric_order_id_that_is_another_purchases_id_is_refused(pos: Api) -> None:
    enroll(pos)
    first = _buy(pos, "T-1", TWO_LINES)
    second = _buy(pos, str(first["id"]), TWO_LINES)  # a till numbering its orders 1, 2, ...
    ambiguous = pos.get(f"/v1/purchases/{first['id']}")
    assert ambiguous.status_code == 422
    assert ambiguous.json()["code"] == "ambiguous_purchase"
    assert ambiguous.json()["purchase_ids"] == [first["id"], second["id"]]
    refused = pos.post(f"/v1/purchases/{first['id']}/refunds", {})
    assert refused.status_code == 422
    assert pos.get(f"/v1/purchases/{first['id']}?by=id").json()["refunded_total"] == "0.00"


def test_a_shop_reads_only_its_own_purchases(client: TestClient, patron: Patron) -> None:
    a, b = till(client, patron, "till-a", "A"), till(client, patron, "till-b", "B")
    enroll(a)
    _buy(a, "T-2001", TWO_LINES)
    assert a.get("/v1/purchases/T-2001?by=order_id").status_code == 200
    other = b.get("/v1/purchases/T-2001?by=order_id")
    assert (other.status_code, other.json()["code"]) == (403, "forbidden_shop")
