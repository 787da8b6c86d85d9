"""The export of everything Patron holds about one member (GDPR Articles 15 and 20).

One JSON document in a versioned format (docs/privacy.md): the profile, purchases with
their lines and refunds, ledger entries, lots, redemptions, the events written about the
member, the audit entries that name them, their RFM segment and lifetime-value figures,
the member's consents (their state and every record of them), the messages asked for
them and their survey answers. Segments and scores come from the
analytics, which this layer does not import: the adapter passes a function that computes
them for a customer id. The costs of goods and rewards are left out: they are the
business's figures about its products, not data about the member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from patron.domain.clock import iso_utc
from patron.domain.consent import ConsentRecord, latest, state_of
from patron.domain.ledger import LedgerEntry
from patron.domain.member import Member
from patron.domain.messages import CONSENT_PURPOSE
from patron.domain.money import quantize_money
from patron.domain.purchases import Purchase, PurchaseLine, RefundRecord
from patron.domain.redemption import Redemption
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.store.ledger import LotRecord
from patron.store.outbox import OutboxEvent
from patron.store.uow import UnitOfWork

EXPORT_FORMAT = "patron.member-export"
# 2: the member's phone and card, and their consents as recorded; 3: payment fingerprints;
# 4: the birthday, clubs, RSVPs, and a business's buyers and entitlement uses; 5: the
# messages, the survey answers, and the state of the SMS and push consents
EXPORT_VERSION = 5

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
        "member": {
            **_profile(member, len(data.referred(member.id))),
            **asdict(uow.contacts.get(member.id)),
        },
        "purchases": _purchases(
            data.purchases(member.id), data.lines(member.id), data.refunds(member.id)
        ),
        "ledger": [_entry(e) for e in data.ledger(member.id)],
        "lots": [_lot(lot) for lot in data.lots(member.id)],
        "payment_fingerprints": [
            {"purchase_id": purchase_id, "fingerprint": fingerprint}
            for purchase_id, fingerprint in data.fingerprints(member.id)
        ],
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
        "consents": _consents(uow.consents.history(member.id)),
        **_issue_15(uow, member.id),
        "messages": [_message(m) for m in data.messages(member.id)],
        "survey_answers": [_answer(a) for a in data.survey_answers(member.id)],
    }


def _issue_15(uow: UnitOfWork, member_id: int) -> dict[str, Any]:
    """What the rewards, clubs and business customers of issue 15 hold about the member:
    their birthday, clubs, RSVPs and, for a business, its buyers (their personal data
    too: the business is who asks) and the uses of its entitlements."""
    birthday = uow.birthdays.of(member_id)
    business = uow.businesses.get(member_id)
    return {
        "birthday": None if birthday is None else str(birthday),
        "clubs": {
            "now": [
                {"club_id": c.club_id, "standing": c.standing.value, "since": iso_utc(c.since)}
                for c in uow.clubs.of_member(member_id)
            ],
            "history": [
                {
                    "club_id": c.club_id,
                    "change": c.change.value,
                    "at": iso_utc(c.at),
                    "actor": c.actor,
                    "reason": c.reason,
                }
                for c in uow.clubs.history(member_id=member_id)
            ],
        },
        "rsvps": [
            {
                "id": r.id,
                "event": r.reward_id,
                "state": r.state.value,
                "points": r.points,
                "created_at": iso_utc(r.created_at),
                "done_at": _time(r.done_at),
                "reason": r.reason,
            }
            for r in uow.rsvps.of_member(member_id)
        ],
        "business": None
        if business is None
        else {
            "company_name": business.company_name,
            "vat_number": business.vat_number,
            "account_manager": business.account_manager,
            "created_at": iso_utc(business.created_at),
            "buyers": [
                {
                    "id": b.id,
                    "name": b.name,
                    "email": b.email,
                    "phone": b.phone,
                    "card": b.card,
                    "added_at": iso_utc(b.added_at),
                    "removed_at": _time(b.removed_at),
                }
                for b in uow.businesses.buyers(member_id, removed=True)
            ],
            "entitlement_uses": [
                {"entitlement": u.entitlement, "used_at": iso_utc(u.used_at), "note": u.note}
                for u in uow.businesses.uses(member_id, limit=10_000)
            ],
        },
    }


def _message(row: dict[str, Any]) -> dict[str, Any]:
    """A message asked for the member: what it was, what became of it, where it went."""
    return {
        **row,
        "queued_at": iso_utc(row["queued_at"]),
        "sent_at": _time(row["sent_at"]),
    }


def _answer(row: dict[str, Any]) -> dict[str, Any]:
    """A survey answer of the member, with its words."""
    return {**row, "responded_at": iso_utc(row["responded_at"])}


def _consents(history: list[ConsentRecord]) -> dict[str, Any]:
    """Each marketing consent's state (e-mail, SMS, push) and every record, oldest first."""
    return {
        **{
            purpose: state_of(latest(history, purpose)).value
            for purpose in CONSENT_PURPOSE.values()
        },
        "history": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "recorded_at": iso_utc(c.recorded_at),
                "source": c.source.value,
            }
            for c in history
        ],
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso_utc(moment)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(quantize_money(value))


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
    purchases: list[Purchase], lines: list[PurchaseLine], refunds: list[RefundRecord]
) -> list[dict[str, Any]]:
    """Purchases, each with its lines and refunds (without costs)."""
    lines_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        lines_of[line.purchase_id].append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "category": line.category,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price.quantize(Decimal("0.0001"))),
                "points": line.points,
                "refunded_quantity": line.refunded_quantity,
            }
        )
    refunds_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for refund in refunds:
        refunds_of[refund.purchase_id].append(
            {
                "id": refund.id,
                "amount": _money(refund.amount),
                "points_taken_back": refund.points_taken_back,
                "debt": refund.debt,
                "lines": [{"line_no": x.line_no, "quantity": x.quantity} for x in refund.lines],
                "reason": refund.reason,
                "created_at": _time(refund.created_at),
            }
        )
    return [
        {
            "id": p.id,
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
            "points_earned": p.points_earned,
            "bonus_points": p.bonus_points,
            "breakdown": [{"rule": b.rule, "points": b.points} for b in p.breakdown],
            "program_version": p.program_version,
            "source": p.source,
            "recorded_at": _time(p.created_at),
            "lines": lines_of[p.id],
            "refunds": refunds_of[p.id],
        }
        for p in purchases
    ]


def _entry(e: LedgerEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind.value,
        "points": e.points,
        "occurred_at": _time(e.occurred_at),
        "purchase_id": e.purchase_id,
        "refund_id": e.refund_id,
        "redemption_id": e.redemption_id,
        "actor": e.actor,
        "reason": e.reason,
    }


def _lot(lot: LotRecord) -> dict[str, Any]:
    return {
        "id": lot.id,
        "entry_id": lot.entry_id,
        "points": lot.points,
        "remaining": lot.remaining,
        "earned_at": _time(lot.earned_at),
        "available_at": _time(lot.available_at),
        "expires_at": _time(lot.expires_at),
    }


def _redemption(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.id,
        "reward_id": r.reward_id,
        "points": r.points,
        "value": _money(r.value),
        "currency": r.currency,
        "status": r.status.value,
        "created_at": _time(r.created_at),
        "cancelled_at": _time(r.cancelled_at),
    }


def _event(e: OutboxEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": e.type,
        "payload": e.payload,
        "occurred_at": _time(e.occurred_at),
        "published_at": _time(e.published_at),
    }
