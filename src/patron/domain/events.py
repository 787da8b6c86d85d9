"""Domain events: facts, in the past tense, that other parts of Patron react to.

Use cases record them in the outbox in the same transaction as the change they describe,
so campaigns, e-mail and webhooks later read exactly what happened, never more or less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    member_id: int
    occurred_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def member_enrolled(member_id: int, at: datetime, tier: str) -> Event:
    return Event("member.enrolled", member_id, at, {"tier": tier})


def points_earned(member_id: int, at: datetime, points: int, purchase_id: int | None) -> Event:
    return Event("points.earned", member_id, at, {"points": points, "purchase_id": purchase_id})


def tier_changed(member_id: int, at: datetime, old: str, new: str) -> Event:
    return Event("tier.changed", member_id, at, {"from": old, "to": new})


def points_expiring(member_id: int, at: datetime, points: int, expires_on: str) -> Event:
    return Event(
        "points.expiring_soon", member_id, at, {"points": points, "expires_on": expires_on}
    )


def points_expired(member_id: int, at: datetime, points: int) -> Event:
    return Event("points.expired", member_id, at, {"points": points})


def redeemed(member_id: int, at: datetime, redemption_id: int, points: int) -> Event:
    return Event(
        "points.redeemed", member_id, at, {"redemption_id": redemption_id, "points": points}
    )


def redemption_cancelled(member_id: int, at: datetime, redemption_id: int, points: int) -> Event:
    return Event(
        "redemption.cancelled", member_id, at, {"redemption_id": redemption_id, "points": points}
    )


def refunded(member_id: int, at: datetime, purchase_id: int, points: int, debt: int) -> Event:
    return Event(
        "purchase.refunded",
        member_id,
        at,
        {"purchase_id": purchase_id, "points_taken_back": points, "debt": debt},
    )


def adjusted(member_id: int, at: datetime, points: int, actor: str, reason: str) -> Event:
    return Event(
        "points.adjusted", member_id, at, {"points": points, "actor": actor, "reason": reason}
    )


def survey_detractor(
    member_id: int,
    at: datetime,
    survey_id: int,
    response_id: int,
    kind: str,
    score: int,
    purchase_id: int | None,
) -> Event:
    """A detractor's answer (NPS 0–6, CSAT 1–2): the account manager's cue to follow up.
    The comment is not in the event: it is read with the answer (docs/surveys.md)."""
    data = {
        "survey_id": survey_id,
        "response_id": response_id,
        "kind": kind,
        "score": score,
        "purchase_id": purchase_id,
    }
    return Event("survey.detractor", member_id, at, data)


# vouchers, gifts and services (services/fulfil.py): `kind` is discount, gift or service


def voucher_issued(
    member_id: int,
    at: datetime,
    redemption_id: int,
    reward_id: str,
    kind: str,
    expires_at: datetime | None,
) -> Event:
    expires = expires_at.isoformat(timespec="seconds") if expires_at is not None else None
    data = {"redemption_id": redemption_id, "reward_id": reward_id, "kind": kind}
    return Event("voucher.issued", member_id, at, {**data, "expires_at": expires})


def voucher_used(
    member_id: int,
    at: datetime,
    redemption_id: int,
    reward_id: str,
    kind: str,
    transaction_id: str | None,
) -> Event:
    data = {"redemption_id": redemption_id, "reward_id": reward_id, "kind": kind}
    return Event("voucher.used", member_id, at, {**data, "transaction_id": transaction_id})


def voucher_handed_over(
    member_id: int, at: datetime, redemption_id: int, reward_id: str, kind: str
) -> Event:
    data = {"redemption_id": redemption_id, "reward_id": reward_id, "kind": kind}
    return Event("voucher.handed_over", member_id, at, data)


def voucher_cancelled(
    member_id: int, at: datetime, redemption_id: int, reward_id: str, kind: str
) -> Event:
    data = {"redemption_id": redemption_id, "reward_id": reward_id, "kind": kind}
    return Event("voucher.cancelled", member_id, at, data)


# RSVPs to events with seats (services/events.py)


def rsvp_seated(
    member_id: int, at: datetime, rsvp_id: int, reward_id: str, points: int, promoted: bool
) -> Event:
    """A seat taken: at the RSVP (`rsvp.seated`) or from the waiting list (`rsvp.promoted`)."""
    kind = "rsvp.promoted" if promoted else "rsvp.seated"
    return Event(
        kind, member_id, at, {"rsvp_id": rsvp_id, "reward_id": reward_id, "points": points}
    )


def rsvp_waitlisted(
    member_id: int, at: datetime, rsvp_id: int, reward_id: str, place_in_line: int
) -> Event:
    data = {"rsvp_id": rsvp_id, "reward_id": reward_id, "place_in_line": place_in_line}
    return Event("rsvp.waitlisted", member_id, at, data)


def rsvp_skipped(member_id: int, at: datetime, rsvp_id: int, reward_id: str, reason: str) -> Event:
    data = {"rsvp_id": rsvp_id, "reward_id": reward_id, "reason": reason}
    return Event("rsvp.skipped", member_id, at, data)


def rsvp_cancelled(member_id: int, at: datetime, rsvp_id: int, reward_id: str, was: str) -> Event:
    return Event(
        "rsvp.cancelled", member_id, at, {"rsvp_id": rsvp_id, "reward_id": reward_id, "was": was}
    )


def rsvp_checked_in(member_id: int, at: datetime, rsvp_id: int, reward_id: str) -> Event:
    return Event("rsvp.checked_in", member_id, at, {"rsvp_id": rsvp_id, "reward_id": reward_id})


# clubs (services/clubs.py): in by invitation, request, staff or rule; out by staff or rule


def club_joined(member_id: int, at: datetime, club_id: str, actor: str) -> Event:
    return Event("club.joined", member_id, at, {"club_id": club_id, "actor": actor})


def club_left(member_id: int, at: datetime, club_id: str, actor: str) -> Event:
    return Event("club.left", member_id, at, {"club_id": club_id, "actor": actor})


# referrals (services/referrals.py): one event per side, each to its own member


def referral_rewarded(
    member_id: int,
    at: datetime,
    referral_id: int,
    role: str,
    points: int,
    purchase_id: int,
) -> Event:
    """`role`: referrer or friend; `points` this side's reward (0 when it got none)."""
    data = {"referral_id": referral_id, "role": role, "points": points, "purchase_id": purchase_id}
    return Event("referral.rewarded", member_id, at, data)


def referral_taken_back(
    member_id: int,
    at: datetime,
    referral_id: int,
    role: str,
    points: int,
    purchase_id: int,
) -> Event:
    data = {"referral_id": referral_id, "role": role, "points": points, "purchase_id": purchase_id}
    return Event("referral.taken_back", member_id, at, data)
