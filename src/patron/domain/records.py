"""The names the store writes for ledger entries and redemptions, in one place each.

A ledger entry's `kind` and a redemption's `status` are stored and shown by the API as
plain strings. Spelling them as enum members lets mypy catch a typo where it is written
and lets a test compare the list with the store's columns and the docs. `StrEnum` members
*are* their strings, so the database rows and the API answers are exactly the words they
were before.
"""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    """Why a ledger entry changed a balance (docs/ledger.md lists the same words)."""

    WELCOME = "welcome"
    REFERRAL = "referral"
    EARN = "earn"
    REFUND = "refund"
    REDEEM = "redeem"
    REDEEM_CANCEL = "redeem_cancel"
    ADJUST = "adjust"
    EXPIRE = "expire"
    DEBT_SETTLEMENT = "debt_settlement"


class RedemptionStatus(StrEnum):
    """Where a redemption stands: done and its points spent, or cancelled and given back."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
