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
