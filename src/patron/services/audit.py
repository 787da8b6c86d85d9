"""Reading the audit trail (the entries are written by the use cases that act)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from patron.domain.audit import AuditEntry, AuditQuery
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # the `after` that reads the next page; None when this page ends the trail
    next_after: int | None


def audit_trail(uow: UnitOfWork, query: AuditQuery) -> AuditPage:
    """One page of the entries the query selects, oldest first.

    One row more than the page is read, so the answer knows whether another page follows
    without a second query (and without counting the whole log)."""
    checked = query.checked()
    rows = uow.audit.search(replace(checked, limit=checked.limit + 1))
    page = rows[: checked.limit]
    more = len(rows) > checked.limit
    return AuditPage(page, page[-1].id if more else None)
