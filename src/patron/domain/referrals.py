"""Referrals that resist abuse: who may refer whom, and when both are paid.

Design overview. A friend who enrolls with a member's code is linked to them as a
referral (`enrolled`). The friend's first purchase of at least `[referrals] min_purchase`
qualifies it (`qualified`): both are credited at once with lots that become spendable at
the end of that purchase's return window (`earning.pending_days`), the mechanism every
earned point already uses. When the window has passed the referral is `rewarded`: a
derived state (`state_at`), since nothing happens at that moment but the lots becoming
spendable. A refund within the window that leaves the purchase under the minimum takes
both rewards back (`taken_back`); a refund after it changes nothing. A referral is
`refused`, with a reason, when the friend looks like the referrer or one of the
referrer's other friends (e-mail after `email_key`, phone after `phone_key`, the card
the qualifying purchase was paid with), or when the referrer's caps are used up.

Everything here is pure: the store reads the identities, the use case decides with these
functions (services/referrals.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class ReferralState(StrEnum):
    ENROLLED = "enrolled"
    QUALIFIED = "qualified"
    REWARDED = "rewarded"  # derived: qualified and its window has passed (`state_at`)
    TAKEN_BACK = "taken_back"
    REFUSED = "refused"


STORED_STATES = ("enrolled", "qualified", "taken_back", "refused")  # what the store writes


class Refusal(StrEnum):
    """Why a referral pays nothing."""

    SELF_REFERRAL = "self_referral"  # the friend's e-mail or phone is the referrer's own
    SAME_EMAIL = "same_email"  # the same e-mail as another friend's, after `email_key`
    SAME_PHONE = "same_phone"  # the same phone as another friend's, after `phone_key`
    # the friend's e-mail is already a member's, after `email_key`: not a new customer
    EXISTING_MEMBER = "existing_member"
    SAME_PAYMENT = "same_payment"  # paid with the card of the referrer or another friend
    MONTHLY_CAP = "monthly_cap"  # the referrer had their rewards of that month
    TOTAL_CAP = "total_cap"  # the referrer had all the rewards they may have


@dataclass(frozen=True, slots=True)
class Referral:
    id: int
    referrer_id: int
    friend_id: int
    state: ReferralState  # as stored: never REWARDED (see `state_at`)
    reason: Refusal | None
    enrolled_at: datetime
    purchase_id: int | None = None  # the qualifying purchase
    qualified_at: datetime | None = None  # the qualifying purchase's time
    rewards_at: datetime | None = None  # the end of its return window
    ended_at: datetime | None = None  # taken back or refused
    referrer_points: int = 0
    friend_points: int = 0
    referrer_lot: int | None = None
    friend_lot: int | None = None

    def state_at(self, now: datetime) -> ReferralState:
        """The state as a reader sees it at `now`: a qualified referral whose window
        has passed is rewarded."""
        if (
            self.state is ReferralState.QUALIFIED
            and self.rewards_at is not None
            and self.rewards_at <= now
        ):
            return ReferralState.REWARDED
        return self.state

    def may_be_taken_back(self, now: datetime) -> bool:
        """Its rewards are still within the qualifying purchase's return window."""
        return self.state_at(now) is ReferralState.QUALIFIED


@dataclass(frozen=True, slots=True)
class Identity:
    """What makes two accounts look alike: e-mail and phone (None: not given)."""

    email: str | None
    phone: str | None


_PLUS = re.compile(r"\+.*$")


def email_key(email: str | None) -> str | None:
    """An address as a mailbox receives it: compatibility-normalised (NFKC: a fullwidth
    letter is its plain one) and case-folded, the local part without dots and without a
    `+tag`, the domain without a final dot ("Ana.Pop+shop@Mail.example." ->
    "anapop@mail.example")."""
    if not email or "@" not in email:
        return None
    local, _, domain = unicodedata.normalize("NFKC", email).strip().casefold().rpartition("@")
    local = _PLUS.sub("", local).replace(".", "")
    domain = domain.rstrip(".")
    return f"{local}@{domain}" if local and domain else None


PHONE_DIGITS = 8  # compared: a national number has 8 digits or more in most of Europe


def phone_key(phone: str | None) -> str | None:
    """A phone number's last 8 digits, so that one number written with or without its
    country code or trunk prefix compares equal ("+40 721 000 111", "0040721000111",
    "0721 000 111"; "+386 41 777 888", "041 777 888"); None for fewer than 6 digits."""
    if not phone:
        return None
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= 6 else None


def email_domain(email: str | None) -> str | None:
    """The domain `email_key` keeps, for finding the members who may share a mailbox."""
    key = email_key(email)
    return key.rpartition("@")[2] if key else None


def same_mailbox(email: str | None, members: Iterable[str | None]) -> bool:
    """Whether one of `members`' addresses is `email`'s mailbox (after `email_key`)."""
    key = email_key(email)
    return key is not None and any(email_key(other) == key for other in members)


def lookalike(friend: Identity, referrer: Identity, others: Iterable[Identity]) -> Refusal | None:
    """Why a new friend may not be paid for: they are the referrer (the same e-mail or
    phone, after the keys), or look like one of the referrer's other friends."""
    email, phone = email_key(friend.email), phone_key(friend.phone)
    if email is not None and email == email_key(referrer.email):
        return Refusal.SELF_REFERRAL
    if phone is not None and phone == phone_key(referrer.phone):
        return Refusal.SELF_REFERRAL
    for other in others:
        if email is not None and email == email_key(other.email):
            return Refusal.SAME_EMAIL
        if phone is not None and phone == phone_key(other.phone):
            return Refusal.SAME_PHONE
    return None


@dataclass(frozen=True, slots=True)
class Rewarded:
    """What the referrer has had: rewards in the qualifying purchase's month, and ever
    (a referral taken back gives its place back)."""

    this_month: int
    total: int


def cap_refusal(had: Rewarded, per_month: int | None, total: int | None) -> Refusal | None:
    if total is not None and had.total >= total:
        return Refusal.TOTAL_CAP
    if per_month is not None and had.this_month >= per_month:
        return Refusal.MONTHLY_CAP
    return None


@dataclass(frozen=True)
class Funnel:
    """A period's referrals (docs/referrals.md, "The funnel")."""

    codes_shared: int
    enrolled: int
    qualified: int
    rewarded: int
    taken_back: int
    refused: int


@dataclass(frozen=True)
class Leader:
    """A referrer and what their friends brought in a period."""

    member_id: int
    external_id: str
    friends: int  # friends linked to them (ever), not refused as the same person
    customers: int  # of those, who bought in the period
    revenue: Decimal  # what those friends spent in the period, net of returns
