"""The outbox: every use case writes exactly its events, in order per member, with payloads.

Driven the way a point of sale and an operator drive Patron (the REST API and the
`patron` command line), on SQLite and PostgreSQL; then each member's outbox is read back
in the order it was written. Expected points are worked out by hand from
examples/program.toml: 1 point per EUR rounded down, books x2, Silver (x1.25) from 500 EUR
spent over 12 months, a welcome bonus of 100 and a referral bonus of 200, points spendable
after 14 days, lots that expire 24 months after they were earned, warnings 30 days ahead.
The tests' clock starts at 2026-01-01 09:00.

Not per use case: the outbox is one contract (docs/ledger.md, "Events") that consumers read
across use cases, in order per member, and it is driven through the adapters, not the
use-case functions that tests/usecases call.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from tests.conftest import Clock
from tests.e2e.conftest import Api

Event = tuple[str, datetime, dict[str, Any]]
START = datetime(2026, 1, 1, 9, 0)  # the tests' clock
BOOKS = {"sku": "B1", "category": "books", "quantity": 2, "unit_price": "10.00"}  # 40 points


def events_of(patron: Patron, member_id: int) -> list[Event]:
    with patron.uow(readonly=True) as uow:
        rows = uow.outbox.for_member(member_id)
    return [(r.type, r.occurred_at, dict(r.payload)) for r in rows]


def cli(patron: Patron, *args: str) -> str:
    url = patron.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, [*args, "--database-url", url])
    assert result.exit_code == 0, result.output
    return result.output


def enroll(api: Api, external_id: str, **extra: str) -> dict[str, Any]:
    response = api.post("/v1/members", {"external_id": external_id, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def buy(api: Api, member: dict[str, Any], order_id: str, at: str, *lines: dict[str, Any]) -> int:
    body = {"member_id": member["id"], "order_id": order_id, "occurred_at": at, "currency": "EUR"}
    response = api.post("/v1/purchases", {**body, "lines": list(lines)})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def electronics(price: str) -> dict[str, Any]:
    return {"sku": "E1", "category": "electronics", "quantity": 1, "unit_price": price}


def enrolled(at: datetime = START) -> Event:
    return ("member.enrolled", at, {"tier": "Bronze"})


def joined(at: datetime = START) -> list[Event]:
    """What enrolling writes: the member, then the program's 100-point welcome bonus."""
    return [enrolled(at), ("points.earned", at, {"points": 100, "purchase_id": None})]


# --- enroll -------------------------------------------------------------------------------


def test_enrolling_writes_member_enrolled_with_the_first_tier_at_the_enrollment_date(
    pos: Api, patron: Patron
) -> None:
    # given / when
    now = enroll(pos, "c-1")
    earlier = enroll(pos, "c-2", enrolled_at="2025-12-31T10:00:00Z")
    # then: dated when the member joined, the welcome bonus announced with them
    assert events_of(patron, now["id"]) == joined()
    assert events_of(patron, earlier["id"]) == joined(datetime(2025, 12, 31, 10, 0))


def test_a_referral_tells_both_members_of_their_points_at_the_friends_qualifying_purchase(
    pos: Api, patron: Patron
) -> None:
    # given a friend enrolled with the referrer's code: only their enrolment is announced
    referrer = enroll(pos, "c-1")
    friend = enroll(pos, "c-2", referral_code=referrer["referral_code"])
    assert events_of(patron, referrer["id"]) == joined()
    assert events_of(patron, friend["id"]) == joined()
    # when the friend's first purchase (25.00 of electronics: 25 points) qualifies
    purchase = buy(pos, friend, "o-1", "2026-01-01T08:00:00Z", electronics("25.00"))
    # then each is told of their 200, dated at the purchase, after the purchase's own,
    # and of the referral (the store's first) that paid it, as referrer and as friend
    at = datetime(2026, 1, 1, 8, 0)
    paid = {"referral_id": 1, "points": 200, "purchase_id": purchase}
    assert events_of(patron, referrer["id"]) == [
        *joined(),
        ("points.earned", at, {"points": 200, "purchase_id": None}),
        ("referral.rewarded", at, {**paid, "role": "referrer"}),
    ]
    assert events_of(patron, friend["id"]) == [
        *joined(),
        ("points.earned", at, {"points": 25, "purchase_id": purchase}),
        ("points.earned", at, {"points": 200, "purchase_id": None}),
        ("referral.rewarded", at, {**paid, "role": "friend"}),
    ]


# --- earn and tiers -----------------------------------------------------------------------


def test_a_purchase_writes_points_earned_with_its_points_and_purchase_id(
    pos: Api, patron: Patron
) -> None:
    # given
    member = enroll(pos, "c-1")
    # when: 2 x 10.00 of books: 20 base points, doubled by the books multiplier
    purchase = buy(pos, member, "o-1", "2026-01-01T08:00:00Z", BOOKS)
    # then: dated when the purchase happened
    assert events_of(patron, member["id"]) == [
        *joined(),
        ("points.earned", datetime(2026, 1, 1, 8, 0), {"points": 40, "purchase_id": purchase}),
    ]


def test_a_purchase_without_points_writes_no_points_earned(pos: Api, patron: Patron) -> None:
    # given / when: 0.50 EUR rounds down to 0 points
    member = enroll(pos, "c-1")
    buy(pos, member, "o-1", "2026-01-01T08:00:00Z", electronics("0.50"))
    # then
    assert events_of(patron, member["id"]) == joined()


def test_reaching_a_tier_writes_tier_changed_after_the_points_and_the_reevaluation_its_fall(
    pos: Api, patron: Patron
) -> None:
    # given
    member = enroll(pos, "c-1")
    at = datetime(2026, 1, 1, 8, 0)
    # when: 600 EUR spent (>= 500: Silver); scored at Bronze (x1): 600 points
    purchase = buy(pos, member, "o-1", "2026-01-01T08:00:00Z", electronics("600.00"))
    # and a year and a month later nothing was spent in the 12-month window
    # (--force: the CLI refuses an --as-of ahead of the real clock, and this fixed day is
    # ahead of it until February 2027)
    output = cli(patron, "tiers", "reevaluate", "--as-of", "2027-02-01", "--force")
    # then
    assert "1 members: 0 up, 1 down" in output
    assert events_of(patron, member["id"]) == [
        *joined(),
        ("points.earned", at, {"points": 600, "purchase_id": purchase}),
        ("tier.changed", at, {"from": "Bronze", "to": "Silver"}),
        ("tier.changed", datetime(2027, 2, 1), {"from": "Silver", "to": "Bronze"}),
    ]


def test_a_reevaluation_that_changes_no_tier_writes_nothing(pos: Api, patron: Patron) -> None:
    member = enroll(pos, "c-1")
    buy(pos, member, "o-1", "2026-01-01T08:00:00Z", electronics("600.00"))
    cli(patron, "tiers", "reevaluate", "--as-of", "2026-06-01")  # still 600 EUR in the window
    assert [e[0] for e in events_of(patron, member["id"])] == [
        "member.enrolled",
        "points.earned",
        "points.earned",
        "tier.changed",
    ]


# --- redeem and cancel --------------------------------------------------------------------


def test_a_redemption_and_its_cancellation_write_their_id_and_points(
    pos: Api, patron: Patron, clock: Clock
) -> None:
    # given: the welcome bonus (100) is spendable at once
    member = enroll(pos, "c-1")
    clock.advance(hours=1)
    # when
    redeemed = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 100})
    assert redeemed.status_code == 201, redeemed.text
    redemption = redeemed.json()["id"]
    clock.advance(hours=1)
    cancelled = pos.post(f"/v1/redemptions/{redemption}/cancel", {"reason": "changed mind"})
    assert cancelled.status_code == 201, cancelled.text
    # then: dated when each happened
    assert events_of(patron, member["id"]) == [
        *joined(),
        ("points.redeemed", datetime(2026, 1, 1, 10), {"redemption_id": redemption, "points": 100}),
        (
            "redemption.cancelled",
            datetime(2026, 1, 1, 11),
            {"redemption_id": redemption, "points": 100},
        ),
    ]


def test_a_refused_redemption_writes_nothing(pos: Api, patron: Patron) -> None:
    member = enroll(pos, "c-1")
    refused = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 101})
    assert refused.status_code == 409, refused.text
    assert events_of(patron, member["id"]) == joined()


# --- refund -------------------------------------------------------------------------------


def test_a_refund_writes_the_points_taken_back_and_no_debt_when_they_are_there(
    pos: Api, patron: Patron, clock: Clock
) -> None:
    # given: 2 books at 10.00, 20 points each
    member = enroll(pos, "c-1")
    purchase = buy(pos, member, "o-1", "2026-01-01T08:00:00Z", BOOKS)
    clock.advance(days=1)
    # when: one of the two is returned
    response = pos.post(
        f"/v1/purchases/{purchase}/refunds", {"lines": [{"line_no": 1, "quantity": 1}]}
    )
    assert response.status_code == 201, response.text
    # then
    assert events_of(patron, member["id"])[3:] == [
        (
            "purchase.refunded",
            datetime(2026, 1, 2, 9),
            {"purchase_id": purchase, "points_taken_back": 20, "debt": 0},
        ),
    ]


def test_a_refund_of_spent_points_writes_the_debt(pos: Api, patron: Patron, clock: Clock) -> None:
    # given: 100 welcome + 300 earned, all 400 spent once the return window is over
    member = enroll(pos, "c-1")
    purchase = buy(pos, member, "o-1", "2026-01-01T08:00:00Z", electronics("300.00"))
    clock.advance(days=20)
    redeemed = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 400})
    assert redeemed.status_code == 201, redeemed.text
    # when: the whole purchase comes back
    response = pos.post(f"/v1/purchases/{purchase}/refunds", {})
    assert response.status_code == 201, response.text
    # then: the 300 points cannot be taken back from anywhere: all of them are owed
    at = datetime(2026, 1, 21, 9)
    assert events_of(patron, member["id"]) == [
        *joined(),
        ("points.earned", datetime(2026, 1, 1, 8), {"points": 300, "purchase_id": purchase}),
        ("points.redeemed", at, {"redemption_id": redeemed.json()["id"], "points": 400}),
        (
            "purchase.refunded",
            at,
            {"purchase_id": purchase, "points_taken_back": 300, "debt": 300},
        ),
    ]


# --- adjust -------------------------------------------------------------------------------


def test_adjustments_write_their_signed_points_actor_and_reason(
    admin: Api, patron: Patron, clock: Clock
) -> None:
    # given
    member = enroll(admin, "c-1")
    clock.advance(days=1)
    # when
    for points, reason in ((500, "goodwill"), (-200, "double credit")):
        response = admin.post(
            f"/v1/members/{member['id']}/adjustments", {"points": points, "reason": reason}
        )
        assert response.status_code == 201, response.text
    refused = admin.post(f"/v1/members/{member['id']}/adjustments", {"points": -401, "reason": "x"})
    assert refused.status_code == 409
    # then
    at = datetime(2026, 1, 2, 9)
    assert events_of(patron, member["id"]) == [
        *joined(),
        (
            "points.adjusted",
            at,
            {"points": 500, "actor": "apikey:test-admin", "reason": "goodwill"},
        ),
        (
            "points.adjusted",
            at,
            {"points": -200, "actor": "apikey:test-admin", "reason": "double credit"},
        ),
    ]


# --- expire -------------------------------------------------------------------------------


def test_expiry_warns_once_per_member_and_day_then_burns(
    pos: Api, patron: Patron, clock: Clock
) -> None:
    # given: lots of 100 (welcome) and 40 (books) expiring on 2028-01-01,
    # and one of 5 points earned ten days later, expiring on 2028-01-11
    member = enroll(pos, "c-1")
    buy(pos, member, "o-1", "2026-01-01T08:00:00Z", BOOKS)
    clock.advance(days=10)
    buy(pos, member, "o-2", "2026-01-11T09:00:00Z", electronics("5.00"))
    before = len(events_of(patron, member["id"]))
    # when: warned 30 days ahead, twice the same day, then past each date (days still to
    # come by the real clock the CLI reads: --force)
    cli(patron, "expire", "--as-of", "2027-12-15", "--force")
    cli(patron, "expire", "--as-of", "2027-12-15", "--force")
    burned = cli(patron, "expire", "--as-of", "2028-01-02", "--force")
    cli(patron, "expire", "--as-of", "2028-01-12", "--force")
    # then
    assert "140 points expired for 1 members" in burned
    assert events_of(patron, member["id"])[before:] == [
        (
            "points.expiring_soon",
            datetime(2027, 12, 15),
            {"points": 140, "expires_on": "2028-01-01"},
        ),
        ("points.expiring_soon", datetime(2027, 12, 15), {"points": 5, "expires_on": "2028-01-11"}),
        ("points.expired", datetime(2028, 1, 2), {"points": 140}),
        ("points.expired", datetime(2028, 1, 12), {"points": 5}),
    ]


# --- import -------------------------------------------------------------------------------

HISTORY = (
    "customer_id,order_id,date,amount\n"
    "i-1,o-a,2026-01-05,10.00\n"
    "i-2,o-c,2026-01-04,7.50\n"
    "i-1,o-b,2026-01-03,600.00\n"
    "c-1,o-d,2026-01-06,20.00\n"
)


def _import(patron: Patron, tmp_path: Path, *options: str) -> str:
    csv = tmp_path / "history.csv"
    csv.write_text(HISTORY)
    return cli(patron, "import", "purchases", str(csv), *options)


def _ids(patron: Patron, *external_ids: str) -> list[int]:
    with patron.uow(readonly=True) as uow:
        found = [uow.members.by_external_id(e) for e in external_ids]
    return [m.id for m in found if m is not None]


def jan(day: int) -> datetime:
    return datetime(2026, 1, day)


def _purchase_id(patron: Patron, order_id: str) -> int:
    with patron.uow(readonly=True) as uow:
        found = uow.purchases.by_order_id(order_id)
    assert found is not None
    return int(found.id)


def test_an_import_without_points_enrolls_each_new_customer_once_at_their_first_purchase(
    pos: Api, patron: Patron, tmp_path: Path
) -> None:
    # given: c-1 is already a member
    member = enroll(pos, "c-1")
    # when: imported twice (the second run finds everything present)
    assert "2 new members" in _import(patron, tmp_path)
    again = _import(patron, tmp_path)
    # then: the new customers are enrolled on their earliest purchase's date, once;
    # no points, no tier changes: the history is not scored
    assert "0 new members" in again
    i1, i2 = _ids(patron, "i-1", "i-2")
    assert events_of(patron, i1) == [enrolled(datetime(2026, 1, 3))]
    assert events_of(patron, i2) == [enrolled(datetime(2026, 1, 4))]
    assert events_of(patron, member["id"]) == joined()


def test_an_import_with_points_enrolls_then_scores_each_purchase_in_date_order(
    pos: Api, patron: Patron, tmp_path: Path
) -> None:
    # given
    member = enroll(pos, "c-1")
    # when
    output = _import(patron, tmp_path, "--award-points")
    # then: i-1 reaches Silver with its 600 EUR purchase; its later 10 EUR are scored at
    # Silver's x1.25: 12.5, rounded down to 12
    assert "4 purchases imported" in output and "2 new members" in output
    i1, i2 = _ids(patron, "i-1", "i-2")
    assert events_of(patron, i1) == [
        *joined(jan(3)),
        ("points.earned", jan(3), {"points": 600, "purchase_id": _purchase_id(patron, "o-b")}),
        ("tier.changed", jan(3), {"from": "Bronze", "to": "Silver"}),
        ("points.earned", jan(5), {"points": 12, "purchase_id": _purchase_id(patron, "o-a")}),
    ]
    assert events_of(patron, i2) == [
        *joined(jan(4)),
        ("points.earned", jan(4), {"points": 7, "purchase_id": _purchase_id(patron, "o-c")}),
    ]
    assert events_of(patron, member["id"]) == [
        *joined(),
        ("points.earned", jan(6), {"points": 20, "purchase_id": _purchase_id(patron, "o-d")}),
    ]
