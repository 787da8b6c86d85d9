"""The export of everything Patron holds about one member (GDPR Articles 15 and 20).

One JSON document in a versioned format (docs/privacy.md): the profile, purchases with
their lines and refunds, ledger entries, lots, redemptions, the events written about the
member, the audit entries that name them, their RFM segment and lifetime-value figures,
and a plain statement that Patron records no consents. Segments and scores come from the
analytics, which this layer does not import: the adapter passes a function that computes
them for a customer id. The costs of goods and rewards are left out: they are the
business's figures about its products, not data about the member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from patron.domain.clock import iso_utc
from patron.domain.member import Member
from patron.domain.money import quantize_money
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.store.uow import UnitOfWork

EXPORT_FORMAT = "patron.member-export"
EXPORT_VERSION = 1
NO_CONSENTS = (
    "Patron records no consents: it sends no marketing itself. Consents given to the"
    " business for e-mail, SMS or profiling are held by the systems that collected them."
)

# what a member's segment and scores are, given their customer id (the external id)
Scores = Callable[[str], dict[str, Any]]


def export_member(uow: UnitOfWork, ref: MemberRef, scores: Scores) -> dict[str, Any]:
    """Everything Patron holds about the member, as JSON-ready values (times in UTC with
    `Z`, amounts as decimal strings, as the API writes them)."""
    member = find_member(uow, ref)
    data = uow.personal
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "generated_at": iso_utc(uow.now),
        "member": _profile(member, len(data.referred(member.id))),
        "purchases": _purchases(
            data.purchases(member.id), data.lines(member.id), data.refunds(member.id)
        ),
        "ledger": [_entry(e) for e in data.ledger(member.id)],
        "lots": [_lot(lot) for lot in data.lots(member.id)],
        "redemptions": [_redemption(r) for r in data.redemptions(member.id)],
        "events": [_event(e) for e in data.events(member.id)],
        "audit": [
            {
                "id": a.id,
                "at": iso_utc(a.at),
                "actor": a.actor,
                "action": a.action,
                "reason": a.reason,
                "details": a.details,
            }
            for a in uow.audit.for_member(member.id)
        ],
        "segments_and_scores": scores(member.external_id),
        "consents": {"recorded": False, "note": NO_CONSENTS},
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso_utc(moment)


def _money(value: Any) -> str | None:
    return None if value is None else str(quantize_money(Decimal(str(value))))


def _profile(member: Member, referred: int) -> dict[str, Any]:
    return {
        "id": member.id,
        "external_id": member.external_id,
        "email": member.email,
        "name": member.name,
        "enrolled_at": _time(member.enrolled_at),
        "acquisition_channel": member.acquisition_channel,
        "tier": member.tier,
        "tier_since": _time(member.tier_since),
        "referral_code": member.referral_code,
        "referred_by": member.referred_by,
        "members_referred": referred,
        "points": member.balance,
        "debt": member.debt,
        "purchase_count": member.purchase_count,
        "lifetime_spend": _money(member.lifetime_spend),
        "erased_at": _time(member.erased_at),
    }


def _purchases(
    purchases: list[Row[Any]], lines: list[Row[Any]], refunds: list[Row[Any]]
) -> list[dict[str, Any]]:
    """Purchases, each with its lines and refunds (without costs)."""
    lines_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[int(line.purchase_id)].append(
            {
                "line_no": int(line.line_no),
                "sku": line.sku,
                "category": line.category,
                "quantity": int(line.quantity),
                "unit_price": str(Decimal(str(line.unit_price)).quantize(Decimal("0.0001"))),
                "points": int(line.points),
                "refunded_quantity": int(line.refunded_quantity),
            }
        )
    refunds_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for refund in refunds:
        refunds_of[int(refund.purchase_id)].append(
            {
                "id": int(refund.id),
                "amount": _money(refund.amount),
                "points_taken_back": int(refund.points_taken_back),
                "debt": int(refund.debt),
                "lines": refund.lines,
                "reason": refund.reason,
                "created_at": _time(refund.created_at),
            }
        )
    return [
        {
            "id": int(p.id),
            "order_id": p.order_id,
            "occurred_at": _time(p.occurred_at),
            "currency": p.currency,
            "total": _money(p.total),
            "refunded_total": _money(p.refunded_total),
            "channel": p.channel,
            "payment_method": p.payment_method,
            "promotion_code": p.promotion_code,
            "invoice_due_at": _time(p.invoice_due_at),
            "paid_at": _time(p.paid_at),
            "points_earned": int(p.points_earned),
            "bonus_points": int(p.bonus_points),
            "breakdown": p.breakdown or [],
            "program_version": p.program_version,
            "source": p.source,
            "recorded_at": _time(p.created_at),
            "lines": lines_of[int(p.id)],
            "refunds": refunds_of[int(p.id)],
        }
        for p in purchases
    ]


def _entry(e: Row[Any]) -> dict[str, Any]:
    return {
        "id": int(e.id),
        "kind": e.kind,
        "points": int(e.points),
        "occurred_at": _time(e.occurred_at),
        "purchase_id": e.purchase_id,
        "refund_id": e.refund_id,
        "redemption_id": e.redemption_id,
        "actor": e.actor,
        "reason": e.reason,
    }


def _lot(lot: Row[Any]) -> dict[str, Any]:
    return {
        "id": int(lot.id),
        "entry_id": int(lot.entry_id),
        "points": int(lot.points),
        "remaining": int(lot.remaining),
        "earned_at": _time(lot.earned_at),
        "available_at": _time(lot.available_at),
        "expires_at": _time(lot.expires_at),
    }


def _redemption(r: Row[Any]) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "reward_id": r.reward_id,
        "points": int(r.points),
        "value": _money(r.value),
        "currency": r.currency,
        "status": r.status,
        "created_at": _time(r.created_at),
        "cancelled_at": _time(r.cancelled_at),
    }


def _event(e: Row[Any]) -> dict[str, Any]:
    return {
        "id": int(e.id),
        "type": e.type,
        "payload": e.payload,
        "occurred_at": _time(e.occurred_at),
        "published_at": _time(e.published_at),
    }
