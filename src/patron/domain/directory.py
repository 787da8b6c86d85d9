"""Finding members in the console: a search over the shop's ids, names and e-mails, a tier
filter, a sort order and pages.

The text matches anywhere in the external id, the name or the e-mail, without regard to
case (Unicode lower case on both stores). Sorting names a column and a direction; ties
fall back to the member id, so pages never repeat or skip a member. Erased members are
listed under their pseudonym: they are still in the books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from patron.domain.errors import InvalidInput

MAX_PAGE = 500
MAX_TEXT = 200


class SortBy(StrEnum):
    NAME = "name"
    EXTERNAL_ID = "external_id"
    ENROLLED = "enrolled_at"
    BALANCE = "balance"
    SPEND = "lifetime_spend"
    PURCHASES = "purchase_count"


@dataclass(frozen=True, slots=True)
class MemberSearch:
    text: str | None = None
    tier: str | None = None
    sort: SortBy = SortBy.ENROLLED
    descending: bool = True
    offset: int = 0
    limit: int = 50
    # only these customers (the shop's ids), when an analytics filter chose them
    external_ids: frozenset[str] | None = None

    def checked(self) -> MemberSearch:
        text = None if self.text is None or not self.text.strip() else self.text.strip()
        if text is not None and len(text) > MAX_TEXT:
            raise InvalidInput(f"search: at most {MAX_TEXT} characters")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput(f"limit: give 1 to {MAX_PAGE} members per page, not {self.limit}")
        if self.offset < 0:
            raise InvalidInput(f"offset: 0 or more, not {self.offset}")
        tier = None if self.tier is None or not self.tier.strip() else self.tier.strip()
        return MemberSearch(
            text, tier, self.sort, self.descending, self.offset, self.limit, self.external_ids
        )


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    external_id: str
    name: str | None
    email: str | None
    tier: str
    balance: int
    lifetime_spend: Decimal
    purchase_count: int
    enrolled_at: datetime
    erased: bool


@dataclass(frozen=True, slots=True)
class MemberPage:
    rows: list[MemberRow]
    total: int  # members the search matches, on every page


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape \\)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
