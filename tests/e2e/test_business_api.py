"""Business customers through the API (api/routes/business.py, the till's `buyer`), on both
stores, with examples/program.toml (welcome 100; Silver from 500 EUR x1.25, Gold from
1500; Gold has 2 visits a quarter and an unlimited hotline). Every answer is one the
OpenAPI document announces (the `client` fixture checks it)."""

from __future__ import annotations

from typing import Any

from patron.bootstrap import Patron
from tests.e2e.conftest import Api


def _purchase(order_id: str, amount: str, buyer: dict[str, Any]) -> dict[str, Any]:
    return {
        "buyer": buyer,
        "order_id": order_id,
        "occurred_at": "2026-01-01T08:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "PAPER", "quantity": 1, "unit_price": amount}],
    }


def test_two_buyers_earn_for_the_business_and_use_its_entitlements(
    pos: Api, admin: Api, patron: Patron
) -> None:
    biz = pos.post("/v1/members", {"external_id": "B-7"}).json()["id"]
    bad = admin.post(
        "/v1/businesses", {"member_id": biz, "company_name": "L SRL", "vat_number": "RO 1"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "vat_number_invalid")
    made = admin.post(
        "/v1/businesses",
        {"external_id": "B-7", "company_name": "Libraria Centrala SRL", "vat_number": "ro18547290"},
    )
    assert made.status_code == 201, made.text
    assert (made.json()["member_id"], made.json()["vat_number"]) == (biz, "RO18547290")
    radu = admin.post(
        f"/v1/businesses/{biz}/buyers", {"name": "Radu", "email": "radu@librariacentrala.ro"}
    )
    assert radu.status_code == 201, radu.text
    ioana = admin.post("/v1/businesses/B-7/buyers", {"name": "Ioana", "phone": "+40722555010"})
    assert ioana.status_code == 201, ioana.text
    # the till finds the business through a buyer, and records their purchases for it:
    # 800 at Bronze (x1) makes it Silver; 800 at Silver (x1.25) = 1000, and 500 for the
    # "1000 EUR club" milestone (1600 spent in all), makes it Gold
    found = pos.get("/v1/members?buyer=RADU@librariacentrala.ro")
    assert [m["id"] for m in found.json()["data"]] == [biz], found.text
    first = pos.post(
        "/v1/purchases", _purchase("T-1", "800.00", {"email": "radu@librariacentrala.ro"})
    )
    assert first.status_code == 201, first.text
    second = pos.post("/v1/purchases", _purchase("T-2", "800.00", {"phone": "+40 722 555 010"}))
    assert [r.json()["points_earned"] for r in (first, second)] == [800, 1500]
    assert [r.json()["member_id"] for r in (first, second)] == [biz, biz]
    till = pos.get(f"/v1/members/{biz}").json()
    assert (till["tier"], till["points"]) == ("Gold", 2400)  # 100 welcome + 800 + 1500
    detail = admin.get(f"/v1/businesses/{biz}").json()
    assert [(b["name"], b["purchases"]) for b in detail["buyers"]] == [("Radu", 1), ("Ioana", 1)]
    # Gold's two visits this quarter, then refused
    ents = pos.get(f"/v1/businesses/{biz}/entitlements").json()["data"]
    assert [(e["id"], e["left"]) for e in ents] == [
        ("visits", 2),
        ("hotline", None),
        ("payment-terms", None),
    ]
    path = f"/v1/businesses/{biz}/entitlements/visits/uses"
    lefts = [admin.post(path, {"note": f"visit {i}"}).json()["left"] for i in (1, 2)]
    assert lefts == [1, 0]
    third = admin.post(path, {})
    assert (third.status_code, third.json()["code"]) == (409, "entitlement_exhausted")
    # a removed buyer finds nothing any more
    gone = admin.post(f"/v1/businesses/{biz}/buyers/{radu.json()['id']}/remove", {})
    assert (gone.status_code, gone.json()["removed_at"] is not None) == (200, True)
    missing = pos.get("/v1/members?buyer=radu@librariacentrala.ro")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    refused = pos.post(
        "/v1/purchases", _purchase("T-3", "5.00", {"email": "radu@librariacentrala.ro"})
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
