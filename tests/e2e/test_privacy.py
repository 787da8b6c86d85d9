"""Personal data through the API (GDPR Articles 15, 17, 20): the export holds everything
held about a member, and erasure leaves no trace of the person while the books balance.

One scenario, on SQLite and PostgreSQL: Bob enrols, Ann enrols with Bob's referral code
(an e-mail and a name), buys two lines, returns one with a reason that names her phone,
redeems a coffee and gets a goodwill adjustment. Expected numbers, by hand from
examples/program.toml (1 point per euro, books x2, welcome 100, referral 200 each paid
with Ann's first purchase of at least 20.00, dated at it):
line A, books, 2 x 50.00 = 100.00 -> 200 points; line B, 1 x 20.00 -> 20 points;
purchase 120.00 -> 220 points. Returning B gives back 20.00 and takes 20 points from the
purchase's own lot. The coffee costs 150 points (worth 3.00), spent closest to expiry
first: the welcome lot (100), then 50 of the purchase's lot (the referral lot, earned
with it, comes after it). Balance:
100 + 200 + 220 - 20 - 150 + 50 = 400; lifetime spend 120.00 - 20.00 = 100.00.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from patron.bootstrap import Patron
from patron.services.verify import verify
from patron.store.tables import metadata
from tests.conftest import Clock
from tests.e2e.conftest import Api

PHONE = "555-0100"
REFUND_REASON = f"damaged; phoned Ann at {PHONE}"
PSEUDONYM = re.compile(r"erased-[0-9a-f]{32}")


@dataclass
class Scenario:
    ann: int
    bob: int
    purchase: int
    ann_code: str
    enrol_key: str


def _created(answer: Any) -> Any:
    assert answer.status_code == 201, answer.text
    return answer.json()


def _scenario(pos: Api, admin: Api, clock: Clock) -> Scenario:
    bob = _created(
        pos.post(
            "/v1/members",
            {"external_id": "cust-bob", "email": "bob@example.com", "name": "Bob Example"},
        )
    )
    enrol_key = str(uuid.uuid4())
    ann = _created(
        pos.post(
            "/v1/members",
            {
                "external_id": "cust-ann",
                "email": "ann@example.com",
                "name": "Ann Example",
                "referral_code": bob["referral_code"],
            },
            idem=enrol_key,
        )
    )
    clock.advance(hours=1)
    bought = _created(
        pos.post(
            "/v1/purchases",
            {
                "member_id": ann["id"],
                "order_id": "o-ann-1",
                "occurred_at": clock.now.isoformat() + "Z",
                "currency": "EUR",
                "lines": [
                    {"sku": "A", "category": "books", "quantity": 2, "unit_price": "50.00"},
                    {"sku": "B", "quantity": 1, "unit_price": "20.00"},
                ],
            },
        )
    )
    assert bought["points_earned"] == 220
    clock.advance(days=15)  # past the 14-day return window: the points are spendable
    _created(
        pos.post(
            f"/v1/purchases/{bought['id']}/refunds",
            {"lines": [{"line_no": 2, "quantity": 1}], "reason": REFUND_REASON},
        )
    )
    _created(pos.post("/v1/redemptions", {"member_id": ann["id"], "reward_id": "coffee"}))
    _created(
        admin.post(f"/v1/members/{ann['id']}/adjustments", {"points": 50, "reason": "goodwill"})
    )
    return Scenario(ann["id"], bob["id"], bought["id"], ann["referral_code"], enrol_key)


def _erase(api: Api, ref: str, body: Any, idem: str | None = "new") -> Any:
    return api.client.request("DELETE", f"/v1/members/{ref}", json=body, headers=api.headers(idem))


def _dump(patron: Patron) -> str:
    """Every value of every row of every table, as one text."""
    with patron.engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in conn.execute(table.select())
        )


def _books(patron: Patron) -> Any:
    """What erasure must leave as it is: every ledger entry's amount, every lot, every
    purchase's amounts, every member's counters."""
    queries = [
        "SELECT id, member_id, kind, points, occurred_at FROM ledger_entries ORDER BY id",
        "SELECT id, member_id, points, remaining, expires_at FROM point_lots ORDER BY id",
        "SELECT id, member_id, total, refunded_total, points_earned FROM purchases ORDER BY id",
        "SELECT id, amount, points_taken_back, debt FROM refunds ORDER BY id",
        "SELECT id, balance, debt, purchase_count, lifetime_spend, tier FROM members ORDER BY id",
    ]
    with patron.engine.connect() as conn:
        return [[tuple(r) for r in conn.execute(text(q))] for q in queries]


def test_the_export_holds_everything_held_about_the_member(
    pos: Api, admin: Api, clock: Clock
) -> None:
    s = _scenario(pos, admin, clock)

    answer = admin.get("/v1/members/cust-ann/export")

    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["format"], doc["format_version"]) == ("patron.member-export", 5)
    assert doc["payment_fingerprints"] == []  # the till sent none
    assert doc["generated_at"] == "2026-01-16T10:00:00Z"
    assert doc["member"] == {
        "id": s.ann,
        "external_id": "cust-ann",
        "email": "ann@example.com",
        "name": "Ann Example",
        "enrolled_at": "2026-01-01T09:00:00Z",
        "acquisition_channel": None,
        "tier": "Bronze",
        "tier_since": "2026-01-01T09:00:00Z",
        "referral_code": s.ann_code,
        "referred_by": s.bob,
        "members_referred": 0,
        "points": 400,
        "debt": 0,
        "purchase_count": 1,
        "lifetime_spend": "100.00",
        "erased_at": None,
        "phone": None,
        "card": None,
    }
    [purchase] = doc["purchases"]
    assert (purchase["id"], purchase["order_id"], purchase["occurred_at"]) == (
        s.purchase,
        "o-ann-1",
        "2026-01-01T10:00:00Z",
    )
    assert (purchase["total"], purchase["refunded_total"], purchase["points_earned"]) == (
        "120.00",
        "20.00",
        220,
    )
    # 1 point per EUR on 2 x 50.00 + 20.00, the books line doubled: 120 + 100
    assert purchase["breakdown"] == [
        {"rule": "base", "points": 120},
        {"rule": "category books x2", "points": 100},
    ]
    assert purchase["lines"] == [
        {
            "line_no": 1,
            "sku": "A",
            "category": "books",
            "quantity": 2,
            "unit_price": "50.0000",
            "points": 200,
            "refunded_quantity": 0,
        },
        {
            "line_no": 2,
            "sku": "B",
            "category": None,
            "quantity": 1,
            "unit_price": "20.0000",
            "points": 20,
            "refunded_quantity": 1,
        },
    ]
    [refund] = purchase["refunds"]
    assert (refund["amount"], refund["points_taken_back"], refund["debt"]) == ("20.00", 20, 0)
    assert (refund["lines"], refund["reason"]) == ([{"line_no": 2, "quantity": 1}], REFUND_REASON)
    assert [(e["kind"], e["points"]) for e in doc["ledger"]] == [
        ("welcome", 100),
        ("earn", 220),
        ("referral", 200),
        ("refund", -20),
        ("redeem", -150),
        ("adjust", 50),
    ]
    assert [(lot["points"], lot["remaining"]) for lot in doc["lots"]] == [
        (100, 0),
        (220, 150),
        (200, 200),
        (50, 50),
    ]
    assert doc["lots"][1]["expires_at"] == "2028-01-01T10:00:00Z"  # 24 months after earning
    assert doc["lots"][2]["expires_at"] == "2028-01-01T10:00:00Z"  # the referral's, dated alike
    [redemption] = doc["redemptions"]
    assert (redemption["reward_id"], redemption["points"], redemption["value"]) == (
        "coffee",
        150,
        "3.00",
    )
    assert [e["type"] for e in doc["events"]] == [
        "member.enrolled",
        "points.earned",
        "points.earned",
        "points.earned",
        "referral.rewarded",  # her friend's first purchase qualified (issue 16's events)
        "purchase.refunded",
        "voucher.issued",  # the coffee's voucher
        "points.redeemed",
        "points.adjusted",
    ]
    [audited] = doc["audit"]
    assert (audited["actor"], audited["action"], audited["reason"]) == (
        "apikey:test-admin",
        "points.adjusted",
        "goodwill",
    )
    scores = doc["segments_and_scores"]
    assert scores["available"] is True and isinstance(scores["segment"], str)
    assert (scores["purchases"], scores["clv"]) == (1, None)  # one buyer: no model to fit
    assert "too few purchases" in scores["note"]
    # enrolled through the API, which asks nothing: no consent recorded
    assert doc["consents"] == {
        "marketing": "not recorded",
        "marketing_sms": "not recorded",
        "marketing_push": "not recorded",
        "history": [],
    }
    assert (doc["messages"], doc["survey_answers"]) == ([], [])  # none asked, none answered
    # the costs of goods are the business's, not the member's: not exported
    assert "cost" not in purchase and "unit_cost" not in purchase["lines"][0]


def test_the_export_of_a_member_without_purchases_says_why_there_are_no_scores(
    pos: Api, admin: Api
) -> None:
    bob = _created(pos.post("/v1/members", {"external_id": "cust-bob"}))

    doc = admin.get(f"/v1/members/{bob['id']}/export").json()

    assert doc["purchases"] == [] and [e["kind"] for e in doc["ledger"]] == ["welcome"]
    assert doc["segments_and_scores"] == {"available": False, "note": "no customers to fit"}


def test_erasure_leaves_no_trace_of_the_person_and_the_books_balanced(
    pos: Api, admin: Api, patron: Patron, clock: Clock
) -> None:
    s = _scenario(pos, admin, clock)
    with patron.engine.begin() as conn:  # as enrolment wrote it before it named ids only
        conn.execute(
            text(
                "UPDATE ledger_entries SET reason = 'referred cust-ann'"
                " WHERE member_id = :m AND kind = 'referral'"
            ),
            {"m": s.bob},
        )
    books = _books(patron)
    traces = ["ann@example.com", "Ann Example", "cust-ann", PHONE, s.ann_code]
    assert all(trace in _dump(patron) for trace in traces)

    answer = _erase(admin, str(s.ann), {"reason": "request of 2026-01-16, ticket 12"})

    assert answer.status_code == 200, answer.text
    erased = answer.json()
    assert PSEUDONYM.fullmatch(erased["external_id"])
    assert (erased["member_id"], erased["erased_at"], erased["points"]) == (
        s.ann,
        "2026-01-16T10:00:00Z",
        400,
    )
    dump = _dump(patron)
    assert [trace for trace in traces if trace in dump] == []
    assert "Bob Example" in dump  # the other member keeps theirs
    assert _books(patron) == books
    assert patron.read(verify).problems == []

    member = admin.get(f"/v1/members/{s.ann}").json()
    assert (member["external_id"], member["email"], member["name"]) == (
        erased["external_id"],
        None,
        None,
    )
    assert (member["erased_at"], member["points"], member["lifetime_spend"]) == (
        "2026-01-16T10:00:00Z",
        400,
        "100.00",
    )
    assert admin.get("/v1/members/cust-ann?by=external_id").status_code == 404
    assert admin.get("/v1/members/cust-ann/export").status_code == 404
    with patron.engine.connect() as conn:
        referrer_reason = conn.execute(
            text("SELECT reason FROM ledger_entries WHERE member_id = :m AND kind = 'referral'"),
            {"m": s.bob},
        ).scalar_one()
    assert referrer_reason == f"referred member {s.ann}"

    # the stored answer of the enrolment replays the erased record, not the person
    replay = pos.post(
        "/v1/members",
        {
            "external_id": "cust-ann",
            "email": "ann@example.com",
            "name": "Ann Example",
            "referral_code": "whatever",
        },
        idem=s.enrol_key,
    )
    assert replay.status_code == 422  # another body under the same key
    replay = pos.post(
        "/v1/members",
        {
            "external_id": "cust-ann",
            "email": "ann@example.com",
            "name": "Ann Example",
            "referral_code": _referral_code_of(admin, s.bob),
        },
        idem=s.enrol_key,
    )
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert (replay.json()["id"], replay.json()["email"], replay.json()["name"]) == (
        s.ann,
        None,
        None,
    )
    assert replay.json()["external_id"] == erased["external_id"]


def _referral_code_of(api: Api, member_id: int) -> str:
    return str(api.get(f"/v1/members/{member_id}").json()["referral_code"])


def test_the_erasure_export_shows_what_is_kept_and_the_audit_entry(
    pos: Api, admin: Api, clock: Clock
) -> None:
    s = _scenario(pos, admin, clock)
    assert _erase(admin, "cust-ann", {"reason": "ticket 12"}).status_code == 200

    doc = admin.get(f"/v1/members/{s.ann}/export").json()

    assert (doc["member"]["email"], doc["member"]["name"]) == (None, None)
    assert doc["member"]["erased_at"] == "2026-01-16T10:00:00Z"
    assert [(e["kind"], e["points"], e["reason"]) for e in doc["ledger"]] == [
        ("welcome", 100, None),
        ("earn", 220, None),
        ("referral", 200, None),
        ("refund", -20, None),
        ("redeem", -150, None),
        ("adjust", 50, None),
    ]
    assert doc["purchases"][0]["refunds"][0]["reason"] is None
    adjusted = [e for e in doc["events"] if e["type"] == "points.adjusted"]
    assert adjusted[0]["payload"] == {"points": 50, "actor": "apikey:test-admin", "reason": None}
    erasure = doc["audit"][-1]
    assert (erasure["actor"], erasure["action"], erasure["reason"]) == (
        "apikey:test-admin",
        "member.erased",
        "ticket 12",
    )
    # ann's refund, referral and adjustment reasons; her one adjusted event; her enrolment;
    # no message was sent to her
    assert erasure["details"] == {
        "message_addresses": 0,
        "refund_reasons": 1,
        "ledger_reasons": 3,
        "referrer_reasons": 0,
        "event_payloads": 1,
        "stored_answers": 1,
    }


def test_an_erased_member_neither_earns_nor_spends_but_their_purchase_can_be_refunded(
    pos: Api, admin: Api, patron: Patron, clock: Clock
) -> None:
    s = _scenario(pos, admin, clock)
    assert _erase(admin, str(s.ann), {"reason": "ticket 12"}).status_code == 200
    books = _books(patron)

    earn = pos.post(
        "/v1/purchases",
        {
            "member_id": s.ann,
            "order_id": "o-ann-2",
            "occurred_at": clock.now.isoformat() + "Z",
            "currency": "EUR",
            "lines": [{"sku": "A", "unit_price": "10.00"}],
        },
    )
    redeem = pos.post("/v1/redemptions", {"member_id": s.ann, "points": 100})
    quote = pos.post("/v1/redemptions/quote", {"member_id": s.ann, "points": 100}, idem=None)
    again = _erase(admin, str(s.ann), {"reason": "twice"})

    for refused in (earn, redeem, quote, again):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "member_erased"
    assert "already erased on 2026-01-16" in again.json()["detail"]
    assert _books(patron) == books
    assert [e["action"] for e in admin.get("/v1/audit?action=member.erased").json()["data"]] == [
        "member.erased"
    ]

    # line A (2 x 50.00, 200 points) comes back: 400 - 200 = 200 points left
    refund = pos.post(f"/v1/purchases/{s.purchase}/refunds", {})
    assert refund.status_code == 201, refund.text
    assert (refund.json()["amount"], refund.json()["points_taken_back"]) == ("100.00", 200)
    assert admin.get(f"/v1/members/{s.ann}").json()["lifetime_spend"] == "0.00"
    # the coffee is cancelled (+150) and an admin writes off the 350 points left
    [redemption] = admin.get(f"/v1/members/{s.ann}/export").json()["redemptions"]
    cancelled = pos.post(f"/v1/redemptions/{redemption['id']}/cancel", {})
    assert cancelled.status_code == 201 and cancelled.json()["balance"] == 350, cancelled.text
    written_off = admin.post(
        f"/v1/members/{s.ann}/adjustments", {"points": -350, "reason": "erased: write-off"}
    )
    assert written_off.status_code == 201 and written_off.json()["balance"] == 0
    assert patron.read(verify).problems == []


def test_the_old_external_id_enrols_a_new_member(pos: Api, admin: Api, clock: Clock) -> None:
    s = _scenario(pos, admin, clock)
    assert _erase(admin, str(s.ann), {"reason": "ticket 12"}).status_code == 200

    again = _created(pos.post("/v1/members", {"external_id": "cust-ann"}))

    assert again["id"] != s.ann and again["points"] == 100  # a new member, a new welcome
    assert admin.get("/v1/members/cust-ann").json()["id"] == again["id"]
    assert admin.get(f"/v1/members/{s.ann}").json()["points"] == 400


def test_an_erased_members_referral_code_brings_no_one(pos: Api, admin: Api) -> None:
    ann = _created(pos.post("/v1/members", {"external_id": "cust-ann"}))
    assert _erase(admin, str(ann["id"]), {"reason": "ticket 12"}).status_code == 200
    code = admin.get(f"/v1/members/{ann['id']}").json()["referral_code"]

    for tried in (ann["referral_code"], code):
        answer = pos.post("/v1/members", {"external_id": "cust-new", "referral_code": tried})
        assert answer.status_code == 422 and "belongs to no member" in answer.json()["detail"]
    assert admin.get("/v1/members/cust-new").status_code == 404


@pytest.mark.parametrize(
    "body, status",
    [({}, 422), ({"reason": ""}, 422), ({"reason": "   "}, 422), ({"reason": "x" * 501}, 422)],
)
def test_an_erasure_without_a_reason_is_refused_and_changes_nothing(
    pos: Api, admin: Api, patron: Patron, body: Any, status: int
) -> None:
    ann = _created(pos.post("/v1/members", {"external_id": "cust-ann", "email": "a@x.org"}))

    answer = _erase(admin, str(ann["id"]), body)

    assert answer.status_code == status and "reason" in answer.text
    assert admin.get("/v1/members/cust-ann").json()["email"] == "a@x.org"


def test_only_admin_keys_export_or_erase(pos: Api, admin: Api) -> None:
    ann = _created(pos.post("/v1/members", {"external_id": "cust-ann"}))

    assert pos.get(f"/v1/members/{ann['id']}/export").status_code == 403
    assert _erase(pos, str(ann["id"]), {"reason": "r"}).status_code == 403
    assert admin.get("/v1/members/cust-ann").json()["erased_at"] is None
    assert admin.get("/v1/members/999/export").status_code == 404
    assert _erase(admin, "999", {"reason": "r"}).status_code == 404
    assert _erase(admin, str(ann["id"]), {"reason": "r"}, idem=None).status_code == 400


def test_the_store_refuses_to_undo_an_erasure(pos: Api, admin: Api, patron: Patron) -> None:
    ann = _created(pos.post("/v1/members", {"external_id": "cust-ann", "email": "a@x.org"}))
    bob = _created(pos.post("/v1/members", {"external_id": "cust-bob"}))
    assert _erase(admin, str(ann["id"]), {"reason": "r"}).status_code == 200

    for statement in (
        "UPDATE members SET email = 'a@x.org' WHERE id = :m",
        "UPDATE members SET external_id = 'cust-ann' WHERE id = :m",
        "UPDATE members SET erased_at = NULL WHERE id = :m",
    ):
        with pytest.raises(DBAPIError, match="erasure is final"):
            with patron.engine.begin() as conn:
                conn.execute(text(statement), {"m": ann["id"]})
    with pytest.raises(DBAPIError, match="no e-mail and no name"):
        with patron.engine.begin() as conn:  # a member erased by hand, badly
            conn.execute(
                text("UPDATE members SET erased_at = '2026-01-02', name = 'X' WHERE id = :m"),
                {"m": bob["id"]},
            )
    assert admin.get("/v1/members/cust-ann").status_code == 404
    assert admin.get("/v1/members/cust-bob").json()["erased_at"] is None


def test_a_refused_write_is_logged_without_the_values_it_carried(
    client: TestClient, patron: Patron, caplog: pytest.LogCaptureFixture
) -> None:
    """The integrity-error handler logs the constraint, never the driver's message: on
    PostgreSQL that quotes the row's values (`Key (external_id)=(...)`)."""
    insert = (
        "INSERT INTO members (external_id, email, tier, tier_since, enrolled_at, referral_code,"
        " balance, debt, purchase_count, lifetime_spend)"
        " VALUES ('cust-dup', :email, 'Bronze', '2026-01-01', '2026-01-01', :code, 0, 0, 0, 0)"
    )
    with patron.engine.begin() as conn:
        conn.execute(text(insert), {"email": "first@example.com", "code": "CODE1"})
    with pytest.raises(IntegrityError) as raised:
        with patron.engine.begin() as conn:
            conn.execute(text(insert), {"email": "dup@example.com", "code": "CODE2"})
    handler = client.app.exception_handlers[IntegrityError]  # type: ignore[attr-defined]

    with caplog.at_level(logging.INFO, logger="patron.api"):
        import asyncio

        answer = asyncio.run(handler(None, raised.value))

    assert answer.status_code == 409
    [record] = [r for r in caplog.records if r.name == "patron.api"]
    logged = record.getMessage()
    assert "cust-dup" not in logged and "example.com" not in logged
    dialect = inspect(patron.engine).dialect.name
    expected = (
        "UniqueViolation on uq_members_external_id"
        if dialect == "postgresql"
        else "IntegrityError: UNIQUE constraint failed: members.external_id"
    )
    assert logged == f"integrity error answered as 409: {expected}"
    assert json.loads(answer.body)["code"] == "conflict"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_access_log_of_a_real_server_names_no_member(sqlite_patron: Patron) -> None:
    """uvicorn writes every request line; a member named by an e-mail in the path or a
    query string would land in the log. The app rewrites those lines."""
    import threading
    import time

    import httpx
    import uvicorn

    from patron.api.app import create_app
    from tests.conftest import new_key
    from tests.e2e.server import LOADED, free_port

    key = new_key(sqlite_patron, "admin")
    port = free_port()
    config = uvicorn.Config(
        create_app(sqlite_patron), host="127.0.0.1", port=port, log_level="info"
    )
    captured = _Lines()  # after Config: its logging set-up replaces the logger's handlers
    logging.getLogger("uvicorn.access").addHandler(captured)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
        httpx.get(f"{base}/v1/members/ann@example.com/balance", headers=auth, timeout=LOADED)
        httpx.get(f"{base}/v1/members/12345?by=external_id", headers=auth, timeout=LOADED)
        httpx.get(f"{base}/v1/audit?actor=cli:ann.example", headers=auth, timeout=LOADED)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        logging.getLogger("uvicorn.access").removeHandler(captured)

    assert [line.split(" - ", 1)[1] for line in captured.lines] == [
        '"GET /v1/members/~/balance HTTP/1.1" 404',
        '"GET /v1/members/~ HTTP/1.1" 404',
        '"GET /v1/audit HTTP/1.1" 200',
    ]


def test_erasure_blanks_the_stored_answers_that_name_the_member(
    pos: Api, admin: Api, patron: Patron
) -> None:
    """A replayed write must not give back what erasure removed: the stored answers of
    the member's enrolment, birthday and business's buyer lose their personal fields
    (found by a fresh-eyes review: the birthday and the buyer's contacts stayed)."""
    enrol = {"external_id": "cust-zed", "birthday": "1985-03-17"}
    zed = _created(pos.post("/v1/members", enrol, idem="enroll-cust-zed"))
    # the client's key names the customer: only its digest is stored, and a retry with
    # it is still recognised and answered as the first time
    assert "enroll-cust-zed" not in _dump(patron)
    again = pos.post("/v1/members", enrol, idem="enroll-cust-zed")
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.json() == zed
    path = f"/v1/members/{zed['id']}/birthday"
    assert admin.client.put(
        path, json={"birthday": "1985-03-18"}, headers=admin.headers()
    ).is_success
    business = {"external_id": "cust-zed", "company_name": "Zed SRL", "vat_number": "ro18547290"}
    assert admin.post("/v1/businesses", business).status_code == 201
    buyer = {"name": "Radu Zed", "email": "radu@zed.example", "phone": "+40722555010"}
    assert admin.post(f"/v1/businesses/{zed['id']}/buyers", buyer).status_code == 201
    traces = ["1985-03-18", "Radu Zed", "radu@zed.example", "+40722555010"]
    assert [trace for trace in traces if trace not in _dump(patron)] == []

    assert _erase(admin, str(zed["id"]), {"reason": "ticket 9"}).status_code == 200

    dump = _dump(patron)
    assert [trace for trace in traces if trace in dump] == []
