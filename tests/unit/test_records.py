"""The ledger's entry kinds and the redemption statuses: one list each, the same words as
the docs and the rows already stored, and short enough for their columns.

There is no CHECK constraint on `ledger_entries.kind` or `redemptions.status` (adding one
takes a migration), so these tests are what keeps the enum, the columns and the docs
together: a kind added to one and not the others fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from patron.domain.records import EntryKind, RedemptionStatus
from patron.store import tables as t

LEDGER_DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


def _documented_kinds() -> list[str]:
    """The words in docs/ledger.md's "Every change of a balance is a *ledger entry* (...)"."""
    text = " ".join(LEDGER_DOC.read_text(encoding="utf-8").split())
    found = re.search(r"is a \*ledger entry\* \(([^)]*)\)", text)
    assert found is not None, "docs/ledger.md no longer lists the entry kinds in (...)"
    return [word.strip() for word in found.group(1).split(",")]


def test_entry_kinds_are_the_documented_words_no_more_no_less() -> None:
    assert sorted(_documented_kinds()) == sorted(k.value for k in EntryKind)


def test_entry_kinds_are_the_words_already_stored() -> None:
    # Rows written before the enum existed hold these strings: renaming a value would
    # orphan them and change the API's `kind`.
    assert [k.value for k in EntryKind] == [
        "welcome",
        "referral",
        "earn",
        "refund",
        "redeem",
        "redeem_cancel",
        "adjust",
        "expire",
        "debt_settlement",
    ]
    assert EntryKind.REDEEM_CANCEL == "redeem_cancel"  # a StrEnum member is its string


def test_redemption_statuses_are_the_words_already_stored() -> None:
    assert [s.value for s in RedemptionStatus] == ["completed", "cancelled"]


def test_every_kind_and_status_fits_its_column() -> None:
    # PostgreSQL refuses a longer string; SQLite would store it silently.
    kind_width = t.ledger_entries.c.kind.type.length
    status_width = t.redemptions.c.status.type.length
    assert (kind_width, status_width) == (24, 16)
    assert max(len(k) for k in EntryKind) <= kind_width
    assert max(len(s) for s in RedemptionStatus) <= status_width
