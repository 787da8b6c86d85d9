"""What a message's template may use about its member, worked out from plain values:
the recommended reward, the first name, the soonest expiring points (pure; the delivery
fetches the values, services/deliveries.py, and the renderer fills the template)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from patron.domain.redemption import CatalogReward


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """A template's sources: subject, text part and, for e-mail, an HTML part."""

    subject: str
    text: str
    html: str | None = None


def recommended(rewards: Sequence[CatalogReward], balance: int, tier: str) -> CatalogReward | None:
    """The reward to suggest: the dearest the balance affords, else the cheapest (only
    the active ones in stock that the member's tier may take; None: no such reward). A
    tie of points goes to the first by id, so the choice is stable."""
    open_ = [
        r
        for r in rewards
        if r.active and (r.stock is None or r.stock > 0) and (not r.tiers or tier in r.tiers)
    ]
    if not open_:
        return None
    affordable = [r for r in open_ if r.points <= balance]
    if affordable:
        return min(affordable, key=lambda r: (-r.points, r.id))
    return min(open_, key=lambda r: (r.points, r.id))


def first_name(name: str | None) -> str | None:
    """The first word of the name (None: no name)."""
    words = (name or "").split()
    return words[0] if words else None


def soonest(expiring: Sequence[tuple[date, int]]) -> tuple[date, int] | None:
    """The first day points expire and how many (None: none expiring)."""
    return min(expiring) if expiring else None


def fields(
    *,
    name: str | None,
    balance: int,
    tier: str,
    referral_code: str,
    expiring: tuple[date, int] | None,
    reward: CatalogReward | None,
    portal_url: str,
    unsubscribe_url: str | None,
    context: Mapping[str, Any],
) -> dict[str, Any]:
    """The names every template may use (CORE: member.*, expiring.*, reward.*, portal_url,
    unsubscribe_url) with the message's own context beside them. Missing values are None,
    so a template can test them (`{% if expiring.points %}`)."""
    return {
        **context,
        "member": {
            "name": name,
            "first_name": first_name(name),
            "balance": balance,
            "tier": tier,
            "referral_code": referral_code,
        },
        "expiring": {
            "points": expiring[1] if expiring else None,
            "date": expiring[0] if expiring else None,
        },
        "reward": {
            "name": reward.name if reward else None,
            "points": reward.points if reward else None,
        },
        "portal_url": portal_url,
        "public_url": public_url(portal_url),
        "unsubscribe_url": unsubscribe_url,
    }


def public_url(portal_url: str) -> str:
    """The site's address without a trailing slash, before the paths a message's context
    gives (a survey's `survey_url` is `/portal/survey/<token>`)."""
    base = portal_url.rstrip("/")
    return base.removesuffix("/portal")
