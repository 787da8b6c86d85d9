"""Purchases recorded before their customer was a member, and their linking to the member
who proves the address they were recorded under (domain/unclaimed.py).

Design overview. `record_unclaimed` checks a till's purchase as the earn would (dates,
currency, invoice dates, the order id unique among purchases and unclaimed purchases
alike), scores nothing and keeps the purchase with the customer's keys. `claim_login`
runs when a member uses a link mailed to their address, the one proof Patron has that
the address is theirs: the login link is used up and, in the same transaction, every
unclaimed purchase recorded with that address is handed to `earn.record_purchase` at its
own date, oldest first, so the points, their pending window and expiry, and the tier are
what they would have been had the customer been a member then (the program applied is
the one in force now). A purchase is linked once: its row is marked before it is earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from patron.domain.clock import AHEAD, latest_allowed, to_utc_naive
from patron.domain.earning import Line
from patron.domain.errors import InvalidInput, OrderTaken
from patron.domain.invoices import invoice_dates_problem
from patron.domain.money import quantize_money
from patron.domain.records import EntryKind
from patron.domain.unclaimed import CustomerKeys, UnclaimedPurchase, may_link
from patron.services.commands import MemberRef, RecordPurchase, RecordUnclaimed
from patron.services.earn import record_purchase
from patron.services.login_links import LinkUse, use_link
from patron.services.program import current_program
from patron.services.referrals import INVITED
from patron.store.uow import UnitOfWork

LINKED_SOURCE = "linked"  # purchases.source of a purchase that awaited a member


@dataclass(frozen=True)
class Unclaimed:
    """A purchase kept until its customer joins: it earned nothing yet."""

    order_id: str
    total: Decimal
    currency: str
    occurred_at: datetime
    points_earned: int = 0
    status: str = "awaiting_member"


@dataclass(frozen=True)
class Linked:
    """What a member received of the purchases recorded before they joined."""

    purchases: int
    points: int


def record_unclaimed(uow: UnitOfWork, cmd: RecordUnclaimed) -> Unclaimed:
    if not cmd.keys.any():
        raise InvalidInput("customer: give the customer's email, phone or card")
    _, program = current_program(uow)
    at = to_utc_naive(cmd.occurred_at)
    latest = latest_allowed(uow.now)
    if at > latest:
        raise InvalidInput(f"occurred_at {cmd.occurred_at.isoformat()} {AHEAD}")
    if cmd.currency != program.currency:
        raise InvalidInput(f"currency {cmd.currency} differs from the program's {program.currency}")
    due = to_utc_naive(cmd.invoice_due_at) if cmd.invoice_due_at else None
    paid = to_utc_naive(cmd.paid_at) if cmd.paid_at else None
    problem = invoice_dates_problem(at, due, paid, latest)
    if problem is not None:
        which, why = problem
        raise InvalidInput(f"{'invoice_due_at' if which == 'due' else 'paid_at'} {why}")
    if uow.purchases.by_order_id(cmd.order_id) or uow.unclaimed.by_order_id(cmd.order_id):
        raise OrderTaken(f"order {cmd.order_id!r} is already recorded")
    total = quantize_money(sum((line.amount for line in cmd.lines), Decimal(0)))
    kept = UnclaimedPurchase(
        id=0,
        order_id=cmd.order_id,
        occurred_at=at,
        total=total,
        currency=cmd.currency,
        keys=cmd.keys,
        body=_body(cmd, due, paid),
        shop=cmd.shop,
        created_at=uow.now,
    )
    uow.unclaimed.add(kept)
    return Unclaimed(cmd.order_id, total, cmd.currency, at)


def member_for_keys(uow: UnitOfWork, keys: CustomerKeys) -> int | None:
    """The member a till's customer keys name, by their loyalty card or their address (a
    sale recorded under a member's card or address is that member's, earned at once, as
    peers match a transaction's loyalty card or e-mail to their customer); None when
    neither names one. A phone alone names nobody: members' phones are not unique."""
    holder = uow.cards.holder(keys.card) if keys.card else None
    if holder is not None:
        return holder
    found = uow.members.by_email(keys.email) if keys.email else None
    return None if found is None else found.id


def link_earlier_purchases(uow: UnitOfWork, member_id: int) -> Linked:
    """Earn the purchases recorded with the member's address, which they just proved."""
    member = uow.members.get(member_id, lock=True)
    if member is None or member.email is None or member.erased_at is not None:
        return Linked(0, 0)
    count = points = 0
    for row in uow.unclaimed.open_for_email(member.email, lock=True):
        if not may_link(row.keys, member.email):
            continue
        uow.unclaimed.mark_linked(row.id, member_id, uow.now)
        recorded = record_purchase(uow, _earn_command(row, member_id))
        uow.unclaimed.set_purchase(row.id, recorded.purchase_id)
        count += 1
        points += recorded.points_earned
    return Linked(count, points)


def claim_login(uow: UnitOfWork, token: str) -> tuple[LinkUse, Linked]:
    """Use a login link and link the purchases awaiting its member's address."""
    used = use_link(uow, token)
    if used.member_id is None:
        return used, Linked(0, 0)
    return used, link_earlier_purchases(uow, used.member_id)


@dataclass(frozen=True)
class Welcome:
    """What the welcome page tells a new member: their gifts and what was linked."""

    welcome_points: int
    referral_points: int
    linked: Linked


def welcome(uow: UnitOfWork, member_id: int) -> Welcome:
    """The member's welcome gift, the bonus they got for being invited (not those they
    earned inviting others), and the purchases the latest proof of their address linked
    (those of one link: a later link that brings more says only what it brought)."""
    entries = uow.personal.ledger(member_id)
    gift = sum(e.points for e in entries if e.kind == EntryKind.WELCOME)
    referral = sum(
        e.points for e in entries if e.kind == EntryKind.REFERRAL and e.reason == INVITED
    )
    linked = [r for r in uow.unclaimed.linked_to(member_id) if r.purchase_id is not None]
    latest = max((r.linked_at for r in linked if r.linked_at is not None), default=None)
    linked = [r for r in linked if r.linked_at == latest]
    earned = sum(
        p.points_earned
        for p in (uow.purchases.get(r.purchase_id) for r in linked if r.purchase_id)
        if p is not None
    )
    return Welcome(gift, referral, Linked(len(linked), earned))


def _body(cmd: RecordUnclaimed, due: datetime | None, paid: datetime | None) -> dict[str, Any]:
    """The purchase as JSON values, to earn on later (the customer's keys are kept in
    their own columns, so erasure can blank them)."""
    return {
        "lines": [
            {
                "sku": x.sku,
                "category": x.category,
                "quantity": x.quantity,
                "unit_price": str(x.unit_price),
                "unit_cost": None if x.unit_cost is None else str(x.unit_cost),
            }
            for x in cmd.lines
        ],
        "channel": cmd.channel,
        "payment_method": cmd.payment_method,
        "promotion_code": cmd.promotion_code,
        "invoice_due_at": None if due is None else due.isoformat(),
        "paid_at": None if paid is None else paid.isoformat(),
    }


def _earn_command(row: UnclaimedPurchase, member_id: int) -> RecordPurchase:
    body = row.body
    lines: list[dict[str, Any]] = body["lines"]  # type: ignore[assignment]
    due, paid = body.get("invoice_due_at"), body.get("paid_at")
    return RecordPurchase(
        member=MemberRef(id=member_id),
        order_id=row.order_id,
        occurred_at=row.occurred_at,
        currency=row.currency,
        lines=tuple(
            Line(
                x["sku"],
                x["category"],
                int(x["quantity"]),
                Decimal(x["unit_price"]),
                None if x["unit_cost"] is None else Decimal(x["unit_cost"]),
            )
            for x in lines
        ),
        channel=_text(body.get("channel")),
        payment_method=_text(body.get("payment_method")),
        promotion_code=_text(body.get("promotion_code")),
        invoice_due_at=datetime.fromisoformat(str(due)) if due else None,
        paid_at=datetime.fromisoformat(str(paid)) if paid else None,
        source=LINKED_SOURCE,
        shop=row.shop,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
