"""A ledger entry: one change of a member's balance, as it is written and read back.

Entries are only ever added (docs/ledger.md). Each says why the balance moved (its
`EntryKind`) and what it refers to: the purchase that earned or was returned, the refund,
the redemption, and for an adjustment who made it and why (`EntryRefs`). Nothing here
computes: the rules that decide the points are in earning.py and lots.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.domain.records import EntryKind


@dataclass(frozen=True, slots=True)
class EntryRefs:
    """What an entry refers to, and who made it and why when a person did."""

    purchase_id: int | None = None
    refund_id: int | None = None
    redemption_id: int | None = None
    actor: str | None = None
    reason: str | None = None


NO_REFS = EntryRefs()


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    member_id: int
    kind: EntryKind
    points: int  # positive for a credit, negative for a debit
    occurred_at: datetime
    purchase_id: int | None
    refund_id: int | None
    redemption_id: int | None
    actor: str | None
    reason: str | None
